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

**Page parts.** The heaviest parts of a few pages (the project page's agreements, clauses,
placements and reports; the review queue; a participant's pathway, placements, follow-ups
and assessments) are kept as rendered HTML (`part`), under the same rule: read back while
no counted data changed. A part holds nothing of one user or request
(no form tokens, no messages): its key holds the scoped queries it was made from, the role,
language, time zone and as-of date. Parts may name residents, so when a resident's record
changes (a name corrected, the record anonymised or deleted) every part is dropped in the
same transaction, and no value is stored for a version that is already out of date.
"""
import hashlib
import json
import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from flask import request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import Select, and_, delete, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.util import LRUCache

from tracker import i18n
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


def value(key: str, as_of: date, compute: Callable[[], Any],
          keep: Callable[[Any], bool] | None = None) -> Any:
    """The stored value of `key` as of `as_of` while it is current, else `compute()` (a
    JSON-able value), stored for the next reader unless `keep` says no. One statement when
    it is current."""
    row = db.session.connection().execute(
        select(VERSION.c.version, STORED.c.data_version, STORED.c.value)
        .select_from(VERSION.outerjoin(STORED, and_(STORED.c.key == key,
                                                    STORED.c.as_of == as_of)))
        .where(VERSION.c.id == 1)).one_or_none()
    version = row.version if row is not None else None
    if row is not None and row.data_version == version:
        return json.loads(row.value)
    result = compute()
    if version is not None and (keep is None or keep(result)):
        _store(key, as_of, version, json.dumps(result, separators=(",", ":")))
    return result


PART = "part"  # the kind (key prefix) of stored page parts
_FORM_TOKEN = 'name="csrf_token"'


def part(name: str, as_of: date, render: Callable[[], str],
         *scope: Select | str | int | None) -> Markup:
    """A rendered part of a page, `render()` (HTML), stored as a value: `scope` holds the
    scoped queries and whatever else the part shows differently (flags, the as-of date
    asked for); the signed-in user's role, the language, time zone and the application's
    address are added here. A part holding a form token is never stored (it belongs to one
    user's session): such a form stays outside the part."""
    key = scope_key(PART, name, getattr(current_user, "role", None), str(i18n.locale()),
                    str(i18n.timezone()), request.script_root, *scope)

    def keep(html: str) -> bool:
        if _FORM_TOKEN in html:
            log.error("Page part %s holds a form token; not stored", name)
            return False
        return True

    return Markup(value(key, as_of, lambda: str(render()), keep))


def forget_parts(session: Session) -> None:
    """Drop every stored page part, in the session's transaction (a resident's record
    changed: no copy of what it said may stay behind)."""
    session.connection().execute(delete(STORED).where(STORED.c.key.startswith(PART + ":")))


def _store(key: str, as_of: date, version: int, text: str) -> None:
    """Keep a computed value, in a transaction of its own (the request's own may be a read
    that is never committed); not when this transaction changed counted data (the value
    would describe uncommitted rows), nor when the data changed since `version` was read
    (nobody would read it, and a part may name a resident whose record changed meanwhile).
    A failure only costs the next reader time."""
    if db.session.info.get(CHANGED):
        return
    now = utcnow()
    engine = db.engine
    values = {"key": key, "as_of": as_of, "data_version": version, "value": text,
              "computed_at": now}
    row = select(*(literal(v, STORED.c[name].type) for name, v in values.items()))
    statement = upsert_insert(engine.dialect.name)(STORED).from_select(
        list(values), row.where(VERSION.c.id == 1, VERSION.c.version == version))
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


def current_version(connection) -> int | None:
    """The data version as this connection reads it (None before the first change)."""
    return connection.execute(select(VERSION.c.version).where(VERSION.c.id == 1)).scalar()


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
