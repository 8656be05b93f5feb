"""Forms: issue a document; verify one (public)."""
from datetime import date

from flask_wtf.file import FileField
from sqlalchemy import Select, select
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, Regexp, ValidationError

from tracker import access
from tracker.documents.requests import NEEDS, issuable_kinds
from tracker.extensions import db
from tracker.forms import Form, choices
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.lists import MATCHES_SHOWN, SELECT_MAX, Records, named_list
from tracker.models import Organisation, Participant, Project, ProjectContractor
from tracker.models.codes import DOCUMENT_KINDS
from tracker.projects.forms import TypedProject, project_label, strip
from tracker.urls import parse_id


def optional_int(value):
    """'' → None; an id → int; anything else stays (and fails the choice check)."""
    if value in (None, ""):
        return None
    ident = parse_id(str(value))
    return value if ident is None else ident


# The form's fields for each thing a kind of document is about (requests.NEEDS): a record
# is a drop-down of ids while there are few, else a typed name.
FIELDS = {
    "project": ("project_id", "project_name"),
    "contractor": ("contractor_id", "contractor_name"),
    "municipality": ("municipality_id",),
    "participant": ("participant_id", "participant_name"),
    "year": ("year",),
    "date_from": ("date_from",),
    "date_to": ("date_to",),
}
AS_OF_HINTS = {
    "annual": _l("Leave empty for today, or the end of the year when it is over."),
    "training": _l("Leave empty for today, or the end of the year when it is over."),
    "municipality": _l("Leave empty for today, or the end of the period when it is over."),
}


def participant_label(row) -> str:
    return f"{row.name} ({row.ref})"


def _contractors(user) -> Select:
    """The firms whose compliance statement the user may ask for: every contractor for the
    secretariat, a contractor its own firm, a builder the contractors on its projects."""
    firms = select(Organisation.id, Organisation.name).order_by(Organisation.name,
                                                                Organisation.id)
    if user.role == "contractor":
        return firms.where(Organisation.id == user.organisation_id)
    firms = firms.where(Organisation.kind == "contractor")
    if user.role in access.SECRETARIAT:
        return firms
    return firms.where(Organisation.id.in_(select(ProjectContractor.contractor_id).where(
        ProjectContractor.project_id.in_(access.visible_project_ids(user)))))


def _participants(user) -> Select:
    # Anonymised residents can have no pathway: they are not offered.
    return (access.visible(Participant, user)
            .where(Participant.anonymised_at.is_(None))
            .with_only_columns(Participant.id, Participant.name, Participant.ref)
            .order_by(Participant.name, Participant.ref, Participant.id))


