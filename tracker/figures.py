"""Stored clause figures: each clause's fulfilment as of a date, computed by
tracker.counting and kept in the `clause_figures` table.

The one rule: every change to what a project's clauses count (the project and its
contractors, its agreements and clauses, placements on it, contractor reports) raises the
project's `figures_version` in the same transaction, from the session hook below; a stored
row is current only while its project still has the version the row was computed at.
Writes that bypass the session (the workbook import) call `data_changed()`.

The staff dashboard and the annual report need the figures of every clause of a national
deployment, which take longer to compute than a page may; a change to one project leaves
the other projects' figures current.
"""
import logging
from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Select, and_, delete, event, inspect, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tracker.counting import ClauseFigures
from tracker.counting import clause_figures as compute
from tracker.extensions import db
from tracker.models import (
    Agreement,
    Clause,
    ClauseReporter,
    ContractorReport,
    Placement,
    Project,
    ProjectContractor,
    StoredFigures,
)
from tracker.models.base import utcnow

log = logging.getLogger(__name__)

STORED = StoredFigures.__table__
# Rows of other days are dropped this long after they were computed, when the same clauses'
# figures are stored again (a deployment views mostly today's figures).
KEEP_FOR = timedelta(days=2)
WROTE = "wrote"  # session.info key: this transaction wrote to the database
KEYS = "figures_keys"  # session.info key: what leads to the projects a flush changes
CHANGED = "changed_projects"  # session.info key: the projects this transaction changed
ALL = "all"  # ... every project (a write that bypassed the session)
# session.info key: this transaction wrote past the session (tracker.participants.pending)
EVERYTHING = "changed_everything"


class Stored(NamedTuple):
    """A clause's stored figures as `lookup` reads them (the numbers as text), with its
    project and that project's current figures version."""

    clause_id: int
    current_project: int
    current_version: int
    target: str | None
    registered: str | None
    reported: str | None
    percent: str | None
    status: str | None  # None: no current stored row
    discrepancy: bool | None
    period_start: date | None
    period_end: date | None


def clause_figures(clauses: Select | Iterable[int], as_of: date) -> dict[int, ClauseFigures]:
    """The figures of the given clauses (a Select of Clause rows or ids, or a list of ids) as
    of `as_of`, by clause id: read where a current row is stored, else computed and stored."""
    return {clause_id: full(value) for clause_id, value in lookup(clauses, as_of).items()}


def lookup(clauses: Select | Iterable[int], as_of: date) -> dict:
    """As `clause_figures`, but a stored row is given as it is read (the numbers as text):
    a page counting thousands of clauses makes ClauseFigures (`full`) only of those it
    shows."""
    if isinstance(clauses, Select):
        ids = clauses.order_by(None).with_only_columns(Clause.id, maintain_column_froms=True)
    else:
        ids = list(clauses)
        if not ids:
            return {}
    # Plain rows from the connection (thousands of them, no ORM objects wanted), after the
    # session's pending changes, as a query through the session would read them; made named
    # tuples, since a Row's attribute access is slow enough to matter on thousands.
    db.session.flush()
    rows = map(Stored._make, db.session.connection().execute(
        select(Clause.id, Agreement.project_id, Project.figures_version, STORED.c.target,
               STORED.c.registered, STORED.c.reported, STORED.c.percent, STORED.c.status,
               STORED.c.discrepancy, STORED.c.period_start, STORED.c.period_end)
        .join(Agreement, Clause.agreement_id == Agreement.id)
        .join(Project, Agreement.project_id == Project.id)
        .outerjoin(STORED, and_(STORED.c.clause_id == Clause.id, STORED.c.as_of == as_of,
                                STORED.c.project_id == Agreement.project_id,
                                STORED.c.project_version == Project.figures_version))
        .where(Clause.id.in_(ids))).all())
    result, missing = {}, {}
    for row in rows:
        if row.status is None:  # no current stored row
            missing[row.clause_id] = (row.current_project, row.current_version)
        else:
            result[row.clause_id] = row
    if missing:
        computed = compute(list(missing), as_of)
        result.update(computed)
        _store(computed, missing, as_of)
    return result


def full(value) -> ClauseFigures:
    """A value of `lookup` as ClauseFigures."""
    if isinstance(value, ClauseFigures):
        return value

    def number(text: str | None) -> Decimal | None:
        return None if text is None else Decimal(text)

    return ClauseFigures(
        clause_id=value.clause_id, target=Decimal(value.target),
        registered=number(value.registered), reported=number(value.reported),
        percent=number(value.percent), status=value.status,
        discrepancy=bool(value.discrepancy), period_start=value.period_start,
        period_end=value.period_end)


def status_counts(clauses: Select, as_of: date) -> Counter:
    """How many of the clauses of a Select have each status as of `as_of`."""
    return Counter(value.status for value in lookup(clauses, as_of).values())


