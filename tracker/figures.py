"""Stored clause figures: each clause's fulfilment as of a date is computed once (by
tracker.fulfilment) and read back until the data it counts changes.

Every change to what a clause's figures count (the project and its contractors, its
agreements and clauses, placements on it, contractor reports) raises the project's
`figures_version`, in the same transaction as the change, from a session hook. A stored
row counts only while its project still has the version the row was computed at; so a row
computed from data that changed meanwhile is never read, whatever the order in which
processes compute, store and change things, and no process keeps state in memory.
Writes that bypass the session (the workbook import) call `data_changed()`.

The staff dashboard and the annual report need the figures of all 7,000 clauses of a
national deployment: about 0.7 s to compute, a few milliseconds to read back.
"""
import logging
from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, and_, delete, event, func, inspect, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tracker import stored
from tracker.extensions import db
from tracker.fulfilment import ClauseFigures
from tracker.fulfilment import clause_figures as compute
from tracker.models import (
    Agreement, ApiToken, AuditEvent, Clause, ContractorReport, DataVersion, Document,
    DocumentJob, ImportJob, Participant, Placement, Project, ProjectContractor, ReportEvidence, SentReminder,
    StoredFigures, StoredFile, StoredValue, User,
)
from tracker.models.base import utcnow

log = logging.getLogger(__name__)

STORED = StoredFigures.__table__
PROJECTS = Project.__table__
CHANGED = stored.CHANGED  # session.info key: this transaction changed counted data


def clause_figures(clauses: Select | Iterable[int], as_of: date) -> dict[int, ClauseFigures]:
    """The figures of the given clauses (a Select of Clause rows or ids, or a list of ids)
    as of `as_of`, by clause id: the same as `tracker.fulfilment.clause_figures`, read from
    the stored rows where they are current and computed (and stored) for the rest."""
    return {clause_id: full(value) for clause_id, value in lookup(clauses, as_of).items()}


def full(value) -> ClauseFigures:
    """A value of `lookup` as ClauseFigures."""
    return value if isinstance(value, ClauseFigures) else _from_row(value)


def lookup(clauses: Select | Iterable[int], as_of: date) -> dict:
    """As `clause_figures`, but a stored row is given as it is read (its `status` and `discrepancy`
    as they are, the numbers as text): a dashboard counting thousands of clauses turns only
    the few it shows into ClauseFigures (with `full`)."""
    if isinstance(clauses, Select):
        query = clauses.order_by(None)
        ids = (query if len(query.selected_columns) == 1
               else query.with_only_columns(Clause.id, maintain_column_froms=True))
    else:
        ids = list(clauses)
        if not ids:
            return {}
    # A list of ids is looked up in the stored rows' key whatever the planner's statistics
    # (stale ones made PostgreSQL hash all 7,000 stored rows of the day for 25 clauses).
    by_key = [] if isinstance(ids, Select) else [STORED.c.clause_id.in_(ids)]
    # Through Core: the ORM's row handling cost 0.1 s for 7,000 rows here.
    rows = db.session.connection().execute(_with_stored_rows(
        [Clause.id.label("clause_id"), Agreement.project_id.label("current_project"),
         Project.figures_version.label("current_version"), STORED.c.target,
         STORED.c.registered, STORED.c.reported, STORED.c.percent, STORED.c.status,
         STORED.c.discrepancy, STORED.c.period_start, STORED.c.period_end],
        ids, as_of, *by_key)).all()
    result, missing = {}, {}
    for row in rows:
        if row.status is None:
            missing[row.clause_id] = (row.current_project, row.current_version)
        else:
            result[row.clause_id] = row
    if missing:
        computed = compute(list(missing), as_of)
        result.update(computed)
        _store(computed, missing, as_of)
    return result


