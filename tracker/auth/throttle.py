"""Sign-in throttling kept in the database, so that it holds across app processes and
machines: failed attempts are counted per address and per typed e-mail (known or not, so
the answer never tells whether an account exists). Past the free failures each further
attempt must wait, twice as long after every failure, up to a longest wait; a correct
password after the wait signs in, so the owner is slowed, never locked out for good.

Every count is a single atomic statement (an upsert), never a read-modify-write of a
loaded row, so simultaneous attempts are all counted. Functions take `now` so tests can fix
the clock."""
import math
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from tracker.extensions import db
from tracker.models import SignInThrottle

Key = tuple[str, str]
LIMIT_SETTINGS = {"address": "TRACKER_SIGN_IN_FAILURES_PER_ADDRESS",
                  "account": "TRACKER_SIGN_IN_FAILURES_PER_ACCOUNT"}


def account_key(email: str) -> Key:
    return ("account", email.strip().lower())


def keys_for(address: str | None, email: str) -> list[Key]:
    """The counters one sign-in attempt is checked and counted against, always in the same
    order (address first), so simultaneous attempts lock rows in one order."""
    keys = [account_key(email)]
    if address:
        keys.insert(0, ("address", address))
    return keys


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite returns naive UTC
        return moment.replace(tzinfo=UTC)
    return moment


def _seconds(setting: str) -> timedelta:
    return timedelta(seconds=current_app.config[setting])


def delay_after(failures: int, free: int) -> timedelta | None:
    """The wait before the next attempt after `failures` failures, when `free` are free:
    the first delay at the free-th failure, doubled for each further one, at most the
    longest."""
    if failures < free:
        return None
    longest = _seconds("TRACKER_SIGN_IN_LONGEST_DELAY")
    doublings = min(failures - free, 32)  # beyond this the longest wait applies anyway
    return min(_seconds("TRACKER_SIGN_IN_FIRST_DELAY") * 2 ** doublings, longest)


def _matching(keys: list[Key]):
    return or_(*((SignInThrottle.kind == kind) & (SignInThrottle.key == key)
                 for kind, key in keys))


def wait_seconds(keys: list[Key], now: datetime) -> int:
    """Whole seconds until the keys allow another attempt; 0 when they allow it now."""
    latest = db.session.scalar(select(SignInThrottle.not_before).where(
        _matching(keys), SignInThrottle.not_before > now).order_by(
        SignInThrottle.not_before.desc()).limit(1))
    if latest is None:
        return 0
    return max(1, math.ceil((_aware(latest) - now).total_seconds()))


def _upsert(dialect: str):
    return (postgresql if dialect == "postgresql" else sqlite).insert(SignInThrottle)


def register_failure(keys: list[Key], now: datetime) -> int:
    """Count a failed attempt against every key; returns the seconds the next attempt must
    wait (0 when none). Does not commit."""
    forget_before = now - _seconds("TRACKER_SIGN_IN_FORGET_AFTER")
    forgotten = SignInThrottle.last_failure_at < forget_before
    wait = timedelta(0)
    for kind, key in keys:
        insert = _upsert(db.session.get_bind().dialect.name)
        statement = insert.values(kind=kind, key=key, failures=1, first_failure_at=now,
                                  last_failure_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=["kind", "key"],
            set_={"failures": case((forgotten, 1), else_=SignInThrottle.failures + 1),
                  "first_failure_at": case((forgotten, now),
                                           else_=SignInThrottle.first_failure_at),
                  "last_failure_at": now},
        ).returning(SignInThrottle.id, SignInThrottle.failures)
        ident, failures = db.session.execute(statement).one()
        delay = delay_after(failures, current_app.config[LIMIT_SETTINGS[kind]])
        if delay is None:
            continue
        until = now + delay
        # Only ever later: a simultaneous failure may already have set a longer wait.
        db.session.execute(
            update(SignInThrottle).where(SignInThrottle.id == ident, or_(
                SignInThrottle.not_before.is_(None), SignInThrottle.not_before < until))
            .values(not_before=until).execution_options(synchronize_session=False))
        wait = max(wait, delay)
    return math.ceil(wait.total_seconds())


def clear(key: Key) -> None:
    """Forget a key's failures (a successful sign-in to the account, an administrator)."""
    kind, value = key
    db.session.execute(delete(SignInThrottle).where(
        SignInThrottle.kind == kind, SignInThrottle.key == value)
        .execution_options(synchronize_session=False))


def prune(now: datetime) -> None:
    """Delete counters whose failures are forgotten and whose wait is over, in a transaction
    of its own that skips rows others hold, so it never waits for a sign-in."""
    forget_before = now - _seconds("TRACKER_SIGN_IN_FORGET_AFTER")
    table = SignInThrottle.__table__
    stale = (select(table.c.id).where(
        table.c.last_failure_at < forget_before,
        or_(table.c.not_before.is_(None), table.c.not_before < now))
        .with_for_update(skip_locked=True))
    with db.engine.begin() as connection:
        connection.execute(delete(table).where(table.c.id.in_(stale)))


def current(now: datetime):
    """The counters that still matter (not yet forgotten, or still delaying), those
    delaying first, for the administrators' page."""
    forget_before = now - _seconds("TRACKER_SIGN_IN_FORGET_AFTER")
    delaying = SignInThrottle.not_before > now
    return (select(SignInThrottle)
            .where(or_(SignInThrottle.last_failure_at >= forget_before, delaying))
            .order_by(case((delaying, 0), else_=1), SignInThrottle.last_failure_at.desc(),
                      SignInThrottle.id))
