"""Server-side sessions: every sign-in is a `UserSession` row whose id the signed session
cookie carries. A cookie is only as good as its row, so signing out, signing out everywhere
and a new password end it on the server, and a copied cookie stops working with it."""
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app, session
from sqlalchemy import delete, func, or_, select, update

from tracker.audit import record_event
from tracker.extensions import db
from tracker.models import ApiToken, User, UserSession

SESSION_KEY = "sid"
# Last-seen times are written at most this often, not on every request.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment  # SQLite: naive UTC


def _write(statement) -> None:
    """Run one statement in a transaction of its own: the user loader runs before and
    outside the view's work, which must neither be committed nor wait for this."""
    with db.engine.begin() as connection:
        connection.execute(statement)


def start(user: User, now: datetime) -> str:
    """Open a session row for a sign-in and return its id; the caller commits. The user's
    ended and expired rows are removed on the way."""
    max_age = current_app.config["TRACKER_SESSION_MAX_AGE"]
    db.session.execute(delete(UserSession).where(
        UserSession.user_id == user.id,
        or_(UserSession.ended_at.is_not(None), UserSession.created_at < now - max_age))
        .execution_options(synchronize_session=False))
    ident = secrets.token_urlsafe(32)
    db.session.add(UserSession(id=ident, user_id=user.id, created_at=now, last_seen_at=now))
    return ident


def current_id() -> str | None:
    return session.get(SESSION_KEY)


def end(ident: str | None, now: datetime) -> None:
    """End one session (sign out); the caller commits."""
    if ident:
        db.session.execute(update(UserSession).where(
            UserSession.id == ident, UserSession.ended_at.is_(None)).values(ended_at=now)
            .execution_options(synchronize_session=False))


def end_everywhere(user: User, now: datetime, keep: str | None = None) -> tuple[int, int]:
    """End all the user's sessions but `keep` and revoke all their API tokens (sign out
    everywhere, a new password); audited. Returns (sessions ended, tokens revoked). The
    caller commits."""
    ended = db.session.execute(update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None),
        UserSession.id != (keep or "")).values(ended_at=now)
        .execution_options(synchronize_session=False)).rowcount
    tokens = db.session.scalars(select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()
    for token in tokens:  # one by one, so the audit trail names each token
        token.revoked_at = now
    record_event(db.session, "signed_out_all", user,
                 changes={"sessions_ended": ended, "api_tokens_revoked": len(tokens)})
    return ended, len(tokens)


def open_count(user: User, now: datetime) -> int:
    """How many of the user's sessions are still valid."""
    config = current_app.config
    return db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None),
        UserSession.created_at >= now - config["TRACKER_SESSION_MAX_AGE"],
        UserSession.last_seen_at >= now - current_app.permanent_session_lifetime))


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user of the cookie's session row while that row is
    open, not idle too long and not too old, and the user is active."""
    ident = current_id()
    if not ident or not user_id.isdigit():
        return None
    row = db.session.execute(
        select(UserSession.created_at, UserSession.last_seen_at, UserSession.ended_at, User)
        .join(User, UserSession.user_id == User.id).where(UserSession.id == ident)).first()
    if row is None or row.ended_at is not None or row.User.id != int(user_id) \
            or not row.User.active:
        return None
    now = datetime.now(UTC)
    config = current_app.config
    seen = _aware(row.last_seen_at)
    if now - _aware(row.created_at) > config["TRACKER_SESSION_MAX_AGE"] \
            or now - seen > current_app.permanent_session_lifetime:
        _write(update(UserSession.__table__).where(
            UserSession.__table__.c.id == ident,
            UserSession.__table__.c.ended_at.is_(None)).values(ended_at=now))
        return None
    if now - seen > LAST_SEEN_RESOLUTION:
        _write(update(UserSession.__table__).where(UserSession.__table__.c.id == ident)
               .values(last_seen_at=now))
    return row.User
