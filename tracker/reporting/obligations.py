"""Reporting obligations (DESIGN §3): who owes which report, one row per clause, contractor
and period, kept in step here and nowhere else.

The rules:

* Who reports: a clause's responsible contractor; for a clause of all contractors, those
  staff chose among the project's contractors, or, when none are chosen, the project's main
  contractors. A subcontractor owes nothing unless chosen.
* Which periods: the clause's reporting periods (tracker.reporting.service), from the one
  holding `Clause.reporting_from` (from the first when it is not set). Clauses of draft
  agreements owe nothing yet.
* A period someone reported on keeps its row whatever changes later, so a report is never
  without its obligation.
* The state is the newest report version's status (submitted, approved, returned), else
  due; a period staff waived stays waived unless a report on it is submitted or approved.

Every commit that changes a project, its contractors, agreements, clauses, reporters or
reports brings the obligations of that project up to date (`install`); the projects are
those tracker.changes finds a flush changed.
"""
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, bindparam, delete, event, func, insert, select, update
from sqlalchemy.orm import Session

from tracker import changes
from tracker.models import (
    Agreement,
    Clause,
    ClauseReporter,
    ContractorReport,
    Project,
    ProjectContractor,
    ReportObligation,
)
from tracker.models.base import utcnow
from tracker.reporting.service import Period, reporting_periods

OBLIGATIONS = ReportObligation.__table__
SETTLED = ("submitted", "approved")  # a report in these states settles its period
CHUNK = 5000  # ids per DELETE statement


@dataclass(frozen=True)
class _Row:
    period_end: date
    state: str
    report_id: int | None


