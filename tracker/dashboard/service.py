"""Figures for the dashboards: clause statuses, placements over time. No HTTP here."""
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Date, Select, case, func, literal, select, union_all
from sqlalchemy.orm import joinedload

from tracker.charts import month_starts
from tracker.extensions import db
from tracker.fulfilment import ClauseFigures, clause_figures
from tracker.models import Agreement, Clause, Placement, Project
from tracker.models.codes import PLACEMENT_KINDS


@dataclass
class ClauseRow:
    """A clause with its project and its figures as of a date."""

    clause: Clause
    project: Project
    figures: ClauseFigures


def clause_rows(clauses: Select, as_of: date) -> list[ClauseRow]:
    """The clauses of a (role-scoped) Select with project and figures: two queries."""
    query = (clauses.join(Agreement, Clause.agreement_id == Agreement.id)
             .join(Project, Agreement.project_id == Project.id)
             .add_columns(Project)
             .options(joinedload(Clause.responsible_contractor))
             .order_by(Project.case_number, Clause.ref))
    rows = db.session.execute(query).all()
    figures = clause_figures([clause.id for clause, _project in rows], as_of)
    return [ClauseRow(clause, project, figures[clause.id]) for clause, project in rows]


def status_counts(rows: list[ClauseRow]) -> Counter:
    return Counter(row.figures.status for row in rows)


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def running_placements_by_month(placements: Select, as_of: date, months: int = 12) -> dict:
    """Placements running in each of the last `months` months up to as_of, by kind: one query.

    A placement runs in a month when it started by the month's end and its effective end
    (DESIGN §4, as of that month's end or as_of) is on or after the month's first day.
    """
    year, month = divmod(as_of.year * 12 + as_of.month - 1 - (months - 1), 12)
    starts = month_starts(date(year, month + 1, 1), as_of)
    ends = [min(next_start - timedelta(days=1), as_of)
            for next_start in [*starts[1:], _next_month(starts[-1])]]
    calendar = union_all(*(
        select(literal(s, Date()).label("month_start"), literal(e, Date()).label("month_end"))
        for s, e in zip(starts, ends))).cte("calendar")
    scoped = placements.with_only_columns(
        Placement.kind, Placement.start_date, Placement.end_date, Placement.planned_end
    ).subquery("scoped")
    effective_end = func.coalesce(
        scoped.c.end_date,
        case((scoped.c.planned_end < calendar.c.month_end, scoped.c.planned_end),
             else_=calendar.c.month_end), type_=Date)
    counts = db.session.execute(
        select(calendar.c.month_start, scoped.c.kind, func.count())
        .join(scoped, scoped.c.start_date <= calendar.c.month_end)
        .where(effective_end >= calendar.c.month_start)
        .group_by(calendar.c.month_start, scoped.c.kind)).all()
    table = {(month, kind): n for month, kind, n in counts}
    return {
        "months": starts,
        "series": {kind: [table.get((m, kind), 0) for m in starts] for kind in PLACEMENT_KINDS},
    }
