"""The audit trail, written from one place: a session hook plus explicit view/export records."""
from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import event, inspect, insert
from sqlalchemy.orm import Session

from tracker.models import AuditEvent, Participant
from tracker.models.base import utcnow

# Never copied into the trail: secrets, file bytes and bookkeeping columns.
UNAUDITED_COLUMNS = {"password_hash", "token_hash", "content", "attachment", "updated_at",
                     "created_at", "version", "failed_logins", "failed_login_window_start",
                     "last_login_at"}
UNAUDITED_MODELS = {AuditEvent}
CLI_ACTOR = "cli"


def current_actor() -> tuple[int | None, str]:
    """Who is acting: the signed-in user, an API token's user, or the command line."""
    user = None
    if has_request_context():
        user = g.get("api_user") or (current_user if current_user.is_authenticated else None)
    if user is not None:
        return user.id, user.email
    return None, CLI_ACTOR


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


def _changes(obj, action: str) -> dict:
    state = inspect(obj)
    changed = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in UNAUDITED_COLUMNS:
            continue
        if action == "update":
            hist = state.attrs[key].history
            if not hist.has_changes():
                continue
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old == new:
                continue
            changed[key] = [_plain(old), _plain(new)]
        elif action == "create":
            changed[key] = _plain(getattr(obj, key))
    return changed


def _rows_for_flush(session: Session) -> list[dict]:
    user_id, actor = current_actor()
    now = utcnow()
    rows = []
    for action, objects in (("create", session.new), ("update", session.dirty),
                            ("delete", session.deleted)):
        for obj in objects:
            if type(obj) in UNAUDITED_MODELS:
                continue
            changes = _changes(obj, action) if action != "delete" else None
            if action == "update" and not changes:
                continue
            rows.append({
                "occurred_at": now, "user_id": user_id, "actor": actor, "action": action,
                "entity": obj.__tablename__, "entity_id": getattr(obj, "id", None),
                "participant_id": _participant_of(obj), "changes": changes,
            })
    return rows


def _audit_after_flush(session, _context) -> None:
    if session.info.get("audit_disabled"):
        return
    rows = _rows_for_flush(session)
    if rows:
        session.connection().execute(insert(AuditEvent), rows)


def install() -> None:
    """Write an AuditEvent for every insert, update and delete any session flushes."""
    if not event.contains(Session, "after_flush", _audit_after_flush):
        event.listen(Session, "after_flush", _audit_after_flush)


def record_access(session: Session, action: str, obj, purpose: str | None = None) -> None:
    """Record a view or export of personal data (who, which participant, why)."""
    user_id, actor = current_actor()
    session.execute(insert(AuditEvent), [{
        "occurred_at": utcnow(), "user_id": user_id, "actor": actor, "action": action,
        "entity": obj.__tablename__, "entity_id": obj.id,
        "participant_id": _participant_of(obj), "changes": None, "purpose": purpose,
    }])


def record_event(session: Session, action: str, user) -> None:
    """Record a sign-in event (login, logout, failed login) for a user."""
    session.execute(insert(AuditEvent), [{
        "occurred_at": utcnow(), "user_id": getattr(user, "id", None),
        "actor": getattr(user, "email", "?"), "action": action, "entity": "users",
        "entity_id": getattr(user, "id", None), "participant_id": None, "changes": None,
    }])
