"""Forms for building projects and the contractors on them; Danish number input."""
from decimal import Decimal

from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from tracker.extensions import db
from tracker.forms import Form, NumberField, VersionField, choices, no_cpr, no_participant_names
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.lists import SELECT_MAX, Records, TypedRecords, named_list
from tracker.models import HousingArea, Organisation, Project, ProjectContractor
from tracker.models.codes import CONTRACTOR_ROLES, PROJECT_STATUSES
from tracker.urls import parse_id

# Numeric(15, 2): the largest amount the database holds, øre included.
MAX_AMOUNT = Decimal("9999999999999.99")

def optional_int(value) -> int | None:
    """Coerce a select's value to an id; the blank option becomes None. Anything but an id
    a row can have is refused before any check looks it up."""
    if value in (None, "", "None"):
        return None
    ident = parse_id(str(value))
    if ident is None:
        raise ValueError(value)
    return ident


def strip(value):
    return value.strip() if isinstance(value, str) else value


# A project as a typed field shows it (and as a drop-down lists it): case number and name.
PROJECT_LABEL = Project.case_number + " " + Project.name


def project_label(row) -> str:
    return f"{row.case_number} {row.name}"


class TypedProject(TypedRecords):
    """A form's `project_name` field (see TypedRecords), matched among the form's
    `projects` (Records of id, case number, name); the project found goes to `_typed`."""

    projects: Records
    _typed: dict[str, int]

    def validate_project_name(self, field):
        """Typed text, if any, must single out one project in the user's scope: by case
        number, by case number and name as shown, by the whole name, or as the only name
        holding the text. Empty is no building project."""
        if "project" in self.shown:
            self._typed["project"] = self.shown["project"]
            return
        if "project" in self._unknown:
            raise ValidationError(_l("Not a valid choice."))
        if not field.data:
            return
        found = self.projects.find(field.data, exact=PROJECT_LABEL)
        if not found:
            raise ValidationError(_(
                "No building project has “%(text)s” as its case number or in its name.",
                text=field.data))
        if len(found) > 1:
            raise ValidationError(_(
                "Several building projects match “%(text)s” (%(names)s): type the case number.",
                text=field.data, names=named_list([project_label(row) for row in found])))
        self._typed["project"] = found[0].id


def _with_current(records: list, current) -> list:
    """The active records, plus the one already chosen even if it has been deactivated."""
    if current is not None and current not in records:
        records = [current, *records]
    return records


class ProjectForm(Form):
    case_number = StringField(_l("Case number"), validators=[DataRequired(), Length(max=50)],
                              filters=[strip])
    # Builders and contractors read the name on every page and document of the project.
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), no_cpr,
                                               no_participant_names], filters=[strip])
    housing_area_id = SelectField(_l("Housing area"), coerce=optional_int,
                                  validators=[DataRequired()])
    builder_id = SelectField(_l("Builder"), coerce=optional_int, validators=[DataRequired()])
    start_date = DateField(_l("Start date"), validators=[InputRequired()])
    end_date = DateField(_l("End date"), validators=[InputRequired()])
    contract_sum = NumberField(_l("Contract sum (DKK)"), maximum=MAX_AMOUNT, pad=True,
                               description=_l("In kroner, e.g. 85.000.000, or with øre "
                                              "85.000.000,50."))
    craft_cost = NumberField(_l("Craft cost (DKK)"), maximum=MAX_AMOUNT, pad=True,
                             description=_l("Håndværkerudgift in kroner, e.g. 62.500.000. "
                                            "Needed for the training report."))
    status = SelectField(_l("Status"))
    version = VersionField()

    def __init__(self, *args, current: Project | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current
        # Labels are made per request, so they come in the user's language.
        self.status.choices = choices(PROJECT_STATUSES)
        areas = db.session.scalars(
            select(HousingArea).where(HousingArea.is_active).order_by(HousingArea.name)).all()
        areas = _with_current(areas, current.housing_area if current else None)
        self.housing_area_id.choices = choices(
            {a.id: f"{a.name} ({a.municipality.name})" for a in areas},
            blank=str(_l("— choose a housing area —")))
        builders = db.session.scalars(
            select(Organisation).where(Organisation.kind == "builder", Organisation.is_active)
            .order_by(Organisation.name)).all()
        builders = _with_current(builders, current.builder if current else None)
        self.builder_id.choices = choices({b.id: b.name for b in builders},
                                          blank=str(_l("— choose a builder —")))

    def validate_case_number(self, field):
        clash = db.session.scalar(select(Project).where(Project.case_number == field.data))
        if clash is not None and clash is not self.current:
            raise ValidationError(_l("The case number %(number)s is already used by %(name)s.",
                                     number=field.data, name=clash.name))

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("The end date must be on or after the start date."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.current is not None:
            from tracker.projects.service import project_edit_problems

            for name, message in project_edit_problems(self, self.current):
                getattr(self, name).errors.append(message)
                ok = False
        return ok


class AddContractorForm(Form):
    """A contractor for the project: chosen from a list while there are few to choose from,
    else typed (part of the name, or the CVR number) and looked up when the form is sent."""

    contractor_id = SelectField(_l("Contractor"), coerce=optional_int, validators=[DataRequired()])
    contractor_name = StringField(_l("Contractor"), filters=[strip])
    role = SelectField(_l("Role"))

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self._typed_id = None
        self.role.choices = choices(CONTRACTOR_ROLES)
        firms = db.session.execute(
            self._addable().with_only_columns(Organisation.id, Organisation.name)
            .order_by(Organisation.name, Organisation.id).limit(SELECT_MAX + 1)).all()
        if len(firms) > SELECT_MAX:
            del self.contractor_id
        else:
            del self.contractor_name
            self.contractor_id.choices = choices(dict(firms),
                                                 blank=str(_l("— choose a contractor —")))

    def _addable(self):
        """Active contractors not yet on the project."""
        on_project = select(ProjectContractor.contractor_id).where(
            ProjectContractor.project_id == self.project.id)
        return select(Organisation).where(Organisation.kind == "contractor",
                                          Organisation.is_active,
                                          Organisation.id.not_in(on_project))

    def chosen_id(self) -> int | None:
        """The contractor's id, from the list or from the name typed."""
        return self.contractor_id.data if self.contractor_id else self._typed_id

    def validate_contractor_name(self, field):
        """The typed text must single out one contractor that can be added: by CVR number,
        by its whole name, or as the only name holding the text."""
        text = field.data or ""
        if not text:
            raise ValidationError(_l("Type the contractor's name or CVR number."))
        addable = Records(lambda: self._addable().with_only_columns(
            Organisation.id, Organisation.name).order_by(Organisation.name, Organisation.id),
            [Organisation.name])
        found = addable.find(text, exact=Organisation.cvr)
        if not found:
            raise ValidationError(_l(
                "No contractor that can be added has “%(text)s” in its name or as its CVR "
                "number.", text=text))
        if len(found) > 1:
            raise ValidationError(_l(
                "Several contractors match “%(text)s” (%(names)s): type the whole name or "
                "the CVR number.", text=text, names=named_list([row.name for row in found])))
        self._typed_id = found[0].id


class ContractorRoleForm(Form):
    role = SelectField(_l("Role"))
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices(CONTRACTOR_ROLES)
