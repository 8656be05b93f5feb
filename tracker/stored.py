"""Stored aggregates: the counts a dashboard or work list shows over a whole deployment
(outstanding contractor reports, due follow-ups, placements per month, the clause
overview), computed once per scope and as-of date and read back until any data they count
changes.

Every change to counted data raises the one-row `data_version` in the same transaction
(the session hooks in tracker.figures, and `data_changed` for writes that bypass the
session). A stored value counts only while the version it was computed at is current. The
version is read before the value is computed, so a value computed while a change commits is
stored under the old version and never read again; the row is locked from the change's
flush until its commit, so writers of counted data take turns on it (they already do on
the projects they change). Nothing is kept in process memory.

The per-clause figures are kept per project instead (tracker.figures): they cost most to
compute, and a change to one project leaves the others' figures current.
"""
import hashlib
import json
import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.util import LRUCache

from tracker.extensions import db
from tracker.models import DataVersion, StoredFigures, StoredValue
from tracker.models.base import utcnow

log = logging.getLogger(__name__)

VERSION = DataVersion.__table__
STORED = StoredValue.__table__
KEEP_FOR = timedelta(days=2)  # stored values and figures are dropped once this old
CHANGED = "figures_changed"  # session.info key (shared with tracker.figures)
# Part of every key: raise it when what a stored value holds or how it is computed changes,
# so values of the previous code are not read after an upgrade.
FORMAT = 2


def upsert_insert(dialect_name: str):
    """The INSERT construct of the dialect, with ON CONFLICT DO UPDATE (PostgreSQL, SQLite)."""
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert


# The SQL text of each query shape a key was made from, by SQLAlchemy's cache key (as its own
# cache of compiled statements): writing a scope query out took 1–2 ms on every dashboard
# view. The text of a shape, never any data.
_SQL_TEXT = LRUCache(500)


def _query_text(query: Select) -> str:
    """A query as its SQL and its parameters' values: the same text for the same rows."""
    key = query._generate_cache_key()
    if key is None:  # a construct SQLAlchemy does not cache: written out with its values
        return str(query.compile(dialect=db.engine.dialect,
                                 compile_kwargs={"literal_binds": True}))
    sql = _SQL_TEXT.get(key.key)
    if sql is None:
        sql = _SQL_TEXT[key.key] = str(query.compile(dialect=db.engine.dialect))
    return repr((sql, tuple(bind.effective_value for bind in key.bindparams)))


def scope_key(name: str, *parts: Select | str | int | None) -> str:
    """A key for a value of kind `name` over a scope: the scoped queries' SQL and their
    parameters (so two users with the same scope share one value), hashed."""
    text = [str(FORMAT)]
    for part in parts:
        if isinstance(part, Select):
            part = _query_text(part)
        text.append(repr(part))
    digest = hashlib.sha256("\x1f".join(text).encode()).hexdigest()[:40]
    return f"{name}:{digest}"[:100]


def value(key: str, as_of: date, compute: Callable[[], Any]) -> Any:
    """The stored value of `key` as of `as_of` while it is current, else `compute()` (a
    JSON-able value), stored for the next reader. One statement when it is current."""
    row = db.session.connection().execute(
        select(VERSION.c.version, STORED.c.data_version, STORED.c.value)
        .select_from(VERSION.outerjoin(STORED, and_(STORED.c.key == key,
                                                    STORED.c.as_of == as_of)))
        .where(VERSION.c.id == 1)).one_or_none()
    version = row.version if row is not None else None
    if row is not None and row.data_version == version:
        return json.loads(row.value)
    result = compute()
    if version is not None:
        _store(key, as_of, version, json.dumps(result, separators=(",", ":")))
    return result


def _store(key: str, as_of: date, version: int, text: str) -> None:
    """Keep a computed value, in a transaction of its own (the request's own may be a read
    that is never committed); not when this transaction changed counted data (the value
    would describe uncommitted rows). A failure only costs the next reader time."""
    if db.session.info.get(CHANGED):
        return
    now = utcnow()
    engine = db.engine
    statement = upsert_insert(engine.dialect.name)(STORED).values(key=key, as_of=as_of, data_version=version, value=text,
                                      computed_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[STORED.c.key, STORED.c.as_of],
        set_={"data_version": version, "value": text, "computed_at": now},
        # A slower reader never replaces what a reader of a newer version stored.
        where=STORED.c.data_version <= version)
    try:
        with engine.begin() as conn:
            conn.execute(statement)
    except SQLAlchemyError:
        log.warning("Could not store %s as of %s", key, as_of, exc_info=True)


def raise_version(session: Session) -> None:
    """Every stored value is out of date from this transaction's commit on."""
    statement = upsert_insert(session.get_bind().dialect.name)(VERSION).values(id=1, version=1)
    statement = statement.on_conflict_do_update(
        index_elements=[VERSION.c.id], set_={"version": VERSION.c.version + 1})
    session.connection().execute(statement)
    session.info[CHANGED] = True


def drop_old(session: Session) -> None:
    """Drop the stored values and clause figures computed more than KEEP_FOR ago (on each
    sign-in and by `flask store-figures`, not on the pages: a page's statements stay few)."""
    before = utcnow() - KEEP_FOR
    for table in (STORED, StoredFigures.__table__):
        session.connection().execute(delete(table).where(table.c.computed_at < before))