class IssueForm(TypedProject, Form):
    """One kind of document and what it is about. The form holds only the fields of the
    kind asked for (`?kind=pathway`), so the page shows, and the request reads, nothing
    else; without a kind the user may issue, it holds none (the page offers the kinds). The
    choices hold only what the user may see. A project, contractor or participant is chosen
    from a list while there are few, else typed and looked up on sending; an id in the
    request (`?project_id=12` from a button on another page) still chooses one."""

    kind = SelectField(_l("Document"))
    project_id = SelectField(_l("Building project"), coerce=optional_int)
    project_name = StringField(_l("Building project"), filters=[strip])
    contractor_id = SelectField(_l("Contractor"), coerce=optional_int)
    contractor_name = StringField(_l("Contractor"), filters=[strip])
    municipality_id = SelectField(_l("Municipality"), coerce=optional_int)
    participant_id = SelectField(_l("Participant"), coerce=optional_int)
    participant_name = StringField(_l("Participant"), filters=[strip],
                                   validators=[Length(max=200)])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(2000, 2100)])
    date_from = DateField(_l("Period from"), validators=[Optional()])
    date_to = DateField(_l("Period to"), validators=[Optional()])
    as_of = DateField(_l("As of"), validators=[Optional()])

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = issuable_kinds(user)
        self.kind.choices = choices({k: DOCUMENT_KINDS[k] for k in kinds})
        self.chosen_kind = self.kind.data if self.kind.data in kinds else None
        self.needs = NEEDS.get(self.chosen_kind, ())
        for need, names in FIELDS.items():
            if need not in self.needs:
                for name in names:
                    del self[name]
        if self.chosen_kind is None:
            del self["as_of"]
        else:
            self.as_of.description = AS_OF_HINTS.get(self.chosen_kind,
                                                      _l("Leave empty for today."))
        blank = str(_l("— choose —"))
        self.shown: dict[str, int] = {}  # the record whose name a typed field shows
        self._typed: dict[str, int] = {}  # the record a typed field was found to name
        self._unknown: set[str] = set()  # an id sent that is no choice of the user's
        # The participants the form names (its drop-down, the one filled in, or those
        # matching a typed name): the view logs them as shown.
        self.people_shown: list[int] = []
        if "project" in self.needs:
            self.projects = Records(
                lambda: access.visible(Project, user).with_only_columns(
                    Project.id, Project.case_number, Project.name)
                .order_by(Project.case_number, Project.id),
                [Project.case_number, Project.name], label=project_label)
            self._offer("project", self.projects, blank)
        if "contractor" in self.needs:
            self.contractors = Records(lambda: _contractors(user), [Organisation.name])
            self._offer("contractor", self.contractors, blank)
        if "participant" in self.needs:
            self.participants = Records(lambda: _participants(user),
                                        [Participant.name, Participant.ref],
                                        label=participant_label)
            listed = self._offer("participant", self.participants, blank)
            self.people_shown = listed or list(self.shown.values())
        if "municipality" in self.needs:
            municipalities = db.session.scalars(
                access.visible_municipalities(user).order_by(Organisation.name)).all()
            self.municipality_id.choices = choices({o.id: o.name for o in municipalities},
                                                   blank=blank)

    def _offer(self, key: str, records: Records, blank: str) -> list[int]:
        """The `key_id` drop-down while there are few records to choose from, else the
        `key_name` text field; an id in the request is shown as the record's name. Returns
        the ids the drop-down lists."""
        rows = db.session.execute(records.query().limit(SELECT_MAX + 1)).all()
        if len(rows) <= SELECT_MAX:
            del self[f"{key}_name"]
            self[f"{key}_id"].choices = choices({row.id: records.label(row) for row in rows},
                                                blank=blank)
            return [row.id for row in rows]
        self.typed_instead(key, records)
        return []

    def fill_defaults(self, today: date) -> None:
        """What a button on another page leaves out: this year, and the year so far."""
        defaults = {"year": today.year, "date_from": date(today.year, 1, 1), "date_to": today}
        for name, value in defaults.items():
            field = self._fields.get(name)
            if field is not None and not field.raw_data:
                field.data = value

    def value(self, name: str):
        """A field's data; None for a field the chosen kind has not."""
        field = self._fields.get(name)
        return field.data if field is not None else None

    def chosen_id(self, key: str) -> int | None:
        """The record chosen for `key` (project, contractor, participant): from the
        drop-down, or as typed."""
        field = self._fields.get(f"{key}_id")
        return field.data if field is not None else self._typed.get(key)

    def validate(self, extra_validators=None) -> bool:
        """The fields' checks, then: what the kind is about must be given."""
        valid = super().validate(extra_validators)
        for need in self.needs:
            field = next(self._fields[name] for name in FIELDS[need] if name in self._fields)
            chosen = self.chosen_id(need) if need in ("project", "contractor", "participant") \
                else field.data
            if chosen is None and not field.errors:
                field.errors.append(_l("This field is required."))
                valid = False
        return valid

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

    def validate_participant_name(self, field):
        """Typed text must single out one participant in the user's scope: by reference, by
        the whole name, or as the only name holding the text. Several are listed by name and
        reference, to type the reference of the one meant."""
        if "participant" in self.shown:
            self._typed["participant"] = self.shown["participant"]
            return
        if "participant" in self._unknown:
            raise ValidationError(_l("Not a valid choice."))
        if not field.data:
            return
        found = self.participants.find(field.data, exact=Participant.ref)
        if not found:
            raise ValidationError(_(
                "No participant has the reference “%(text)s” or “%(text)s” in the name.",
                text=field.data))
        if len(found) > 1:
            self.people_shown = [row.id for row in found[:MATCHES_SHOWN]]
            raise ValidationError(_(
                "Several participants match “%(text)s” (%(names)s): type the reference.",
                text=field.data, names=named_list([participant_label(row) for row in found])))
        self._typed["participant"] = found[0].id


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
