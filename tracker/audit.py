"""The audit trail, written from one place: a session hook plus explicit view/export records.

The trail is append-only in the database (migration 0019): only inside `maintenance` may
its copied field values be anonymised or its rows be deleted."""
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import Select, delete, event, insert, inspect, select, union
from sqlalchemy.orm import Session

from tracker.models import (
    AuditEvent,
    AuditEventParticipant,
    DocumentJob,
    ImportJob,
    MaintenanceMode,
    Participant,
    UserSession,
)
from tracker.models.base import utcnow
from tracker.models.codes import ACCESS_PURPOSES

# Never copied into the trail: secrets, file bytes and bookkeeping columns.
UNAUDITED_COLUMNS = {"password_hash", "token_hash", "content", "attachment", "updated_at",
                     "created_at", "version", "last_login_at", "last_used_at",
                     "first_name_key"}  # follows the name, which is audited
# Jobs: progress bookkeeping. Sessions: their ids are secrets; sign-ins and sign-outs are
# recorded as events instead. The trail and its unlock: not about themselves.
UNAUDITED_MODELS = {AuditEvent, AuditEventParticipant, DocumentJob, ImportJob, MaintenanceMode,
                    UserSession}
CLI_ACTOR = "cli"
DEFAULT_PURPOSE = "casework"


def current_actor() -> tuple[int | None, str]:
    """Who is acting: the signed-in user, an API token's user, or the command line."""
    user = None
    if has_request_context():
        user = g.get("api_user") or (current_user if current_user.is_authenticated else None)
    if user is not None:
        return user.id, user.email
    return None, CLI_ACTOR


def chosen_purpose(default: str = DEFAULT_PURPOSE) -> str:
    """The purpose of access the page was asked with (?purpose=), else `default`."""
    purpose = request.args.get("purpose", "")
    return purpose if purpose in ACCESS_PURPOSES else default


def _plain(value):
    """A JSON-safe form of a column value."""
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    return str(value)


def _participant_of(obj) -> int | None:
    if isinstance(obj, Participant):
        return obj.id
    pid = getattr(obj, "participant_id", None)
    if pid is None and hasattr(obj, "placement_id") and getattr(obj, "placement", None):
        pid = obj.placement.participant_id
    return pid


def _stored_values(session: Session, obj, keys: list[str]) -> dict:
    """The row as stored, for attributes whose old value was expired (e.g. after a commit)."""
    mapper = inspect(obj).mapper
    columns = [mapper.columns[key] for key in keys]
    pk = mapper.primary_key[0]
    row = session.connection().execute(
        select(*columns).where(pk == inspect(obj).identity[0])).first()
    return dict(zip(keys, row)) if row else {}


def _update_changes(session: Session, obj) -> dict:
    state = inspect(obj)
    changed, unknown_old = {}, []
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in UNAUDITED_COLUMNS:
            continue
        hist = state.attrs[key].history
        if not hist.added:
            continue
        if hist.deleted:
            changed[key] = [hist.deleted[0], hist.added[0]]
        elif not hist.unchanged:
            unknown_old.append(key)
            changed[key] = [None, hist.added[0]]
    if unknown_old and state.identity:
        for key, old in _stored_values(session, obj, unknown_old).items():
            changed[key][0] = old
    return {k: [_plain(old), _plain(new)] for k, (old, new) in changed.items() if old != new}


def _create_changes(obj) -> dict:
    state = inspect(obj)
    return {attr.key: _plain(getattr(obj, attr.key)) for attr in state.mapper.column_attrs
            if attr.key not in UNAUDITED_COLUMNS}


def _row(action: str, obj, changes) -> dict:
    user_id, actor = current_actor()
    return {
        "occurred_at": utcnow(), "user_id": user_id, "actor": actor, "action": action,
        "entity": obj.__tablename__, "entity_id": getattr(obj, "id", None),
        "participant_id": _participant_of(obj), "changes": changes,
    }


def _audit_before_flush(session: Session, _context, _instances) -> None:
    """Updates and deletes are described before the flush, while old values are known."""
    if session.info.get("audit_disabled"):
        return
    pending = session.info.setdefault("audit_pending", [])
    for obj in session.dirty:
        if type(obj) in UNAUDITED_MODELS or not session.is_modified(obj):
            continue
        changes = _update_changes(session, obj)
        if changes:
            pending.append(_row("update", obj, changes))
    for obj in session.deleted:
        if type(obj) not in UNAUDITED_MODELS:
            pending.append(_row("delete", obj, None))


