"""Forms: issue a document; verify one (public)."""
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, Regexp, ValidationError

from tracker import access
from tracker.documents.requests import issuable_kinds
from tracker.extensions import db
from tracker.forms import Form, choices, no_cpr
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.lists import SELECT_MAX, Records, named_list
from tracker.models import Organisation, Project
from tracker.models.codes import DOCUMENT_KINDS
from tracker.projects.forms import TypedProject, project_label, strip
from tracker.urls import parse_id


def optional_int(value):
    """'' → None; an id → int; anything else stays (and fails the choice check)."""
    if value in (None, ""):
        return None
    ident = parse_id(str(value))
    return value if ident is None else ident


class IssueForm(TypedProject, Form):
    """Which document and for what; the choices hold only what the user may see. A project
    or contractor is chosen from a list while there are few, else typed and looked up on
    sending; an id in the request (`?project_id=12` from a link) still chooses one."""

    kind = SelectField(_l("Document"))
    project_id = SelectField(_l("Building project"), coerce=optional_int)
    project_name = StringField(_l("Building project"), filters=[strip])
    contractor_id = SelectField(_l("Contractor"), coerce=optional_int)
    contractor_name = StringField(_l("Contractor"), filters=[strip])
    municipality_id = SelectField(_l("Municipality"), coerce=optional_int)
    participant = StringField(_l("Participant (reference)"),
                              validators=[Optional(), Length(max=50), no_cpr],
                              description=_l("The participant's reference, e.g. D-0042."))
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(2000, 2100)])
    date_from = DateField(_l("Period from"), validators=[Optional()])
    date_to = DateField(_l("Period to"), validators=[Optional()])
    as_of = DateField(_l("As of"), validators=[Optional()],
                      description=_l("Leave empty for today (or the end of the year or period "
                                     "when it is over)."))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = issuable_kinds(user)
        self.kind.choices = choices({k: DOCUMENT_KINDS[k] for k in kinds})
        blank = str(_l("— choose —"))
        self.shown: dict[str, int] = {}  # the record whose name a typed field shows
        self._typed: dict[str, int] = {}  # the record a typed field was found to name
        self._unknown: set[str] = set()  # an id sent that is no choice of the user's
        self.projects = Records(
            lambda: access.visible(Project, user).with_only_columns(
                Project.id, Project.case_number, Project.name)
            .order_by(Project.case_number, Project.id),
            [Project.case_number, Project.name], label=project_label)
        needs_project = {"clause-status", "compliance", "training"} & set(kinds)
        self._offer("project", self.projects, bool(needs_project), blank)
        firms = select(Organisation.id, Organisation.name).order_by(Organisation.name,
                                                                    Organisation.id)
        self.contractors = Records(
            lambda: firms.where(Organisation.kind == "contractor") if user.role != "contractor"
            else firms.where(Organisation.id == user.organisation_id), [Organisation.name])
        self._offer("contractor", self.contractors, "compliance" in kinds, blank)
        municipalities = db.session.scalars(
            access.visible_municipalities(user).order_by(Organisation.name)).all() \
            if "municipality" in kinds else []
        self.municipality_id.choices = choices({o.id: o.name for o in municipalities},
                                               blank=blank)

    def _offer(self, key: str, records: Records, offered: bool, blank: str) -> None:
        """The `key_id` drop-down while there are few records to choose from, else the
        `key_name` text field; an id in the request is shown as the record's name."""
        rows = db.session.execute(records.query().limit(SELECT_MAX + 1)).all() \
            if offered else []
        if len(rows) <= SELECT_MAX:
            del self[f"{key}_name"]
            self[f"{key}_id"].choices = choices({row.id: records.label(row) for row in rows},
                                                blank=blank)
            return
        self.typed_instead(key, records)

    def chosen_project_id(self) -> int | None:
        return self.project_id.data if self.project_id else self._typed.get("project")

    def chosen_contractor_id(self) -> int | None:
        return self.contractor_id.data if self.contractor_id else self._typed.get("contractor")

    def validate_contractor_name(self, field):
        """Typed text, if any, must single out one contractor the user may choose: by CVR
        number, by its whole name, or as the only name holding the text."""
        if "contractor" in self.shown:
            self._typed["contractor"] = self.shown["contractor"]
            return
        if "contractor" in self._unknown:
            raise ValidationError(_l("Not a valid choice."))
        if not field.data:
            return
        found = self.contractors.find(field.data, exact=Organisation.cvr)
        if not found:
            raise ValidationError(_(
                "No contractor has “%(text)s” in its name or as its CVR number.",
                text=field.data))
        if len(found) > 1:
            raise ValidationError(_(
                "Several contractors match “%(text)s” (%(names)s): type the whole name or "
                "the CVR number.", text=field.data, names=named_list([row.name for row in found])))
        self._typed["contractor"] = found[0].id


class VerifyForm(Form):
    """A PDF file, or a document number and its SHA-256."""

    file = FileField(_l("The PDF file"))
    number = StringField(_l("Document number"), validators=[
        Optional(), Length(max=30),
        Regexp(r"^\s*[Dd]-\d{4}-\d{6}\s*$",
               message=_l("A document number looks like D-2026-000123."))])
    sha256 = StringField(_l("SHA-256 checksum"), validators=[
        Optional(), Regexp(r"^\s*[0-9a-fA-F]{64}\s*$",
                           message=_l("A SHA-256 checksum is 64 characters 0–9 and a–f."))])
