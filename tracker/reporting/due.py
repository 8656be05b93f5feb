"""Due and overdue contractor reports: the unsettled reporting obligations of periods that
have ended (tracker.reporting.obligations keeps the rows), counted, paged or listed whole.

An obligation is outstanding while its newest report is returned (it needs a correction),
or once its period has ended (its end before today) with nothing reported. It is overdue
once its deadline (`DEADLINE_DAYS` after the period end) has passed.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from tracker.extensions import db
from tracker.models import Agreement, Clause, Organisation, Project, ReportObligation
from tracker.reporting.obligations import sync_pending
from tracker.reporting.service import DEADLINE_DAYS, ListPage, Period, status_on

OPEN = ("due", "returned")


@dataclass(frozen=True)
class DueReport:
    """A period a contractor has not (validly) reported on yet."""

    obligation: ReportObligation
    clause: Clause
    project: Project
    contractor: Organisation
    period: Period
    status: str  # due | overdue
    returned: bool  # the newest version was returned (needs a correction)
    latest_id: int | None  # the newest version's id, when there is one
    days_late: int  # days past the deadline; 0 while due

    @property
    def reason(self) -> str | None:
        """Why the secretariat returned the newest version."""
        return self.obligation.report.review_note if self.returned else None


@dataclass(frozen=True)
class DuePage(ListPage):
    """One page of due and overdue reports."""

    overdue: int = 0  # of `total`, those past their deadline


def overdue_before(today: date) -> date:
    """A period that ended before this day is past its deadline today."""
    return today - timedelta(days=DEADLINE_DAYS)


def outstanding(clauses: Select, today: date, contractor_id: int | None = None,
                project_id: int | None = None, status: str | None = None) -> Select:
    """The outstanding obligations of the given clauses (a Select of Clause rows, already
    scoped to the user); status: only "due" or only "overdue" ones. Nothing is joined, so
    a count reads the obligations alone; `_ordered` joins what a list shows."""
    sync_pending(db.session)
    # Two ranges of ix_report_obligations_outstanding.
    query = select(ReportObligation).where(
        or_(ReportObligation.state == "returned",
            and_(ReportObligation.state == "due", ReportObligation.period_end < today)))
    if clauses.whereclause is not None:
        # A scope without conditions (the secretariat's) holds every clause: the condition
        # would only lead SQLite's planner to read every obligation by clause.
        clause_ids = clauses.order_by(None).with_only_columns(Clause.id,
                                                              maintain_column_froms=True)
        query = query.where(ReportObligation.clause_id.in_(clause_ids))
    if contractor_id is not None:
        query = query.where(ReportObligation.contractor_id == contractor_id)
    if project_id is not None:
        query = query.where(ReportObligation.clause_id.in_(
            select(Clause.id).join(Agreement).where(Agreement.project_id == project_id)))
    if status == "overdue":
        query = query.where(ReportObligation.period_end < overdue_before(today))
    elif status == "due":
        query = query.where(ReportObligation.period_end >= overdue_before(today))
    return query


def _is_overdue(today: date) -> ColumnElement[bool]:
    return ReportObligation.period_end < overdue_before(today)


def _ordered(query: Select) -> Select:
    """The rows with what a list shows of them, overdue first, then by deadline (the order
    of the period ends)."""
    return (
        query.join(ReportObligation.clause).join(Clause.agreement).join(Agreement.project)
        .join(ReportObligation.contractor)
        .options(contains_eager(ReportObligation.clause).contains_eager(Clause.agreement)
                 .contains_eager(Agreement.project),
                 contains_eager(ReportObligation.contractor),
                 joinedload(ReportObligation.report))
        .order_by(ReportObligation.period_end, Project.case_number, Clause.ref,
                  Organisation.name, ReportObligation.id)
    )


def _due_report(obligation: ReportObligation, today: date) -> DueReport:
    clause = obligation.clause
    period = Period(obligation.period_start, obligation.period_end, clause.frequency)
    returned = obligation.state == "returned"
    return DueReport(obligation=obligation, clause=clause, project=clause.agreement.project,
                     contractor=obligation.contractor, period=period,
                     status=status_on(period, today), returned=returned,
                     latest_id=obligation.report_id,
                     days_late=max((today - period.deadline).days, 0))


def due_report_counts(clauses: Select, today: date, contractor_id: int | None = None,
                      project_id: int | None = None) -> tuple[int, int]:
    """How many periods are outstanding, and how many of them are overdue."""
    return _counts(outstanding(clauses, today, contractor_id, project_id), today)


def returned_count(clauses: Select, today: date, contractor_id: int | None = None) -> int:
    """How many outstanding periods have a returned report to correct."""
    query = outstanding(clauses, today, contractor_id)
    return db.session.scalar(query.where(ReportObligation.state == "returned")
                             .with_only_columns(func.count(), maintain_column_froms=True))


def _counts(query: Select, today: date) -> tuple[int, int]:
    total, overdue = db.session.execute(query.with_only_columns(
        func.count(), func.count().filter(_is_overdue(today)), maintain_column_froms=True)).one()
    return total, overdue


def due_report_page(clauses: Select, today: date, *, page: int = 1, per_page: int = 25,
                    contractor_id: int | None = None, project_id: int | None = None,
                    status: str | None = None) -> DuePage:
    """One page of `due_reports`; a page number out of range gives the nearest page."""
    query = outstanding(clauses, today, contractor_id, project_id, status)
    total, overdue = _counts(query, today)
    page = min(max(page, 1), max(1, -(-total // per_page)))
    rows = db.session.scalars(
        _ordered(query).limit(per_page).offset((page - 1) * per_page)).unique().all()
    return DuePage([_due_report(row, today) for row in rows], page, per_page, total, overdue)


def due_reports(clauses: Select, today: date, contractor_id: int | None = None,
                project_id: int | None = None, status: str | None = None) -> list[DueReport]:
    """The outstanding periods of the given clauses (a Select of Clause rows, already scoped
    to the user), overdue first, then by deadline (status: only "due" or only "overdue"
    ones)."""
    rows = db.session.scalars(
        _ordered(outstanding(clauses, today, contractor_id, project_id, status))).unique().all()
    return [_due_report(row, today) for row in rows]


@dataclass(frozen=True)
class ClauseDue:
    """A clause's outstanding periods for the contractor's portal."""

    project: Project
    clause: Clause
    items: list[DueReport]

    @property
    def returned(self) -> int:
        return sum(1 for item in self.items if item.returned)

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.items if item.status == "overdue")


def _urgency(item: DueReport) -> tuple:
    """Returned reports first, then overdue, then due; the oldest first within each."""
    return (not item.returned, item.status != "overdue", item.period.end)


def by_clause(items: list[DueReport]) -> list[ClauseDue]:
    """Outstanding periods grouped by project and clause, in the order a busy site manager
    works through them: the group with the most urgent period first (`_urgency`), and
    within a group returned, overdue, then due."""
    groups: dict[int, list[DueReport]] = {}
    for item in items:
        groups.setdefault(item.clause.id, []).append(item)
    ordered = [sorted(group, key=_urgency) for group in groups.values()]
    ordered.sort(key=lambda group: (_urgency(group[0]), group[0].project.case_number,
                                    group[0].clause.ref))
    return [ClauseDue(group[0].project, group[0].clause, group) for group in ordered]
