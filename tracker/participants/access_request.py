"""Everything the system holds on one participant, for the resident's access request (GDPR
art. 15): one structure that both the JSON export and the resident's PDF are made from, so
the two cannot disagree.

Every part starts from the role-scoped queries of tracker.access. Code values come with
their Danish words. Nothing here commits or knows of HTTP; the PDF is made on request and
never archived (an archived copy would be one more copy of personal data to erase).
"""
import json
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from tracker import access
from tracker.audit import participant_history_query
from tracker.documents.render import write_pdf
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.models import (
    AuditEvent,
    Document,
    DocumentParticipant,
    FollowUp,
    Organisation,
    Participant,
    Placement,
    ProgressAssessment,
    User,
)
from tracker.models.codes import (
    ACCESS_PURPOSES,
    DIMENSIONS,
    DOCUMENT_KINDS,
    EDUCATION_LEVELS,
    FOLLOW_UP_STATUSES,
    GENDERS,
    OUTCOMES,
    PLACEMENT_KINDS,
    READINESS,
    ROLES,
    label,
)

TEMPLATE = "pdf/access_request.html"


def coded(mapping: dict, code: str | None) -> dict | None:
    """A code value with the word users read for it: {"code": "f", "text": "Kvinde"}."""
    if code is None:
        return None
    return {"code": code, "text": label(mapping, code)}


def holdings(participant: Participant, user: User, today: date) -> dict:
    """What the system holds on the participant, as `user` (the secretariat) may see it,
    with Danish words for the codes: the record, the consent, placements, follow-ups,
    progress assessments, the documents naming them, and the access log."""
    with force_locale("da"):
        placements = db.session.scalars(
            access.visible(Placement, user).where(Placement.participant_id == participant.id)
            .options(joinedload(Placement.employer), joinedload(Placement.project),
                     joinedload(Placement.next_placement))
            .order_by(Placement.start_date, Placement.id)).all()
        refs = {p.id: p.ref for p in placements}
        follow_ups = db.session.scalars(
            access.visible(FollowUp, user).join(Placement, FollowUp.placement_id == Placement.id)
            .where(Placement.participant_id == participant.id)
            .order_by(FollowUp.follow_up_date, FollowUp.months, FollowUp.id)).all()
        assessments = db.session.scalars(
            access.visible(ProgressAssessment, user)
            .where(ProgressAssessment.participant_id == participant.id)
            .order_by(ProgressAssessment.assessed_on, ProgressAssessment.id)).all()
        return {
            "made_on": today,
            "made_by": user.name,
            "secretariat": secretariat_name(),
            "participant": _record(participant),
            "consent": _consent(participant),
            "placements": [_placement(p) for p in placements],
            "follow_ups": [{
                "placement": refs.get(f.placement_id), "months": f.months,
                "status": coded(FOLLOW_UP_STATUSES, f.status), "date": f.follow_up_date,
                "note": f.note or None} for f in follow_ups],
            "progress_assessments": [{
                "date": a.assessed_on,
                "scores": [{"dimension": coded(DIMENSIONS, d), "score": s}
                           for d, s in a.scores().items() if s is not None],
                "note": a.note or None} for a in assessments],
            "documents": _documents(participant, user),
            "access_log": access_log(participant),
        }


def _record(p: Participant) -> dict:
    """The participant's record: every field the participant page shows. The subject's own
    copy holds both the reference and the pseudonym, as both are data about them."""
    group = p.benefit_group
    return {
        "ref": p.ref, "pseudonym": p.pseudonym, "name": p.name, "email": p.email,
        "phone": p.phone, "birth_year": p.birth_year, "gender": coded(GENDERS, p.gender),
        "housing_area": p.housing_area.name if p.housing_area else None,
        "municipality": p.municipality.name if p.municipality else None,
        "benefit_at_intake": {"code": group.code, "text": group.name_da} if group else None,
        "readiness": coded(READINESS, p.readiness),
        "months_unemployed_at_intake": p.months_unemployed,
        "education_level": coded(EDUCATION_LEVELS, p.education_level),
        "intake_date": p.intake_date,
    }


