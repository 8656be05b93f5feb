"""Forms for building projects and the contractors on them; Danish number input."""
import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation, ValidationError

from tracker.extensions import db
from tracker.forms import Form, VersionField, choices, no_cpr
from tracker.models import HousingArea, Organisation, Project, ProjectContractor
from tracker.models.codes import CONTRACTOR_ROLES, PROJECT_STATUSES

# Numeric(15, 2): the largest amount the database holds, in whole kroner.
MAX_AMOUNT = Decimal("9999999999999")

_DIGITS = re.compile(r"[0-9]+")
_GROUPED = {".": re.compile(r"[1-9][0-9]{0,2}(\.[0-9]{3})+"),
            ",": re.compile(r"[1-9][0-9]{0,2}(,[0-9]{3})+")}
_CURRENCY = re.compile(r"^(dkk|kr\.?)|(dkk|kr\.?|,-|\.-)$", re.IGNORECASE)


def parse_number(text: str) -> Decimal:
    """A number as Danes type it: "12.500.000", "12500000,50", "kr. 1.234,-", "0,025".

    A dot followed by groups of three digits is a thousands separator; a comma is the
    decimal mark. English input ("12,500,000.50", "0.1") is understood too where it is
    not ambiguous. Raises ValueError when the text is not a number.
    """
    s = re.sub(r"\s", "", text or "")
    s = _CURRENCY.sub("", s)
    s = _CURRENCY.sub("", s)  # "kr. 1.234,-" has both a prefix and a suffix
    negative = s.startswith("-")
    s = s.removeprefix("-").removeprefix("+")
    if "," in s and "." in s:
        decimal_mark = "," if s.rfind(",") > s.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        whole, fraction = s.rsplit(decimal_mark, 1)
        if thousands in whole and not _GROUPED[thousands].fullmatch(whole):
            raise ValueError(text)
        whole = whole.replace(thousands, "")
    elif _GROUPED["."].fullmatch(s):
        whole, fraction = s.replace(".", ""), ""
    elif s.count(",") > 1 and _GROUPED[","].fullmatch(s):
        whole, fraction = s.replace(",", ""), ""
    elif s.count(",") == 1 or s.count(".") == 1:
        whole, fraction = re.split(r"[,.]", s)
    else:
        whole, fraction = s, ""
    whole = whole or ("0" if fraction else "")
    if not _DIGITS.fullmatch(whole) or (fraction and not _DIGITS.fullmatch(fraction)):
        raise ValueError(text)
    try:
        value = Decimal(f"{whole}.{fraction or 0}")
    except InvalidOperation as error:  # pragma: no cover - the patterns above exclude it
        raise ValueError(text) from error
    return -value if negative else value


def input_number(value: Decimal | None, places: int = 2, pad: bool = False) -> str:
    """A number written back into an input the Danish way: 12.500.000 or 12.500.000,50."""
    if value is None:
        return ""
    value = Decimal(value)
    whole = int(abs(value))
    fraction = abs(value) - whole
    text = f"{whole:,}".replace(",", ".")
    if fraction:
        digits = f"{fraction:.{places}f}"[2:].rstrip("0")
        if pad:
            digits = digits.ljust(places, "0")  # kroner and øre: 12.500.000,50
        text += "," + digits
    return ("-" if value < 0 else "") + text


class NumberField(StringField):
    """A text input for an amount or figure in Danish notation; data is a Decimal or None.

    `required` makes an empty input an error; `places` is the most decimals accepted.
    """

    def __init__(self, label=None, validators=None, places: int = 2, required: bool = False,
                 minimum: Decimal | None = Decimal(0), maximum: Decimal | None = None,
                 message=None, pad: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.places, self.required, self.pad = places, required, pad
        self.minimum, self.maximum = minimum, maximum
        self.message = message or _l("Write a number, e.g. 12.500.000 or 12500000,50.")

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        text = valuelist[0] if valuelist else ""
        if not text.strip():
            self.data = None
            return
        try:
            self.data = parse_number(text)
        except ValueError as error:
            self.data = None
            raise ValueError(str(self.message)) from error

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return input_number(self.data, self.places, self.pad)

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()  # the message from process_formdata is enough
        if self.data is None:
            if self.required:
                raise StopValidation(_l("This field is required."))
            return
        if -self.data.as_tuple().exponent > self.places:
            raise StopValidation(_l("Use at most %(n)s decimals.", n=self.places))
        if self.minimum is not None and self.data < self.minimum:
            raise StopValidation(_l("The number cannot be negative.") if self.minimum == 0
                                 else _l("The number must be at least %(n)s.",
                                         n=input_number(self.minimum, self.places)))
        if self.maximum is not None and self.data > self.maximum:
            raise StopValidation(_l("The number is too large."))


def optional_int(value) -> int | None:
    """Coerce a select's value to an id; the blank option becomes None."""
    if value in (None, "", "None"):
        return None
    return int(value)


def strip(value):
    return value.strip() if isinstance(value, str) else value


def _with_current(records: list, current) -> list:
    """The active records, plus the one already chosen even if it has been deactivated."""
    if current is not None and current not in records:
        records = [current, *records]
    return records


class ProjectForm(Form):
    case_number = StringField(_l("Case number"), validators=[DataRequired(), Length(max=50)],
                              filters=[strip])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), no_cpr],
                       filters=[strip])
    housing_area_id = SelectField(_l("Housing area"), coerce=optional_int,
                                  validators=[DataRequired()])
    builder_id = SelectField(_l("Builder"), coerce=optional_int, validators=[DataRequired()])
    start_date = DateField(_l("Start date"), validators=[InputRequired()])
    end_date = DateField(_l("End date"), validators=[InputRequired()])
    contract_sum = NumberField(_l("Contract sum (DKK)"), maximum=MAX_AMOUNT, pad=True,
                               description=_l("In kroner, e.g. 85.000.000."))
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
    contractor_id = SelectField(_l("Contractor"), coerce=optional_int, validators=[DataRequired()])
    role = SelectField(_l("Role"))

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.role.choices = choices(CONTRACTOR_ROLES)
        on_project = select(ProjectContractor.contractor_id).where(
            ProjectContractor.project_id == project.id)
        firms = db.session.scalars(
            select(Organisation).where(Organisation.kind == "contractor", Organisation.is_active,
                                       Organisation.id.not_in(on_project))
            .order_by(Organisation.name)).all()
        self.contractor_id.choices = choices({f.id: f.name for f in firms},
                                             blank=str(_l("— choose a contractor —")))


class ContractorRoleForm(Form):
    role = SelectField(_l("Role"))
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices(CONTRACTOR_ROLES)
