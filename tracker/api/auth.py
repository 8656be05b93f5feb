"""Bearer tokens: `Authorization: Bearer <token>`, stored as SHA-256, revocable."""
import hashlib
from datetime import UTC, datetime, timedelta

from flask import g, request
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import ApiToken, User

# Last-use times are written at most this often, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_from_token() -> User | None:
    """The active user whose unrevoked token the request carries, else None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    row = db.session.execute(
        select(ApiToken, User).join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_hash(token.strip()), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None or not row.User.active:
        return None
    now = datetime.now(UTC)
    last = row.ApiToken.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    if last is None or now - last > LAST_USED_RESOLUTION:
        row.ApiToken.last_used_at = now
        db.session.commit()
    g.api_user = row.User
    return row.User
