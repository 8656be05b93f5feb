"""Who may issue which document, and for what: the request, its checks and the refusal."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from tracker import access
from tracker.documents.kinds.training import training_window
from tracker.extensions import db
from tracker.formatting import short_date
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.models import Organisation, Participant, Project, ProjectContractor, User
from tracker.models.codes import DOCUMENT_KINDS, label

KINDS = tuple(DOCUMENT_KINDS)
# Which kinds each role may issue; the objects they name are checked against its scope.
ISSUABLE = {
    "admin": KINDS,
    "staff": KINDS,
    "builder": ("clause-status", "compliance", "training"),
    "contractor": ("clause-status", "compliance"),
    "municipality": ("municipality", "pathway"),
}
# What each kind is about (the parameters it needs).
NEEDS = {
    "clause-status": ("project",),
    "compliance": ("contractor", "project"),
    "municipality": ("municipality", "date_from", "date_to"),
    "pathway": ("participant",),
    "annual": ("year",),
    "training": ("project", "year"),
}
FIELD_WORDS = {
    "project": _l("building project"), "contractor": _l("contractor"),
    "municipality": _l("municipality"), "participant": _l("participant"), "year": _l("year"),
    "date_from": _l("period from"), "date_to": _l("period to"),
}
# The request's objects and their models, as stored by id with a queued request.
OBJECTS = {"project": Project, "contractor": Organisation, "municipality": Organisation,
           "participant": Participant}
DATES = ("as_of", "date_from", "date_to")


class IssueError(ValueError):
    """A document that cannot be issued; str(error) is the message for the user."""


@dataclass
class DocumentRequest:
    """One document to issue: its kind, the objects it is about and the as-of date."""

    kind: str
    as_of: date | None = None
    project: Project | None = None
    contractor: Organisation | None = None
    municipality: Organisation | None = None
    participant: Participant | None = None
    year: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def parameters(self) -> dict:
        """The request in natural keys, as stored with the document and typed in the CLI."""
        values = {
            "kind": self.kind, "as_of": self.as_of.isoformat() if self.as_of else None,
            "project": self.project.case_number if self.project else None,
            "contractor": self.contractor.cvr if self.contractor else None,
            "municipality": self.municipality.cvr if self.municipality else None,
            "participant": self.participant.ref if self.participant else None,
            "year": self.year,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }
        return {k: v for k, v in values.items() if v is not None}

    def ids(self) -> dict:
        """The request's objects by id and its dates as text (JSON, for a queued request)."""
        values = {f"{name}_id": getattr(self, name).id for name in OBJECTS
                  if getattr(self, name) is not None}
        values.update({name: getattr(self, name).isoformat() for name in DATES
                       if getattr(self, name) is not None})
        if self.year is not None:
            values["year"] = self.year
        return values

    @classmethod
    def from_ids(cls, kind: str, values: dict) -> "DocumentRequest":
        """The request `ids()` describes, its objects loaded again."""
        req = cls(kind, year=values.get("year"))
        for name, model in OBJECTS.items():
            if values.get(f"{name}_id") is not None:
                setattr(req, name, db.session.get(model, values[f"{name}_id"]))
        for name in DATES:
            if values.get(name):
                setattr(req, name, date.fromisoformat(values[name]))
        return req


def default_as_of(kind: str, today: date, year: int | None = None,
                  date_to: date | None = None) -> date:
    """Today, or the end of the year or period asked for when that is already over."""
    if kind in ("annual", "training") and year:
        return min(today, date(year, 12, 31))
    if kind == "municipality" and date_to:
        return min(today, date_to)
    return today


def issuable_kinds(user: User | None) -> tuple[str, ...]:
    """The kinds of document a user may issue (all for the command line)."""
    return KINDS if user is None else ISSUABLE.get(user.role, ())