def status_counts(clauses: Select, as_of: date) -> Counter:
    """How many of the clauses of a Select of clause ids have each status as of `as_of`:
    one grouped query over the stored rows once every clause has a current one. Clauses
    without one are computed first (`lookup`, which also stores them) and counted from its
    result. The annual report needs only these counts of a national deployment's 7,000
    clauses: reading and counting the rows themselves cost ~20 ms."""
    by_status = Counter(dict(db.session.connection().execute(
        _with_stored_rows([STORED.c.status, func.count()], clauses.order_by(None), as_of)
        .group_by(STORED.c.status)).all()))
    if by_status[None]:  # some clause has no current stored row
        return Counter(value.status for value in lookup(clauses, as_of).values())
    by_status.pop(None, None)
    return by_status


def _with_stored_rows(columns: list, ids, as_of: date, *condition) -> Select:
    """`columns` of the clauses with these ids (a Select or a list), each joined to its
    stored row as of `as_of` where that is current (computed at its project's present
    figures version); the stored columns are None where there is none."""
    return (select(*columns).select_from(Clause)
            .join(Agreement, Clause.agreement_id == Agreement.id)
            .join(Project, Agreement.project_id == Project.id)
            .outerjoin(STORED, and_(STORED.c.clause_id == Clause.id, STORED.c.as_of == as_of,
                                    STORED.c.project_id == Agreement.project_id,
                                    STORED.c.project_version == Project.figures_version,
                                    *condition))
            .where(Clause.id.in_(ids)))


def _from_row(row) -> ClauseFigures:
    def number(text):
        return None if text is None else Decimal(text)

    return ClauseFigures(
        clause_id=row.clause_id, target=Decimal(row.target), registered=number(row.registered),
        reported=number(row.reported), percent=number(row.percent), status=row.status,
        discrepancy=bool(row.discrepancy), period_start=row.period_start,
        period_end=row.period_end)


def _store(computed: dict[int, ClauseFigures], versions: dict[int, tuple[int, int]],
           as_of: date) -> None:
    """Keep freshly computed figures, in a transaction of their own (the request's own may
    be a read that is never committed). Not when this transaction changed counted data: the
    figures would describe uncommitted rows. A failure only costs the next reader time."""
    if db.session.info.get(CHANGED) or not computed:
        return
    now = utcnow()
    rows = [{"clause_id": f.clause_id, "as_of": as_of, "project_id": versions[f.clause_id][0],
             "project_version": versions[f.clause_id][1], "target": str(f.target),
             "registered": _text(f.registered), "reported": _text(f.reported),
             "percent": _text(f.percent), "status": f.status, "discrepancy": f.discrepancy,
             "period_start": f.period_start, "period_end": f.period_end, "computed_at": now}
            for f in computed.values()]
    engine = db.engine
    statement = stored.upsert_insert(engine.dialect.name)(STORED)
    statement = statement.on_conflict_do_update(
        index_elements=[STORED.c.clause_id, STORED.c.as_of],
        set_={c.name: statement.excluded[c.name] for c in STORED.c
              if c.name not in ("clause_id", "as_of")})
    try:
        with engine.begin() as conn:
            conn.execute(statement, rows)
    except SQLAlchemyError:
        log.warning("Could not store clause figures as of %s", as_of, exc_info=True)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --- knowing when figures change -----------------------------------------------------------

def data_changed(session: Session, project_ids: Iterable[int] | None = None) -> None:
    """Raise the figures version of the given projects (of every project when None), in the
    session's transaction: their stored figures no longer count, nor do the stored
    aggregates (tracker.stored), and the stored page parts are dropped (the write may have
    changed residents' records)."""
    stored.raise_version(session)
    stored.forget_parts(session)
    _raise_projects(session, project_ids)


def _raise_projects(session: Session, project_ids: Iterable[int] | None) -> None:
    statement = update(PROJECTS).values(figures_version=PROJECTS.c.figures_version + 1,
                                        updated_at=PROJECTS.c.updated_at)
    if project_ids is not None:
        project_ids = sorted({p for p in project_ids if p is not None})
        if not project_ids:
            return
        statement = statement.where(PROJECTS.c.id.in_(project_ids))
    session.connection().execute(statement)
    session.info[CHANGED] = True


