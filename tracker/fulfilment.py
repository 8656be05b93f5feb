"""The counting rules of DESIGN §4: how far each clause is fulfilled as of a date.

Pure domain logic, free of HTTP: pages, the JSON API, PDFs and tests call
`clause_figures` and get the same numbers. Every clause given is computed with
two SQL statements, whatever the number of clauses, placements and reports;
aggregation happens in SQL and the arithmetic on the few aggregates per clause
is done with exact integer ratios, so SQLite and PostgreSQL give identical figures.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import (
    CTE, Date, Integer, Select, and_, case, column, exists, func, literal, or_, select,
)

from tracker.extensions import db
from tracker.models import (
    Agreement,
    Clause,
    ContractorReport,
    Placement,
    Project,
    ProjectContractor,
)
from tracker.sqlfunctions import days_between, greatest, least, rows_cte, scaled_int

# Decimal places the stored NUMERIC columns hold (Placement.hours_per_week, report figures).
HOURS_PER_WEEK_PLACES = 1
REPORT_PLACES = 2

FULL_TIME_HOURS = 37
DAYS_PER_YEAR = 365
DAYS_PER_WEEK = 7
# A reported figure differs from the registered one when apart by more than this share.
DISCREPANCY_SHARE = Fraction(1, 10)

# Fixed precision, so the figures do not depend on whatever decimal context the caller set.
_DECIMAL = Context(prec=28, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class ClauseFigures:
    """Target, registered and reported achievement of one clause as of a date."""

    clause_id: int
    target: Decimal
    registered: Decimal | None  # None only for percent_hours without a usable approved report
    reported: Decimal | None
    percent: Decimal | None  # fulfilment = registered / target × 100, unrounded
    status: str  # met | on_track | at_risk | no_data | not_started
    discrepancy: bool
    period_start: date
    period_end: date


def rounded(value: Decimal | None, places: int = 2) -> Decimal | None:
    """A figure rounded half-up to `places` decimals, as the API and documents show it."""
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def clause_figure(clause_id: int, as_of: date) -> ClauseFigures:
    """The figures of one clause; KeyError when there is no such clause."""
    return clause_figures([clause_id], as_of)[clause_id]


def clause_figures(
    clause_ids_or_select: Iterable[int] | Select, as_of: date
) -> dict[int, ClauseFigures]:
    """Figures of the given clauses (ids, or a Select of Clause rows) as of `as_of`, by clause id.

    Runs two SQL statements however many clauses, placements and reports there are: the
    clauses with their report totals, then the placement totals grouped by clause. (One
    statement joining both aggregates misleads PostgreSQL's planner into a nested loop.)
    """
    if isinstance(clause_ids_or_select, Select):
        clause_ids: Select | list[int] = _id_column(clause_ids_or_select)
    else:
        clause_ids = list(clause_ids_or_select)
        if not clause_ids:
            return {}
    as_of_param = literal(as_of, Date())
    periods = _clause_periods(clause_ids)
    reports = _report_totals(periods, as_of_param)
    clauses = db.session.execute(
        select(periods, *_non_key_columns(reports))
        .outerjoin(reports, reports.c.clause_id == periods.c.clause_id)
    ).mappings().all()
    if not clauses:
        return {}
    # percent_hours clauses count placements up to the last period their reports cover.
    windows = {row["clause_id"]: row["last_period_end"] for row in clauses
               if row["unit"] == "percent_hours" and row["last_period_end"] is not None}
    totals = {row["clause_id"]: row for row in db.session.execute(
        select(_placement_totals(periods, windows, as_of_param))).mappings()}
    return {row["clause_id"]: _figures({**NO_PLACEMENTS, **row, **totals.get(row["clause_id"], {})},
                                       as_of)
            for row in clauses}


# The placement aggregates of a clause that no placement counts toward.
NO_PLACEMENTS = {"persons": 0, "overlap_days": None, "overlap_hour_days": None}


def _id_column(query: Select) -> Select:
    """The clause ids a caller's Select of Clause rows (or of ids) stands for."""
    query = query.order_by(None)
    if len(query.selected_columns) == 1:
        return query
    return query.with_only_columns(Clause.id, maintain_column_froms=True)


def _non_key_columns(table: CTE) -> list[Any]:
    return [c for c in table.c if c.key != "clause_id"]


def _clause_periods(clause_ids: Select | list[int]) -> CTE:
    """Each clause with its project and period; a NULL clause date takes the project's."""
    return (
        select(
            Clause.id.label("clause_id"),
            Clause.kind,
            Clause.unit,
            Clause.target,
            Clause.responsible_contractor_id,
            Agreement.project_id,
            func.coalesce(Clause.start_date, Project.start_date, type_=Date).label("period_start"),
            func.coalesce(Clause.end_date, Project.end_date, type_=Date).label("period_end"),
        )
        .join(Agreement, Clause.agreement_id == Agreement.id)
        .join(Project, Agreement.project_id == Project.id)
        .where(Clause.id.in_(clause_ids))
        .cte("clause_periods")
    )


def _report_totals(periods: CTE, as_of: Any) -> CTE:
    """Per clause, totals of the reports used: the newest approved version of each report,
    when its period has ended by the as-of date.

    A submitted or returned correction does not displace the approved figures before it.
    """
    report = ContractorReport
    newest = (
        select(
            report.clause_id,
            report.contractor_id,
            report.period_start,
            func.max(report.report_version).label("report_version"),
        )
        .where(report.status == "approved", report.clause_id.in_(select(periods.c.clause_id)))
        .group_by(report.clause_id, report.contractor_id, report.period_start)
        .subquery("newest_approved")
    )
    return (
        select(
            report.clause_id,
            func.count().label("report_count"),
            func.max(report.persons).label("reported_persons"),
            func.sum(scaled_int(report.weeks, REPORT_PLACES)).label("reported_weeks"),
            func.sum(scaled_int(report.hours, REPORT_PLACES)).label("reported_hours"),
            func.sum(scaled_int(report.site_hours, REPORT_PLACES)).label("reported_site_hours"),
            func.max(report.period_end).label("last_period_end"),
        )
        .join(
            newest,
            and_(
                report.clause_id == newest.c.clause_id,
                report.contractor_id == newest.c.contractor_id,
                report.period_start == newest.c.period_start,
                report.report_version == newest.c.report_version,
            ),
        )
        .where(report.period_end <= as_of)
        .group_by(report.clause_id)
        .cte("report_totals")
    )


def _placement_totals(periods: CTE, windows: dict[int, date], as_of: Any):
    """Per clause: participants, overlap days and overlap hour-days of the counting placements.

    `windows` holds, for percent_hours clauses, the last period end of their reports used.
    """
    effective_end = func.coalesce(
        Placement.end_date,
        case((Placement.planned_end < as_of, Placement.planned_end), else_=as_of),
        type_=Date,
    )
    # A percent_hours clause is counted up to the last period its reports cover; the reports
    # used all end by the as-of date, so every window stops at as-of at the latest.
    window_end = as_of
    if windows:
        # The inner lookup runs only for percent_hours rows (a few), not for every pair.
        window_end = case(
            (periods.c.unit == "percent_hours",
             case({clause_id: literal(end, Date()) for clause_id, end in windows.items()},
                  value=periods.c.clause_id, else_=as_of)),
            else_=as_of)
    employer_counts = or_(
        Placement.employer_id == periods.c.responsible_contractor_id,
        and_(
            periods.c.responsible_contractor_id.is_(None),
            exists().where(
                ProjectContractor.project_id == periods.c.project_id,
                ProjectContractor.contractor_id == Placement.employer_id,
            ),
        ),
    )
    # Every date below is NOT NULL: SQLite's min()/max() would turn a NULL into the result.
    pairs = (
        select(
            periods.c.clause_id,
            Placement.participant_id,
            Placement.hours_per_week,
            greatest(Placement.start_date, periods.c.period_start).label("overlap_start"),
            least(effective_end, periods.c.period_end, window_end).label("overlap_end"),
        )
        .select_from(periods)
        .join(
            Placement,
            and_(
                Placement.project_id == periods.c.project_id,
                or_(periods.c.kind == "any", Placement.kind == periods.c.kind),
                employer_counts,
            ),
        )
        .subquery("placement_overlaps")
    )
    overlap_days = days_between(pairs.c.overlap_end, pairs.c.overlap_start) + 1
    return (
        select(
            pairs.c.clause_id,
            func.count(pairs.c.participant_id.distinct()).label("persons"),
            func.sum(overlap_days).label("overlap_days"),
            # day × hours-per-week in tenths of an hour: exact on SQLite too.
            func.sum(overlap_days * scaled_int(pairs.c.hours_per_week, HOURS_PER_WEEK_PLACES))
            .label("overlap_hour_days"),
        )
        .where(pairs.c.overlap_end >= pairs.c.overlap_start)
        .group_by(pairs.c.clause_id)
        .subquery("placement_totals")
    )


# The arithmetic below works on exact ratios of integers, (numerator, denominator) with a
# positive denominator and never reduced: a few integer multiplications per clause instead
# of Fraction objects (which normalise with a gcd after every step), so that thousands of
# clauses cost milliseconds. Decimal division of the two integers rounds correctly, so the
# figures are the same as from the reduced fraction.
Ratio = tuple[int, int]


def _scaled(value: Any) -> int:
    """A scaled integer aggregate as int (SQLite gives int, PostgreSQL Decimal); NULL is 0."""
    return int(value) if value is not None else 0


def _decimal(value: Ratio | None) -> Decimal | None:
    if value is None:
        return None
    return _DECIMAL.divide(Decimal(value[0]), Decimal(value[1]))


def _over(value: Ratio, divisor: Ratio) -> Ratio:
    """value / divisor for a divisor other than zero, keeping the denominator positive."""
    numerator, denominator = value[0] * divisor[1], value[1] * divisor[0]
    return (-numerator, -denominator) if denominator < 0 else (numerator, denominator)


def _registered(row: Any) -> Ratio | None:
    """The registered value from the placement totals, in the clause's unit."""
    unit = row["unit"]
    days = _scaled(row["overlap_days"])
    hour_days = _scaled(row["overlap_hour_days"])  # in tenths of an hour (HOURS_PER_WEEK_PLACES)
    tenths = 10**HOURS_PER_WEEK_PLACES
    if unit == "persons":
        return (row["persons"] or 0, 1)
    if unit == "weeks":
        return (days, DAYS_PER_WEEK)
    if unit == "hours":
        return (hour_days, tenths * DAYS_PER_WEEK)
    if unit == "apprentice_years":
        return (hour_days, tenths * DAYS_PER_YEAR * FULL_TIME_HOURS)
    if unit == "percent_hours":
        site_hours = _scaled(row["reported_site_hours"])  # in hundredths (REPORT_PLACES)
        if not row["report_count"] or not site_hours:
            return None  # no approved report, or no site hours to take a share of
        return _over((hour_days * 100, tenths * DAYS_PER_WEEK), (site_hours, 10**REPORT_PLACES))
    raise ValueError(f"unknown unit {unit!r}")


def _reported(row: Any) -> Ratio | None:
    """The reported value from the totals of the reports used, in the clause's unit."""
    if not row["report_count"]:
        return None
    unit = row["unit"]
    hundredths = 10**REPORT_PLACES
    hours = row["reported_hours"]
    if unit == "persons":
        persons = row["reported_persons"]
        return None if persons is None else (int(persons), 1)
    if unit == "weeks":
        weeks = row["reported_weeks"]
        return None if weeks is None else (int(weeks), hundredths)
    if unit == "hours":
        return None if hours is None else (int(hours), hundredths)
    if unit == "apprentice_years":
        return None if hours is None else (
            int(hours) * DAYS_PER_WEEK, hundredths * DAYS_PER_YEAR * FULL_TIME_HOURS)
    if unit == "percent_hours":
        site_hours = _scaled(row["reported_site_hours"])
        if hours is None or not site_hours:
            return None
        return _over((int(hours) * 100, 1), (site_hours, 1))
    raise ValueError(f"unknown unit {unit!r}")


def _status(percent: Ratio | None, start: date, end: date, as_of: date) -> str:
    if as_of < start:
        return "not_started"
    if percent is None:
        return "no_data"
    numerator, denominator = percent
    if numerator >= 100 * denominator:
        return "met"
    # On track when the percent is at least the share of the period elapsed (at most 1).
    elapsed, length = (as_of - start).days + 1, (end - start).days + 1
    if elapsed >= length:
        return "at_risk"
    return "on_track" if numerator * length >= 100 * elapsed * denominator else "at_risk"


def _discrepancy(registered: Ratio | None, reported: Ratio | None) -> bool:
    """|registered − reported| > DISCREPANCY_SHARE × max(|registered|, |reported|)."""
    if registered is None or reported is None:
        return False
    (rn, rd), (pn, pd) = registered, reported
    share = DISCREPANCY_SHARE
    return (abs(rn * pd - pn * rd) * share.denominator
            > share.numerator * max(abs(rn) * pd, abs(pn) * rd))


def _figures(row: Any, as_of: date) -> ClauseFigures:
    registered = _registered(row)
    reported = _reported(row)
    percent = (None if registered is None
               else _over((registered[0] * 100, registered[1]), row["target"].as_integer_ratio()))
    return ClauseFigures(
        clause_id=row["clause_id"],
        target=row["target"],
        registered=_decimal(registered),
        reported=_decimal(reported),
        percent=_decimal(percent),
        status=_status(percent, row["period_start"], row["period_end"], as_of),
        discrepancy=_discrepancy(registered, reported),
        period_start=row["period_start"],
        period_end=row["period_end"],
    )


# --- figures within a window (a reporting period) ---------------------------------------

@dataclass(frozen=True)
class Window:
    """A stretch of one clause's period, e.g. a contractor report's period, under a key."""

    key: int
    clause_id: int
    start: date
    end: date
    unit: str | None = None  # the clause's unit, when the caller has it at hand


def window_registered(windows: list[Window], site_hours: dict[int, Decimal | None] | None = None
                      ) -> dict[int, Decimal | None]:
    """The registered value of each window's clause counted inside the window only, by key:
    weeks, hours and apprentice years of the overlap with the window (the clause's figure at
    the window's end less its figure the day before it starts), persons with a counting
    placement in the window, and for percent_hours the window's hours over `site_hours[key]`
    × 100 (None without site hours). The window's end serves as the as-of date. One
    statement, however many windows (two when a window does not say its clause's unit)."""
    if not windows:
        return {}
    site_hours = site_hours or {}
    listed = rows_cte(  # not a UNION of selects: PostgreSQL plans that in a multiple
        "windows", [column("key", Integer), column("source_clause_id", Integer),
                    column("window_start", Date), column("window_end", Date)],
        [(w.key, w.clause_id, w.start, w.end) for w in windows],
        db.session.get_bind().dialect.name)
    periods = (
        select(
            listed.c.key.label("clause_id"),  # grouped by window, under the name the totals use
            Clause.kind, Clause.unit, Clause.responsible_contractor_id, Agreement.project_id,
            greatest(listed.c.window_start, func.coalesce(
                Clause.start_date, Project.start_date, type_=Date)).label("period_start"),
            least(listed.c.window_end, func.coalesce(
                Clause.end_date, Project.end_date, type_=Date)).label("period_end"),
            listed.c.window_end.label("as_of"),
        )
        .join(Clause, Clause.id == listed.c.source_clause_id)
        .join(Agreement, Clause.agreement_id == Agreement.id)
        .join(Project, Agreement.project_id == Project.id)
        .cte("window_periods")
    )
    totals = {row["clause_id"]: row for row in db.session.execute(
        select(_placement_totals(periods, {}, periods.c.as_of))).mappings()}
    units = {w.clause_id: w.unit for w in windows if w.unit is not None}
    if len(units) < len({w.clause_id for w in windows}):
        units = dict(db.session.execute(select(Clause.id, Clause.unit).where(
            Clause.id.in_({w.clause_id for w in windows}))).all())
    result = {}
    for w in windows:
        row = {**NO_PLACEMENTS, **totals.get(w.key, {})}
        unit = units[w.clause_id]
        if unit == "percent_hours":
            base = site_hours.get(w.key)
            hours = (_scaled(row["overlap_hour_days"]) * 100,
                     10**HOURS_PER_WEEK_PLACES * DAYS_PER_WEEK)
            result[w.key] = _decimal(_over(hours, Decimal(base).as_integer_ratio())) if base else None
        else:
            result[w.key] = _decimal(_registered({**row, "unit": unit}))
    return result
