"""Figures for the dashboards: clause statuses, placements over time. No HTTP here."""
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Date, Select, bindparam, case, func, or_, select

from tracker.charts import month_starts
from tracker import figures
from tracker.extensions import db
from tracker.fulfilment import ClauseFigures
from tracker.models import Agreement, Clause, Placement, Project
from tracker.models.codes import PLACEMENT_KINDS
from tracker.sqlfunctions import no_index


@dataclass
class ClauseRef:
    """What a dashboard shows of a clause and links to."""

    id: int
    ref: str
    kind: str
    unit: str


@dataclass
class ProjectRef:
    id: int
    case_number: str


@dataclass
class ClauseRow:
    """A clause with its project and its figures as of a date."""

    clause: ClauseRef
    project: ProjectRef
    figures: ClauseFigures


# A dashboard lists at most this many clauses in each list; a national deployment has
# thousands (their project pages list them all).
LIST_LIMIT = 25


def _shown_rows(clauses: Select, known: dict) -> list[dict]:
    """The clauses of `known` (id → stored figures row or ClauseFigures) among a
    (role-scoped) Select, with their project and figures, by project and clause, as JSON:
    one query."""
    query = (clauses.order_by(None).join(Agreement, Clause.agreement_id == Agreement.id)
             .join(Project, Agreement.project_id == Project.id)
             .with_only_columns(Clause.id, Clause.ref, Clause.kind, Clause.unit, Project.id,
                                Project.case_number)
             .where(Clause.id.in_(list(known)))
             .order_by(Project.case_number, Clause.ref))
    rows = []
    for clause_id, ref, kind, unit, project_id, case_number in db.session.execute(query):
        f = figures.full(known[clause_id])
        rows.append({
            "clause": [clause_id, ref, kind, unit], "project": [project_id, case_number],
            "figures": [str(f.target), *(None if v is None else str(v)
                                         for v in (f.registered, f.reported, f.percent)),
                        f.status, f.discrepancy, f.period_start.isoformat(),
                        f.period_end.isoformat()]})
    return rows


def _row(value: dict) -> ClauseRow:
    """A ClauseRow from what `_shown_rows` keeps."""
    target, registered, reported, percent, status, discrepancy, start, end = value["figures"]
    clause = ClauseRef(*value["clause"])
    return ClauseRow(
        clause, ProjectRef(*value["project"]),
        ClauseFigures(clause.id, Decimal(target),
                      *(None if v is None else Decimal(v) for v in (registered, reported, percent)),
                      status, discrepancy, date.fromisoformat(start), date.fromisoformat(end)))


@dataclass
class Overview:
    """The clause section of a dashboard: counts of every visible clause, short lists."""

    total: int
    counts: Counter
    attention: list[ClauseRow]  # at risk, the lowest fulfilment first
    attention_total: int
    discrepancies: list[ClauseRow]  # the largest gap between registered and reported first
    discrepancies_total: int
    rows: list[ClauseRow] | None  # every clause, when there are at most LIST_LIMIT


def _number(value) -> float:
    return float(value) if value is not None else 0.0


def _lowest_first(f):
    return (f.percent is None, _number(f.percent), f.clause_id)


def _largest_gap_first(f):
    registered, reported = _number(f.registered), _number(f.reported)
    return (-abs(registered - reported) / max(abs(registered), abs(reported), 1), f.clause_id)


def overview(clauses: Select, as_of: date, limit: int = LIST_LIMIT,
             summary: dict | None = None) -> Overview:
    """Status counts over all the clauses of a (role-scoped) Select and the short lists,
    from `summary(clauses, as_of, limit)`: computed here when not given; the dashboard keeps
    it in tracker.stored, and with it the listed clauses' rows, so a view reads none."""
    if summary is None:
        summary = clause_summary(clauses, as_of, limit)
    rows = {row.clause.id: row for row in map(_row, summary["rows"])}
    return Overview(
        total=summary["total"], counts=Counter(summary["counts"]),
        attention=[rows[i] for i in summary["attention"] if i in rows],
        attention_total=summary["attention_total"],
        discrepancies=[rows[i] for i in summary["discrepancies"] if i in rows],
        discrepancies_total=summary["discrepancies_total"],
        rows=list(rows.values()) if summary["everything"] else None)