def _store(computed: dict[int, ClauseFigures], versions: dict[int, tuple[int, int]],
           as_of: date) -> None:
    """Keep freshly computed figures at the project versions read with them, in a transaction
    of their own (the request's own is a read that is never committed). Not when this
    transaction wrote anything: the figures could describe uncommitted rows, and SQLite
    would keep the other transaction waiting for its lock. Two readers storing the same
    figures at once make one fail, which costs only a recompute."""
    if db.session.info.get(WROTE) or not computed:
        return
    now = utcnow()
    rows = [{"clause_id": f.clause_id, "as_of": as_of, "project_id": versions[f.clause_id][0],
             "project_version": versions[f.clause_id][1], "target": str(f.target),
             "registered": _text(f.registered), "reported": _text(f.reported),
             "percent": _text(f.percent), "status": f.status, "discrepancy": f.discrepancy,
             "period_start": f.period_start, "period_end": f.period_end, "computed_at": now}
            for f in computed.values()]
    try:
        with db.engine.begin() as conn:
            conn.execute(delete(STORED).where(
                STORED.c.clause_id.in_(list(computed)),
                or_(STORED.c.as_of == as_of, STORED.c.computed_at < now - KEEP_FOR)))
            conn.execute(STORED.insert(), rows)
    except SQLAlchemyError:
        log.warning("Could not store clause figures as of %s", as_of, exc_info=True)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --- the one rule: a change raises its projects' figures version ---------------------------

def data_changed(session: Session, project_ids: Iterable[int] | None = None) -> None:
    """Raise the figures version of the given projects (of every project when None), in the
    session's transaction: their stored figures are no longer current."""
    statement = update(Project.__table__).values(
        figures_version=Project.figures_version + 1, updated_at=Project.updated_at)
    if project_ids is not None:
        project_ids = sorted({p for p in project_ids if p is not None})
        if not project_ids:
            return
        statement = statement.where(Project.id.in_(project_ids))
    session.connection().execute(statement)
    session.info[WROTE] = True
    if project_ids is None:
        session.info[CHANGED] = ALL
        session.info[EVERYTHING] = True
    elif session.info.get(CHANGED) != ALL:
        session.info.setdefault(CHANGED, set()).update(project_ids)


def take_changed_projects(session: Session) -> set[int] | str | None:
    """The projects the session's transaction changed so far (ALL: every one), forgotten
    once taken; for what else is kept in step with them (tracker.reporting.obligations)."""
    return session.info.pop(CHANGED, None)


# The models whose rows a clause's figures count, and the column leading to the project:
# directly, or through the row's agreement or clause.
_PROJECT_OF = {
    Project: ("project", "id"), ProjectContractor: ("project", "project_id"),
    Agreement: ("project", "project_id"), Placement: ("project", "project_id"),
    Clause: ("agreement", "agreement_id"), ContractorReport: ("clause", "clause_id"),
    ClauseReporter: ("clause", "clause_id"),
}


def _note(session: Session, objects, before: bool = False) -> None:
    """Note the keys leading to the projects of these rows (in session.info until the flush
    is over); before the flush also the key a row had when loaded, since a form sets the
    foreign key itself (a placement moved to another project changes both)."""
    keys = session.info.setdefault(KEYS, {"project": set(), "agreement": set(), "clause": set()})
    for obj in objects:
        how = _PROJECT_OF.get(type(obj))
        if how is not None:
            kind, attribute = how
            keys[kind].add(getattr(obj, attribute))
            if before and attribute != "id":
                keys[kind].update(inspect(obj).attrs[attribute].history.deleted)


def _before_flush(session: Session, _context, _instances) -> None:
    """The projects changed and deleted rows belong to before the flush..."""
    _note(session, [o for o in session.dirty if session.is_modified(o)], before=True)
    _note(session, session.deleted, before=True)


def _after_flush(session: Session, _context) -> None:
    """... and those new and changed rows belong to after it: raise their versions."""
    session.info[WROTE] = True
    _note(session, session.new)
    _note(session, [o for o in session.dirty if session.is_modified(o)])
    keys = {kind: ids - {None} for kind, ids in session.info.pop(KEYS).items()}
    projects = keys["project"]
    if keys["agreement"]:
        projects |= set(session.connection().scalars(
            select(Agreement.project_id).where(Agreement.id.in_(keys["agreement"]))))
    if keys["clause"]:
        projects |= set(session.connection().scalars(
            select(Agreement.project_id).join(Clause, Clause.agreement_id == Agreement.id)
            .where(Clause.id.in_(keys["clause"]))))
    if projects:
        data_changed(session, projects)


def _wrote(state) -> None:
    """A statement run through the session that writes (an audit record, a bulk update)."""
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


def _transaction_ended(session: Session, *_args) -> None:
    session.info.pop(WROTE, None)
    session.info.pop(KEYS, None)
    session.info.pop(CHANGED, None)
    session.info.pop(EVERYTHING, None)


def install() -> None:
    """Listen to every session's flushes (once per process)."""
    for name, listener in (("before_flush", _before_flush), ("after_flush", _after_flush),
                           ("do_orm_execute", _wrote), ("after_commit", _transaction_ended),
                           ("after_rollback", _transaction_ended)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