def sync(session: Session, project_ids: Iterable[int] | None = None) -> None:
    """Bring the obligations of the given projects' clauses (of every clause when None) in
    line with the rules above, in the session's transaction."""
    connection = session.connection()
    clauses = (
        select(Clause.id, Clause.frequency, Clause.responsible_contractor_id,
               Clause.reporting_from, Agreement.status, Agreement.project_id,
               func.coalesce(Clause.start_date, Project.start_date, type_=Date).label("start"),
               func.coalesce(Clause.end_date, Project.end_date, type_=Date).label("end"))
        .join(Agreement, Clause.agreement_id == Agreement.id)
        .join(Project, Agreement.project_id == Project.id))
    contractors = select(ProjectContractor.project_id, ProjectContractor.contractor_id,
                         ProjectContractor.role)
    if project_ids is not None:
        project_ids = sorted({p for p in project_ids if p is not None})
        if not project_ids:
            return
        clauses = clauses.where(Agreement.project_id.in_(project_ids))
        contractors = contractors.where(ProjectContractor.project_id.in_(project_ids))
    clause_rows = connection.execute(clauses).all()
    ids = clauses.with_only_columns(Clause.id)

    on_project: dict[int, set[int]] = defaultdict(set)
    main: dict[int, set[int]] = defaultdict(set)
    for row in connection.execute(contractors):
        on_project[row.project_id].add(row.contractor_id)
        if row.role == "main":
            main[row.project_id].add(row.contractor_id)
    chosen: dict[int, set[int]] = defaultdict(set)
    for clause_id, contractor_id in connection.execute(
            select(ClauseReporter.clause_id, ClauseReporter.contractor_id)
            .where(ClauseReporter.clause_id.in_(ids))):
        chosen[clause_id].add(contractor_id)

    wanted: dict[tuple, _Row] = {}
    for clause in clause_rows:
        if clause.status == "draft" or None in (clause.start, clause.end) \
                or clause.start > clause.end:
            continue
        if clause.responsible_contractor_id is not None:
            reporters = {clause.responsible_contractor_id}
        else:
            reporters = (chosen[clause.id] & on_project[clause.project_id]) \
                or main[clause.project_id]
        periods = [p for p in reporting_periods(clause.frequency, clause.start, clause.end)
                   if clause.reporting_from is None or p.end >= clause.reporting_from]
        for contractor_id in reporters:
            for period in periods:
                wanted[clause.id, contractor_id, period.start] = _Row(period.end, "due", None)

    # The newest version of each period reported on settles or reopens it.
    report = ContractorReport
    newest: dict[tuple, tuple] = {}
    for row in connection.execute(
            select(report.id, report.clause_id, report.contractor_id, report.period_start,
                   report.period_end, report.status, report.report_version)
            .where(report.clause_id.in_(ids))):
        key = (row.clause_id, row.contractor_id, row.period_start)
        if key not in newest or newest[key][0] < row.report_version:
            newest[key] = (row.report_version, row)
    for key, (_version, row) in newest.items():
        wanted[key] = _Row(row.period_end, row.status, row.id)

    existing = {(row.clause_id, row.contractor_id, row.period_start): row
                for row in connection.execute(
                    select(OBLIGATIONS.c.id, OBLIGATIONS.c.clause_id, OBLIGATIONS.c.contractor_id,
                           OBLIGATIONS.c.period_start, OBLIGATIONS.c.period_end,
                           OBLIGATIONS.c.state, OBLIGATIONS.c.report_id,
                           OBLIGATIONS.c.waived_at)
                    .where(OBLIGATIONS.c.clause_id.in_(ids)))}
    now = utcnow()
    added, changed = [], []
    for key, row in wanted.items():
        old = existing.get(key)
        state = row.state
        if old is not None and old.waived_at is not None and state not in SETTLED:
            state = "waived"
        if old is None:
            added.append({"clause_id": key[0], "contractor_id": key[1], "period_start": key[2],
                          "period_end": row.period_end, "state": state,
                          "report_id": row.report_id, "created_at": now, "updated_at": now,
                          "version": 1})
        elif (old.period_end, old.state, old.report_id) != (row.period_end, state, row.report_id):
            changed.append({"row_id": old.id, "new_end": row.period_end, "new_state": state,
                            "new_report": row.report_id})
    gone = [row.id for key, row in existing.items() if key not in wanted]
    if added:
        connection.execute(insert(OBLIGATIONS), added)
    if changed:
        connection.execute(
            update(OBLIGATIONS).where(OBLIGATIONS.c.id == bindparam("row_id"))
            .values(period_end=bindparam("new_end"), state=bindparam("new_state"),
                    report_id=bindparam("new_report"), updated_at=now,
                    version=OBLIGATIONS.c.version + 1),
            changed)
    for start in range(0, len(gone), CHUNK):
        connection.execute(delete(OBLIGATIONS).where(
            OBLIGATIONS.c.id.in_(gone[start:start + CHUNK])))


def sync_pending(session: Session) -> None:
    """Flush the session and bring the obligations of the projects it changed up to date;
    before a commit, and before a list of obligations is read in the same transaction."""
    session.flush()
    changed = changes.take_changed_projects(session)
    if changed is not None:
        sync(session, None if changed is changes.ALL else changed)


def _before_flush(session: Session, _context, _instances) -> None:
    gone = [obj.id for obj in session.deleted if isinstance(obj, Clause)]
    if gone:  # their rows go first: they point at the clause
        session.connection().execute(delete(OBLIGATIONS).where(
            OBLIGATIONS.c.clause_id.in_(gone)))


def _before_commit(session: Session) -> None:
    sync_pending(session)


def install() -> None:
    """Keep every session's obligations in step at each commit (once per process)."""
    for name, listener in (("before_flush", _before_flush), ("before_commit", _before_commit)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def owed_periods(session: Session, clause: Clause, contractor_id: int) -> list[Period]:
    """The periods of a clause a contractor owes (or reported on) and has not had waived,
    oldest first."""
    sync_pending(session)
    rows = session.execute(
        select(ReportObligation.period_start, ReportObligation.period_end)
        .where(ReportObligation.clause_id == clause.id,
               ReportObligation.contractor_id == contractor_id,
               ReportObligation.state != "waived")
        .order_by(ReportObligation.period_start)).all()
    return [Period(start, end, clause.frequency) for start, end in rows]
