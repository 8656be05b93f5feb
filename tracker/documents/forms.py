"""Forms: issue a document; verify one (public)."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, Regexp

from tracker import access
from tracker.documents.service import issuable_kinds
from tracker.extensions import db
from tracker.forms import Form, choices, no_cpr
from tracker.models import Organisation, Project
from tracker.models.codes import DOCUMENT_KINDS


def optional_int(value):
    """'' → None; digits → int; anything else stays (and fails the choice check)."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


class IssueForm(Form):
    """Which document and for what; the choices hold only what the user may see."""

    kind = SelectField(_l("Document"))
    project_id = SelectField(_l("Building project"), coerce=optional_int)
    contractor_id = SelectField(_l("Contractor"), coerce=optional_int)
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
        needs_project = {"clause-status", "compliance", "training"} & set(kinds)
        projects = db.session.scalars(
            access.visible(Project, user).order_by(Project.case_number)).all() \
            if needs_project else []
        self.project_id.choices = choices({p.id: f"{p.case_number} {p.name}" for p in projects},
                                          blank=blank)
        if "compliance" in kinds:
            firms = db.session.scalars(
                select(Organisation).where(Organisation.kind == "contractor")
                .order_by(Organisation.name)).all() if user.role != "contractor" \
                else [user.organisation]
        else:
            firms = []
        self.contractor_id.choices = choices({o.id: o.name for o in firms}, blank=blank)
        municipalities = db.session.scalars(
            access.visible_municipalities(user).order_by(Organisation.name)).all() \
            if "municipality" in kinds else []
        self.municipality_id.choices = choices({o.id: o.name for o in municipalities},
                                               blank=blank)


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