def _audit_after_flush(session: Session, _context) -> None:
    """Inserts are described after the flush, when they have their ids; then all is written."""
    rows = session.info.pop("audit_pending", [])
    if not session.info.get("audit_disabled"):
        rows += [_row("create", obj, _create_changes(obj))
                 for obj in session.new if type(obj) not in UNAUDITED_MODELS]
    if rows:
        session.connection().execute(insert(AuditEvent), rows)


def install() -> None:
    """Write an AuditEvent for every insert, update and delete any session flushes."""
    for name, listener in (("before_flush", _audit_before_flush),
                           ("after_flush", _audit_after_flush)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def record_access(session: Session, action: str, obj, purpose: str | None = None) -> None:
    """Record a view or export of personal data (who, which participant, why)."""
    user_id, actor = current_actor()
    session.execute(insert(AuditEvent), [{
        "occurred_at": utcnow(), "user_id": user_id, "actor": actor, "action": action,
        "entity": obj.__tablename__, "entity_id": obj.id,
        "participant_id": _participant_of(obj), "changes": None, "purpose": purpose,
    }])


def record_shown(session: Session, entity: str, participant_ids: Iterable[int | None],
                 purpose: str | None, entity_id: int | None = None) -> int:
    """Record one view of a page showing several participants (a list, a search, an API
    page, an evidence file): one 'view' event, naming each participant shown in
    audit_event_participants so that each resident's history finds it. Returns its id."""
    user_id, actor = current_actor()
    event_id = session.execute(insert(AuditEvent).returning(AuditEvent.id), {
        "occurred_at": utcnow(), "user_id": user_id, "actor": actor, "action": "view",
        "entity": entity, "entity_id": entity_id, "participant_id": None, "changes": None,
        "purpose": purpose,
    }).scalar_one()
    shown = [{"event_id": event_id, "participant_id": pid}
             for pid in dict.fromkeys(participant_ids) if pid is not None]
    if shown:
        session.execute(insert(AuditEventParticipant), shown)
    return event_id


def record_list_view(session: Session, entity: str, participant_ids: Iterable[int | None],
                     purpose: str | None, entity_id: int | None = None) -> int | None:
    """`record_shown` for a list page; a page that showed nobody records nothing."""
    ids = [pid for pid in participant_ids if pid is not None]
    return record_shown(session, entity, ids, purpose, entity_id) if ids else None


@contextmanager
def maintenance(session: Session, reason: str) -> Iterator[None]:
    """Inside this block, in the session's transaction only, the database lets the audit
    trail's copied field values (`changes`) be anonymised (reason 'anonymise', the retention
    job) or its rows be deleted; who, when, what and why stay as written. The caller
    commits afterwards; other transactions never see the unlock. An error inside rolls the
    session back."""
    session.execute(insert(MaintenanceMode).values(id=1, reason=reason))
    try:
        yield
    except BaseException:
        # The unlock must not outlive the block, and a failed statement has spoilt the
        # transaction on PostgreSQL anyway: all of it is undone.
        session.rollback()
        raise
    session.execute(delete(MaintenanceMode))


def record_event(session: Session, action: str, user, changes: dict | None = None) -> None:
    """Record an account event (sign-in, sign-out, sessions ended, throttle cleared) about a
    user, or about no known user (None). The actor is whoever is signed in or the command
    line; during a sign-in, nobody yet, it is the user signing in."""
    user_id, actor = current_actor()
    if user_id is None and has_request_context():
        user_id, actor = getattr(user, "id", None), getattr(user, "email", "?")
    session.execute(insert(AuditEvent), [{
        "occurred_at": utcnow(), "user_id": user_id, "actor": actor, "action": action,
        "entity": "users", "entity_id": getattr(user, "id", None), "participant_id": None,
        "changes": changes,
    }])


def history(session: Session, entity: str, entity_id: int, limit: int = 50) -> list[AuditEvent]:
    """The newest audit events of one record (e.g. 'projects', 7), newest first."""
    return session.scalars(
        select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)).all()


def participant_history_query(participant_id: int) -> Select:
    """Who viewed, exported or changed anything of one participant, newest first: the
    events about the participant and those of pages that showed the participant among
    others. A union of two index reads, not an OR that would scan the whole trail."""
    events = union(
        select(AuditEvent.id).where(AuditEvent.participant_id == participant_id),
        select(AuditEventParticipant.event_id)
        .where(AuditEventParticipant.participant_id == participant_id))
    return (select(AuditEvent).where(AuditEvent.id.in_(events))
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()))


def participant_history(session: Session, participant_id: int, limit: int) -> list[AuditEvent]:
    """The newest `limit` events of `participant_history_query`."""
    return session.scalars(participant_history_query(participant_id).limit(limit)).all()