# The counted models and how each reaches its project: directly, or through its agreement
# or clause (looked up after the flush).
_PROJECT_OF = {
    Project: ("project", "id"), ProjectContractor: ("project", "project_id"),
    Agreement: ("project", "project_id"), Placement: ("project", "project_id"),
    Clause: ("agreement", "agreement_id"), ContractorReport: ("clause", "clause_id"),
}


def _collect(session: Session, objects, before: bool = False) -> None:
    """Note the keys leading to the objects' projects; before the flush also the values a
    key had when loaded (a placement moved to another project changes both)."""
    keys = session.info.setdefault("figures_keys", {"project": set(), "agreement": set(),
                                                    "clause": set()})
    for obj in objects:
        how = _PROJECT_OF.get(type(obj))
        if how is None:
            continue
        kind, attribute = how
        keys[kind].add(getattr(obj, attribute))
        if before and attribute != "id":
            keys[kind].update(inspect(obj).attrs[attribute].history.deleted)


# Models whose rows no stored figure or aggregate counts: every other model's changes make
# the stored aggregates out of date (tracker.stored).
_NOT_COUNTED = (ApiToken, AuditEvent, DataVersion, Document, DocumentJob, ImportJob,
                ReportEvidence, SentReminder, StoredFigures, StoredFile, StoredValue, User)


def counted(model) -> bool:
    """Whether a change to rows of `model` puts the stored values out of date."""
    return not issubclass(model, _NOT_COUNTED)


def _before_flush(session: Session, _context, _instances) -> None:
    """The stored aggregates go out of date first, when counted data changes (the data
    version is always locked before any project row, so two writers cannot deadlock on
    them), and a changed or deleted resident's record drops the stored page parts; then
    note the projects changed or deleted objects belonged to before the flush."""
    changed = [o for o in session.dirty if session.is_modified(o)]
    if any(not isinstance(o, _NOT_COUNTED) for o in (*session.new, *changed, *session.deleted)):
        stored.raise_version(session)
    if any(isinstance(o, Participant) for o in (*changed, *session.deleted)):
        stored.forget_parts(session)  # no page part may keep what a resident's record said
    _collect(session, changed, before=True)
    _collect(session, session.deleted, before=True)
    gone = [o.id for o in session.deleted if isinstance(o, Clause)]
    if gone:  # a new clause may get a deleted one's id (SQLite reuses the highest)
        session.connection().execute(delete(STORED).where(STORED.c.clause_id.in_(gone)))


def _after_flush(session: Session, _context) -> None:
    """... and the projects new and changed objects belong to now; then raise them."""
    _collect(session, session.new)
    _collect(session, [o for o in session.dirty if inspect(o).persistent])
    keys = session.info.pop("figures_keys", None)
    if not keys or not any(keys.values()):
        return
    projects = set(keys["project"])
    conn = session.connection()
    if keys["agreement"] - {None}:
        projects.update(conn.scalars(select(Agreement.project_id).where(
            Agreement.id.in_(keys["agreement"] - {None}))))
    if keys["clause"] - {None}:
        projects.update(conn.scalars(
            select(Agreement.project_id).join(Clause, Clause.agreement_id == Agreement.id)
            .where(Clause.id.in_(keys["clause"] - {None}))))
    _raise_projects(session, projects)


def _transaction_ended(session: Session, *_args) -> None:
    session.info.pop(CHANGED, None)
    session.info.pop("figures_keys", None)


def install() -> None:
    """Listen to every session's flushes (once per process)."""
    for name, listener in (("before_flush", _before_flush), ("after_flush", _after_flush),
                           ("after_commit", _transaction_ended),
                           ("after_rollback", _transaction_ended)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
