"""Figures for the dashboards: clause statuses, placements over time. No HTTP here."""
import heapq
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import Date, Select, bindparam, case, func, null, select

from tracker import access
from tracker.charts import month_starts
from tracker.counting import (
    ClauseFigures,
    clause_figures,
    effective_end,
    municipality_summary,
)
from tracker.extensions import cache, db
from tracker.models import Agreement, Clause, Participant, Placement, Project
from tracker.models.base import utcnow
from tracker.models.codes import PLACEMENT_KINDS

log = logging.getLogger(__name__)


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


def _listed(clauses: Select, ids: set[int]) -> list[tuple[ClauseRef, ProjectRef]]:
    """The clauses with these ids among a (role-scoped) Select, with their project, by
    project and clause: one query."""
    if not ids:
        return []
    query = (clauses.order_by(None).join(Agreement, Clause.agreement_id == Agreement.id)
             .join(Project, Agreement.project_id == Project.id)
             .with_only_columns(Clause.id, Clause.ref, Clause.kind, Clause.unit, Project.id,
                                Project.case_number)
             .where(Clause.id.in_(sorted(ids)))
             .order_by(Project.case_number, Clause.ref))
    return [(ClauseRef(clause_id, ref, kind, unit), ProjectRef(project_id, case_number))
            for clause_id, ref, kind, unit, project_id, case_number
            in db.session.execute(query)]


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


def overview(clauses: Select, as_of: date, limit: int = LIST_LIMIT) -> Overview:
    """Status counts over all the clauses of a (role-scoped) Select, from the figures of
    every clause, and the short lists (only their first `limit` are ordered: a national
    deployment has thousands)."""
    known = clause_figures(clauses, as_of)
    values = known.values()
    counts = Counter(f.status for f in values)
    at_risk = heapq.nsmallest(limit, (f for f in values if f.status == "at_risk"),
                              key=_lowest_first)
    gaps = [f for f in values if f.discrepancy]
    gaps_shown = heapq.nsmallest(limit, gaps, key=_largest_gap_first)
    everything = len(known) <= limit
    shown = set(known) if everything else {f.clause_id for f in at_risk + gaps_shown}
    rows = {clause.id: ClauseRow(clause, project, known[clause.id])
            for clause, project in _listed(clauses, shown)}
    return Overview(
        total=len(known), counts=counts,
        attention=[rows[f.clause_id] for f in at_risk if f.clause_id in rows],
        attention_total=counts["at_risk"],
        discrepancies=[rows[f.clause_id] for f in gaps_shown if f.clause_id in rows],
        discrepancies_total=len(gaps),
        rows=list(rows.values()) if everything else None)


@dataclass
class Figures:
    """What a dashboard shows of a scope's clauses and placements as of a date."""

    clauses: Overview
    months: list[date]
    by_month: dict  # kind -> placements running in each month
    summary: dict | None  # a municipality's residents' pathways this year
    residents: int | None  # a municipality's residents in all
    computed_at: datetime


def figures_for(user, as_of: date) -> Figures:
    """The dashboard's figures for the user's scope (`access.scope_key`) as of a date, kept
    for TRACKER_DASHBOARD_SECONDS: over a national deployment they take longer to compute
    than a page may take (bench/RESULTS.md), so a dashboard may be that much behind a
    change. The work lists are not kept."""
    seconds = current_app.config["TRACKER_DASHBOARD_SECONDS"]
    if not seconds:
        return _compute(user, as_of)
    key = f"dashboard:{access.scope_key(user)}:{as_of.isoformat()}"
    try:
        kept = cache.get(key)
        if kept is None:
            kept = _compute(user, as_of)
            cache.set(key, kept, timeout=seconds)
    except RedisError:  # the landing page still shows while the cache's Redis is away
        log.warning("Dashboard figures not kept: Redis unreachable", exc_info=True)
        kept = _compute(user, as_of)
    return kept


def _compute(user, as_of: date) -> Figures:
    months = chart_months(as_of)
    summary = residents = None
    if user.role == "municipality":
        summary = municipality_summary(user.organisation_id, as_of.replace(month=1, day=1),
                                       as_of)
        residents = db.session.scalar(
            access.visible(Participant, user).with_only_columns(func.count()))
    return Figures(
        clauses=overview(access.visible(Clause, user), as_of), months=months,
        by_month=running_by_month(access.visible(Placement, user), months, as_of)["series"],
        summary=summary, residents=residents, computed_at=utcnow())


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
    """The grouped query behind `running_by_month`, for `months` months (at least one),
    whose first and last days are its parameters (`month_parameters`).

    A placement runs in a month when it started by the month's end and its effective end
    (DESIGN §4) is on or after the month's first day; as of the last month's end or as of
    any earlier month's end, that comparison comes out the same. Each placement is counted
    by kind in the first month it runs in and the first month it no longer runs in, and
    `running_series` adds the months up; one that starts after the last month is skipped.
    """
    starts = [bindparam(f"month_start_{i}", type_=Date) for i in range(months)]
    ends = [bindparam(f"month_end_{i}", type_=Date) for i in range(months)]
    scoped = placements.where(effective_end(ends[-1]) >= starts[0]).with_only_columns(
        Placement.kind, Placement.start_date, Placement.end_date, Placement.planned_end
    ).subquery("scoped")
    stop = effective_end(ends[-1], scoped.c)
    first_in = case(*((scoped.c.start_date <= end, i) for i, end in enumerate(ends)))
    # From the last month back (NULL: it runs to the end): most placements in the window
    # still run at its end, so one comparison decides them.
    first_out = case(*((stop >= start, i + 1 if i + 1 < months else null())
                       for i, start in reversed(list(enumerate(starts)))), else_=0)
    return (select(scoped.c.kind, first_in, first_out, func.count())
            .group_by(first_in, first_out, scoped.c.kind))


def running_series(counts, starts: list[date]) -> dict:
    """The months and, by kind, the placements running in each, from `running_counts` rows."""
    series = {kind: [0] * len(starts) for kind in PLACEMENT_KINDS}
    for kind, start_month, stop_month, n in counts:
        if start_month is None:  # started after the last month
            continue
        for month in range(start_month, len(starts) if stop_month is None else stop_month):
            series[kind][month] += n
    return {"months": starts, "series": series}
