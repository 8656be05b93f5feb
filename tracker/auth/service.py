"""Sign-in: the password check against the throttle, with every outcome written by single
statements that cannot conflict, so simultaneous sign-ins of one account all get an answer.

The user row is never saved through the versioned ORM: a sign-in stamps the last sign-in
time (and a rehashed password) with a plain UPDATE, which leaves the version column alone,
so an administrator's edit of the user and the user's sign-ins never collide."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from tracker.audit import record_event
from tracker.auth import throttle
from tracker.auth.passwords import hash_password, needs_rehash, verify_password
from tracker.extensions import db
from tracker.models import User


def find_user(email: str) -> User | None:
    return db.session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())
    ).first()


@dataclass
class SignIn:
    """The outcome of an attempt: the user when it succeeded, and the seconds the next
    attempt with this address or e-mail must wait (0 when it need not)."""

    user: User | None
    wait: int = 0


def sign_in(email: str, password: str, address: str | None, now: datetime) -> SignIn:
    """Check one sign-in attempt, count it when it fails, audit it either way. The caller
    commits. A known and an unknown e-mail are answered alike, and take the same time."""
    keys = throttle.keys_for(address, email)
    user = find_user(email)
    wait = throttle.wait_seconds(keys, now)
    if wait:
        # Refused unchecked: the password is not tried, so the attempt is not counted.
        record_event(db.session, "login_throttled", user)
        return SignIn(None, wait)
    correct = verify_password(user.password_hash if user else None, password)
    if not correct or not user.active:
        wait = throttle.register_failure(keys, now)
        record_event(db.session, "login_failed", user)
        return SignIn(None, wait)
    throttle.clear(throttle.account_key(email))
    db.session.execute(update(User).where(User.id == user.id).values(last_login_at=now))
    if needs_rehash(user.password_hash):
        # Only if nobody changed the password meanwhile.
        db.session.execute(update(User).where(
            User.id == user.id, User.password_hash == user.password_hash)
            .values(password_hash=hash_password(password)))
    record_event(db.session, "login", user)
    return SignIn(user)