def _consent(p: Participant) -> dict:
    return {
        "date": p.consent_date, "scope": p.consent_scope,
        "document_on_file": p.consent_file_id is not None,
        "withdrawn_on": p.consent_withdrawn_on, "withdrawal_note": p.consent_withdrawal_note,
    }


def _placement(p: Placement) -> dict:
    return {
        "ref": p.ref, "kind": coded(PLACEMENT_KINDS, p.kind), "employer": p.employer.name,
        "building_project": {"case_number": p.project.case_number, "name": p.project.name}
        if p.project else None,
        "trade": p.trade, "start": p.start_date, "planned_end": p.planned_end,
        "end": p.end_date, "hours_per_week": p.hours_per_week,
        "outcome": coded(OUTCOMES, p.outcome),
        "led_to": p.next_placement.ref if p.next_placement else None,
    }


def _documents(participant: Participant, user: User) -> list[dict]:
    """Issued documents naming the participant: number, kind and dates, never the file."""
    named = select(DocumentParticipant.document_id).where(
        DocumentParticipant.participant_id == participant.id)
    documents = db.session.execute(
        access.visible(Document, user)
        .with_only_columns(Document.number, Document.kind, Document.as_of, Document.issued_at)
        .where(or_(Document.participant_id == participant.id, Document.id.in_(named)))
        .order_by(Document.issued_at, Document.id)).all()
    return [{"number": d.number, "kind": coded(DOCUMENT_KINDS, d.kind), "as_of": d.as_of,
             "issued_at": d.issued_at} for d in documents]


def access_log(participant: Participant) -> list[dict]:
    """Who looked at, exported or changed the participant's data, when, what and why,
    oldest first. Who, as the resident may read it: a secretariat user by name, another
    organisation's user as the organisation and the role, never the person's e-mail."""
    # The words of the access history page; imported here, as that module imports this one
    # (through the views on its blueprint).
    from tracker.participants.routes import ACTIONS, ENTITIES, FIELD_LABELS

    events = db.session.scalars(
        participant_history_query(participant.id).order_by(None)
        .order_by(AuditEvent.occurred_at, AuditEvent.id)).all()
    who = _who(events)
    rows = []
    for event in events:
        # Which fields a change touched; a creation sets them all, so it names none.
        fields = [label(FIELD_LABELS, key) for key in event.changes or {}
                  if key != "id"] if event.action == "update" else []
        rows.append({"at": event.occurred_at, "who": who(event),
                     "action": coded(ACTIONS, event.action),
                     "what": coded(ENTITIES, event.entity), "fields": fields,
                     "purpose": coded(ACCESS_PURPOSES, event.purpose)})
    return rows


def _who(events):
    """Who acted in each event, in words for the resident; one query for all the users."""
    users = {}
    ids = {e.user_id for e in events if e.user_id is not None}
    if ids:
        users = {u.id: u for u in db.session.scalars(
            select(User).where(User.id.in_(ids)).options(joinedload(User.organisation)))}

    def who(event) -> str:
        if event.user_id is None:
            return _("The system")
        user = users.get(event.user_id)
        if user is None:
            return _("A user no longer in the system")
        if user.is_secretariat or user.organisation is None:
            return user.name
        return f"{user.organisation.name} ({label(ROLES, user.role)})"

    return who


def secretariat_name() -> str:
    """The secretariat the resident deals with."""
    name = db.session.scalar(select(Organisation.name).where(Organisation.kind == "secretariat")
                             .order_by(Organisation.id).limit(1))
    return name or _("The secretariat")


def _plain(value):
    """JSON for the values `holdings` holds: ISO dates, moments in UTC, figures as numbers."""
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def as_json(held: dict) -> str:
    """The holdings as JSON text, readable (indented, Danish letters as they are)."""
    return json.dumps(held, default=_plain, ensure_ascii=False, indent=2)


def as_pdf(held: dict) -> bytes:
    """The holdings as a PDF for the resident, in plain Danish."""
    template = current_app.jinja_env.get_template(TEMPLATE)
    with force_locale("da"):
        html = template.render(**held)
    return write_pdf(html, current_app.static_folder)