def clause_summary(clauses: Select, as_of: date, limit: int = LIST_LIMIT) -> dict:
    """What `overview` shows, as JSON: the counts by status, the ids of the clauses it lists
    and their rows (by project and clause); from the figures of every clause
    (tracker.figures)."""
    known = figures.lookup(clauses, as_of)
    values = known.values()
    at_risk = [f.clause_id for f in sorted(
        (f for f in values if f.status == "at_risk"), key=_lowest_first)]
    gaps = [f.clause_id for f in sorted((f for f in values if f.discrepancy),
                                        key=_largest_gap_first)]
    everything = len(known) <= limit
    shown = sorted(known) if everything else sorted(set(at_risk[:limit] + gaps[:limit]))
    return {"total": len(known), "counts": dict(Counter(f.status for f in values)),
            "attention": at_risk[:limit], "attention_total": len(at_risk),
            "discrepancies": gaps[:limit], "discrepancies_total": len(gaps),
            "everything": everything,
            "rows": _shown_rows(clauses, {i: known[i] for i in shown}) if shown else []}


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def chart_months(as_of: date, months: int = 12) -> list[date]:
    """The first days of the last `months` months up to as_of."""
    year, month = divmod(as_of.year * 12 + as_of.month - 1 - (months - 1), 12)
    return month_starts(date(year, month + 1, 1), as_of)


def running_placements_by_month(placements: Select, as_of: date, months: int = 12) -> dict:
    """Placements running in each of the last `months` months up to as_of, by kind."""
    return running_by_month(placements, chart_months(as_of, months), as_of)


def running_by_month(placements: Select, starts: list[date], last: date) -> dict:
    """Placements of a (role-scoped) Select running in each month beginning on `starts`, the
    last month cut at `last`, by kind: one grouped query, whatever the number of months
    (`running_counts`, then `running_series`)."""
    if not starts:
        return {"months": [], "series": {}}
    counts = db.session.execute(running_counts(placements, len(starts)),
                                month_parameters(starts, last)).all()
    return running_series(counts, starts)


def month_parameters(starts: list[date], last: date) -> dict[str, date]:
    """The values of `running_counts`' parameters for the months beginning on `starts`, the
    last month cut at `last`: each month's first day and its last."""
    ends = [min(next_start - timedelta(days=1), last)
            for next_start in [*starts[1:], _next_month(starts[-1])]]
    return {**{f"month_start_{i}": day for i, day in enumerate(starts)},
            **{f"month_end_{i}": day for i, day in enumerate(ends)}}


def running_counts(placements: Select, months: int) -> Select:
    """The grouped query behind `running_by_month`, for `months` months (at least one). The
    months' first and last days are its parameters (`month_parameters`), so one statement
    serves any `months` months (the municipality report makes its statements once).

    A placement runs in a month when it started by the month's end and its effective end
    (DESIGN §4, as of that month's end) is on or after the month's first day. As of a month's
    end the effective end is the actual end, else the planned end when that is earlier, else
    the month's end itself; so the placement runs unless `coalesce(end, planned end)` falls
    before the month's first day. Each placement is therefore put in two buckets, the first
    month it runs by (start) and the first month it no longer runs in (end), counted by
    kind; `running_series` sums the months up from those counts. A placement that stopped
    before the first month runs in none and is left out before the grouping (a
    municipality's five years of placements, for a chart of the last two).
    """
    starts = [bindparam(f"month_start_{i}", type_=Date) for i in range(months)]
    ends = [bindparam(f"month_end_{i}", type_=Date) for i in range(months)]
    stop = func.coalesce(Placement.end_date, Placement.planned_end, type_=Date)
    scoped = placements.where(or_(stop.is_(None), stop >= starts[0])).with_only_columns(
        Placement.kind, Placement.start_date, Placement.end_date, Placement.planned_end
    ).subquery("scoped")
    stop = func.coalesce(scoped.c.end_date, scoped.c.planned_end, type_=Date)
    first_in = case(*((scoped.c.start_date <= end, i) for i, end in enumerate(ends)))
    first_out = case(*((stop < start, i) for i, start in enumerate(starts)))
    return (select(scoped.c.kind, first_in, first_out, func.count())
            # no_index: over a whole deployment, SQLite would otherwise read the placements
            # one by one through the (project, start) index, skipping across the projects.
            .where(no_index(scoped.c.start_date) <= ends[-1])
            # The kind last: PostgreSQL sorts the rows to group them, and its text compared
            # last costs less (national data, largest municipality's chart: 10.8 → 9 ms).
            .group_by(first_in, first_out, scoped.c.kind))


def running_series(counts, starts: list[date]) -> dict:
    """The months and, by kind, the placements running in each, from `running_counts` rows."""
    series = {kind: [0] * len(starts) for kind in PLACEMENT_KINDS}
    for kind, start_month, stop_month, n in counts:
        for month in range(start_month, len(starts) if stop_month is None else stop_month):
            series[kind][month] += n
    return {"months": starts, "series": series}
