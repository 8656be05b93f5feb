"""Figures for the dashboards: clause statuses, placements over time. No HTTP here."""
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Date, Select, case, func, literal, select
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
    """Placements running in each of the last `months` months up to as_of, by kind."""
    year, month = divmod(as_of.year * 12 + as_of.month - 1 - (months - 1), 12)
    return running_by_month(placements, month_starts(date(year, month + 1, 1), as_of), as_of)


def running_by_month(placements: Select, starts: list[date], last: date) -> dict:
    """Placements of a (role-scoped) Select running in each month beginning on `starts`, the
    last month cut at `last`, by kind: one grouped query, whatever the number of months.

    A placement runs in a month when it started by the month's end and its effective end
    (DESIGN §4, as of that month's end) is on or after the month's first day. As of a month's
    end the effective end is the actual end, else the planned end when that is earlier, else
    the month's end itself; so the placement runs unless `coalesce(end, planned end)` falls
    before the month's first day. Each placement is therefore put in two buckets, the first
    month it runs by (start) and the first month it no longer runs in (end), counted by
    kind, and the months are summed up from those counts.
    """
    if not starts:
        return {"months": [], "series": {}}
    ends = [min(next_start - timedelta(days=1), last)
            for next_start in [*starts[1:], _next_month(starts[-1])]]
    scoped = placements.with_only_columns(
        Placement.kind, Placement.start_date, Placement.end_date, Placement.planned_end
    ).subquery("scoped")
    stop = func.coalesce(scoped.c.end_date, scoped.c.planned_end, type_=Date)
    first_in = case(*((scoped.c.start_date <= literal(e, Date()), i) for i, e in enumerate(ends)))
    first_out = case(*((stop < literal(s, Date()), i) for i, s in enumerate(starts)))
    counts = db.session.execute(
        select(scoped.c.kind, first_in, first_out, func.count())
        .where(scoped.c.start_date <= literal(ends[-1], Date()))
        .group_by(scoped.c.kind, first_in, first_out)).all()
    series = {kind: [0] * len(starts) for kind in PLACEMENT_KINDS}
    for kind, start_month, stop_month, n in counts:
        for month in range(start_month, len(starts) if stop_month is None else stop_month):
            series[kind][month] += n
    return {"months": starts, "series": series}
