"""Bearer tokens: `Authorization: Bearer <token>`, stored as SHA-256, with an expiry chosen
at issue, revocable, and revoked with the user's sessions (sign out everywhere, a new
password)."""
import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import g, request
from sqlalchemy import select, update

from tracker.extensions import db
from tracker.models import ApiToken, User

# Last-use times are written at most this often, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)
# How long a new token lives, in days: the choices offered, and the default.
TOKEN_DAYS = (30, 90, 180, 365)
DEFAULT_TOKEN_DAYS = 90


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, days: int = DEFAULT_TOKEN_DAYS, name: str = "",
                now: datetime | None = None) -> str:
    """Make an API token for the user that expires after `days`; only its SHA-256 is stored,
    the token is returned to be shown once. The caller commits."""
    if days not in TOKEN_DAYS:
        raise ValueError(f"a token lives {', '.join(map(str, TOKEN_DAYS))} days, not {days}")
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, name=name, token_hash=token_hash(token), created_at=now,
                            expires_at=now + timedelta(days=days)))
    return token


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite returns naive UTC
        return moment.replace(tzinfo=UTC)
    return moment


def user_from_token() -> User | None:
    """The active user whose unrevoked, unexpired token the request carries, else None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    now = datetime.now(UTC)
    row = db.session.execute(
        select(ApiToken.id, ApiToken.last_used_at, User).join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_hash(token.strip()), ApiToken.revoked_at.is_(None),
               ApiToken.expires_at > now)
    ).first()
    if row is None or not row.User.active:
        return None
    last = _aware(row.last_used_at)
    if last is None or now - last > LAST_USED_RESOLUTION:
        db.session.execute(update(ApiToken).where(ApiToken.id == row.id)
                           .values(last_used_at=now)
                           .execution_options(synchronize_session=False))
        db.session.commit()
    g.api_user = row.User
    return row.User