def check_request(req: DocumentRequest, user: User | None, today: date) -> None:
    """Refuse, with a message for the user, a document the user may not issue or that makes
    no sense; fills in the as-of date. `user` None is the command line (the system)."""
    if req.kind not in KINDS:
        raise IssueError(_("Unknown kind of document: %(kind)s.", kind=req.kind))
    if req.kind not in issuable_kinds(user):
        raise IssueError(_("You may not issue a %(kind)s.",
                           kind=label(DOCUMENT_KINDS, req.kind).lower()))
    missing = [name for name in NEEDS[req.kind] if getattr(req, name) is None]
    if missing:
        raise IssueError(_("A %(kind)s needs: %(fields)s.",
                           kind=label(DOCUMENT_KINDS, req.kind).lower(),
                           fields=", ".join(str(FIELD_WORDS[m]) for m in missing)))
    for name in FIELD_WORDS:
        if name not in NEEDS[req.kind]:
            setattr(req, name, None)  # what the kind does not use is not stored with it
    if req.as_of is None:
        req.as_of = default_as_of(req.kind, today, req.year, req.date_to)
    if req.as_of > today:
        raise IssueError(_("The as-of date cannot be after today."))
    if user is not None:  # first, so nothing is said about objects outside the scope
        _check_scope(req, user)
    _check_consistency(req)


def _check_consistency(req: DocumentRequest) -> None:
    if req.year is not None and not 2000 <= req.year <= 2100:
        raise IssueError(_("The year must be between 2000 and 2100."))
    if req.year is not None and req.year > req.as_of.year:
        raise IssueError(_("The year %(year)s has not begun by the as-of date.", year=req.year))
    if req.kind == "municipality":
        if req.municipality.kind != "municipality":
            raise IssueError(_("%(name)s is not a municipality.", name=req.municipality.name))
        if req.date_to < req.date_from:
            raise IssueError(_("The period must not end before it begins."))
        if req.date_to > req.as_of:
            raise IssueError(_("The period must not end after the as-of date (%(as_of)s).",
                               as_of=short_date(req.as_of)))
    if req.kind == "compliance":
        on_project = db.session.scalar(select(ProjectContractor.id).where(
            ProjectContractor.project_id == req.project.id,
            ProjectContractor.contractor_id == req.contractor.id))
        if on_project is None:
            raise IssueError(_("%(firm)s is not a contractor on building project %(case)s.",
                               firm=req.contractor.name, case=req.project.case_number))
    if req.kind == "training":
        start, end = training_window(req.project, req.year, req.as_of)
        if start > end:
            raise IssueError(_("Building project %(case)s has no days in %(year)s up to the "
                               "as-of date.", case=req.project.case_number, year=req.year))
    if req.kind == "pathway":
        refusal = pathway_refusal(req.participant)
        if refusal is not None:
            raise IssueError(refusal)


def pathway_refusal(participant: Participant) -> str | None:
    """Why no pathway document can be issued for the participant, or None when one can: it
    needs the consent recorded and not withdrawn, and a participant not anonymised."""
    if participant.anonymised_at is not None:
        return _("The participant has been anonymised; no pathway can be issued.")
    if participant.consent_date is None:
        return _("A participant pathway can only be issued when the participant's consent is "
                 "recorded. Record the consent on the participant's page first.")
    if participant.consent_withdrawn_on is not None:
        return _("The participant withdrew their consent on %(date)s, so no participant "
                 "pathway can be issued.", date=short_date(participant.consent_withdrawn_on))
    return None


def _check_scope(req: DocumentRequest, user: User) -> None:
    """The objects named must be in the user's scope (access.py), and an external user may
    only speak for their own organisation."""
    def visible(model, obj) -> bool:
        return db.session.scalar(
            access.visible(model, user).with_only_columns(model.id).where(model.id == obj.id)
        ) is not None

    if req.project is not None and not visible(Project, req.project):
        raise IssueError(_("No building project %(case)s within your access.",
                           case=req.project.case_number))
    if req.participant is not None and not visible(Participant, req.participant):
        raise IssueError(_("No participant %(ref)s within your access.", ref=req.participant.ref))
    if req.municipality is not None and db.session.scalar(
            access.visible_municipalities(user).with_only_columns(Organisation.id)
            .where(Organisation.id == req.municipality.id)) is None:
        raise IssueError(_("No municipality %(name)s within your access.",
                           name=req.municipality.name))
    if user.role == "contractor" and req.contractor is not None \
            and req.contractor.id != user.organisation_id:
        raise IssueError(_("A contractor may only issue compliance statements for its own firm."))
