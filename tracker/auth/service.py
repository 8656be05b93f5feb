"""Sign-in rules: password check, per-account throttling in the database."""
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from tracker.auth.passwords import hash_password, needs_rehash, verify_password
from tracker.extensions import db
from tracker.models import User

WINDOW = timedelta(minutes=1)


def find_user(email: str) -> User | None:
    return db.session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).first()


def _as_aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite returns naive UTC
        return moment.replace(tzinfo=UTC)
    return moment


def throttled(user: User | None, now: datetime) -> bool:
    """True while the account has used up its failed attempts of the current minute."""
    if user is None or user.failed_login_window_start is None:
        return False
    limit = current_app.config["TRACKER_LOGIN_FAILURES_PER_MINUTE"]
    in_window = now - _as_aware(user.failed_login_window_start) < WINDOW
    return in_window and user.failed_logins >= limit


def register_failure(user: User | None, now: datetime) -> None:
    """Count a failed attempt against the account (kept in the database, shared by processes)."""
    if user is None:
        return
    start = _as_aware(user.failed_login_window_start)
    if start is None or now - start >= WINDOW:
        user.failed_login_window_start = now
        user.failed_logins = 1
    else:
        user.failed_logins += 1


def authenticate(email: str, password: str) -> tuple[User | None, str]:
    """Check a sign-in. Returns (user, '') on success, else (None, reason code).

    Reason codes: 'throttled', 'invalid', 'inactive'. The caller commits.
    """
    now = datetime.now(UTC)
    user = find_user(email)
    if throttled(user, now):
        return None, "throttled"
    if not verify_password(user.password_hash if user else None, password):
        register_failure(user, now)
        return None, "invalid"
    if not user.active:
        return None, "inactive"
    user.failed_logins = 0
    user.failed_login_window_start = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user, ""
