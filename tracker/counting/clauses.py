"""DESIGN §4 for clauses: which placements count toward a clause, its registered and
reported values, fulfilment, status and discrepancy, as of a date.

Which placements count is one SQL expression (`counts_toward`); the database sums them,
and the contractor reports used, per clause. The rest works on those few sums per clause
with exact ratios of integers, so SQLite and PostgreSQL give identical figures.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import (
    CTE,
    Date,
    Integer,
    Select,
    and_,
    case,
    column,
    exists,
    func,
    literal,
    or_,
    select,
    values,
)
from sqlalchemy.sql.elements import ClauseElement, ColumnElement

from tracker.counting.placements import overlap_days, sql_date
from tracker.extensions import db
from tracker.models import Agreement, Clause, ContractorReport, Placement, Project, ProjectContractor
from tracker.sqlfunctions import greatest, least, scaled_int

FULL_TIME_HOURS = 37
DAYS_PER_YEAR = 365
DAYS_PER_WEEK = 7
# A reported value differs from the registered one when apart by more than this share of
# the larger of the two.
DISCREPANCY_SHARE = Fraction(1, 10)
# Decimal places of the stored NUMERIC columns (Placement.hours_per_week, report figures).
HOURS_PER_WEEK_PLACES = 1
REPORT_PLACES = 2

# Fixed precision, so the figures do not depend on whatever decimal context the caller set.
_DECIMAL = Context(prec=28, rounding=ROUND_HALF_EVEN)

# An exact ratio (numerator, denominator) with a positive denominator, never reduced: a
# few integer products per clause, where Fraction would reduce after every step.
Ratio = tuple[int, int]


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


# --- Which placements count ------------------------------------------------------------

def clause_periods(clause_ids: Select | list[int]) -> CTE:
    """The clauses with their project, kind, unit, target, responsible contractor and period
    (a clause without dates takes its project's), as a CTE keyed by `clause_id`."""
    return (
        select(
            Clause.id.label("clause_id"), Clause.kind, Clause.unit, Clause.target,
            Clause.responsible_contractor_id, Agreement.project_id,
            func.coalesce(Clause.start_date, Project.start_date, type_=Date).label("period_start"),
            func.coalesce(Clause.end_date, Project.end_date, type_=Date).label("period_end"),
        )
        .join(Agreement, Clause.agreement_id == Agreement.id)
        .join(Project, Agreement.project_id == Project.id)
        .where(Clause.id.in_(clause_ids))
        .cte("clause_periods")
    )


def counts_toward(clause: Any, as_of: date | ClauseElement,
                  until: ColumnElement | None = None) -> ColumnElement[bool]:
    """The placement counts toward the clause (a row of `clause_periods`): it is placed for
    the clause (`placed_for`) and overlaps its period, up to `until` when given, by a day
    at least."""
    return and_(placed_for(clause), _clause_overlap(clause, as_of, until) >= 1)


def placed_for(clause: Any) -> ColumnElement[bool]:
    """The placement is on the clause's project, of its kind (any kind for `any`), at its
    responsible contractor (any contractor on the project when none is set)."""
    return and_(
        Placement.project_id == clause.project_id,
        or_(clause.kind == "any", Placement.kind == clause.kind),
        or_(Placement.employer_id == clause.responsible_contractor_id,
            and_(clause.responsible_contractor_id.is_(None),
                 exists().where(ProjectContractor.project_id == clause.project_id,
                                ProjectContractor.contractor_id == Placement.employer_id))),
    )


def _clause_overlap(clause: Any, as_of: Any, until: ColumnElement | None) -> ColumnElement:
    end = clause.period_end if until is None else least(clause.period_end, until)
    return overlap_days(clause.period_start, end, as_of)


def _placement_totals(clauses: Any, as_of: Any, until: ColumnElement | None = None) -> Select:
    """Per clause: participants, overlap days and overlap hour-days (in tenths of an hour)
    of the placements that count toward it (`counts_toward`, its overlap computed once)."""
    pairs = (
        select(clauses.c.clause_id, Placement.participant_id, Placement.hours_per_week,
               _clause_overlap(clauses.c, as_of, until).label("days"))
        .select_from(clauses).join(Placement, placed_for(clauses.c))
        .subquery("placement_overlaps"))
    return (
        select(
            pairs.c.clause_id,
            func.count(pairs.c.participant_id.distinct()).label("persons"),
            func.sum(pairs.c.days).label("overlap_days"),
            func.sum(pairs.c.days * scaled_int(pairs.c.hours_per_week, HOURS_PER_WEEK_PLACES))
            .label("overlap_hour_days"),
        )
        .where(pairs.c.days >= 1)
        .group_by(pairs.c.clause_id)
    )


# The placement totals of a clause that no placement counts toward.
NO_PLACEMENTS = {"persons": 0, "overlap_days": None, "overlap_hour_days": None}


# --- The contractor reports used ---------------------------------------------------------

def _report_totals(periods: CTE, as_of: Any) -> CTE:
    """Per clause, the totals of the reports used: the newest approved version of each
    report, when its period has ended by the as-of date. A submitted or returned correction
    does not displace the approved version before it."""
    report = ContractorReport
    newest = (
        select(report.clause_id, report.contractor_id, report.period_start,
               func.max(report.report_version).label("report_version"))
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
        .join(newest, and_(report.clause_id == newest.c.clause_id,
                           report.contractor_id == newest.c.contractor_id,
                           report.period_start == newest.c.period_start,
                           report.report_version == newest.c.report_version))
        # The clause condition again, on the outer table: without it PostgreSQL reads every
        # report rather than the few of these clauses.
        .where(report.clause_id.in_(select(periods.c.clause_id)), report.period_end <= as_of)
        .group_by(report.clause_id)
        .cte("report_totals")
    )


# --- The figures -------------------------------------------------------------------------

def clause_figure(clause_id: int, as_of: date) -> ClauseFigures:
    """The figures of one clause; KeyError when there is no such clause."""
    return clause_figures([clause_id], as_of)[clause_id]


def clause_figures(clause_ids_or_select: Iterable[int] | Select, as_of: date
                   ) -> dict[int, ClauseFigures]:
    """Figures of the given clauses (ids, or a Select of Clause rows or ids) as of `as_of`,
    by clause id. Two statements however many clauses there are: the clauses with their
    report totals, then their placement totals (one statement joining both misleads
    PostgreSQL's planner)."""
    if isinstance(clause_ids_or_select, Select):
        query = clause_ids_or_select.order_by(None)
        clause_ids: Select | list[int] = (
            query if len(query.selected_columns) == 1
            else query.with_only_columns(Clause.id, maintain_column_froms=True))
    else:
        clause_ids = list(clause_ids_or_select)
        if not clause_ids:
            return {}
    as_of_sql = sql_date(as_of)
    periods = clause_periods(clause_ids)
    reports = _report_totals(periods, as_of_sql)
    clauses = db.session.execute(
        select(periods, *(c for c in reports.c if c.key != "clause_id"))
        .outerjoin(reports, reports.c.clause_id == periods.c.clause_id)).mappings().all()
    if not clauses:
        return {}
    # A percent_hours clause counts its placements up to the last period its reports cover.
    windows = {row["clause_id"]: row["last_period_end"] for row in clauses
               if row["unit"] == "percent_hours" and row["last_period_end"] is not None}
    until = None
    if windows:
        # Looked up for percent_hours clauses only: the lookup is as long as the windows.
        until = case((periods.c.unit == "percent_hours", case(
            {clause_id: literal(end, Date()) for clause_id, end in windows.items()},
            value=periods.c.clause_id, else_=as_of_sql)), else_=as_of_sql)
    totals = {row["clause_id"]: row for row in db.session.execute(
        _placement_totals(periods, as_of_sql, until)).mappings()}
    return {row["clause_id"]: _figures({**NO_PLACEMENTS, **row, **totals.get(row["clause_id"], {})},
                                       as_of)
            for row in clauses}


def _figures(sums: Any, as_of: date) -> ClauseFigures:
    site_hours = (_int(sums["reported_site_hours"]), 10**REPORT_PLACES) if sums["report_count"] else None
    value = registered(sums["unit"], sums, site_hours)
    percent = fulfilment(value, sums["target"])
    report_value = reported(sums["unit"], sums)
    return ClauseFigures(
        clause_id=sums["clause_id"], target=sums["target"], registered=as_decimal(value),
        reported=as_decimal(report_value), percent=as_decimal(percent),
        status=status(percent, sums["period_start"], sums["period_end"], as_of),
        discrepancy=discrepancy(value, report_value),
        period_start=sums["period_start"], period_end=sums["period_end"])


# --- The rules on a clause's sums, as exact ratios ------------------------------------------

def _int(value: Any) -> int:
    """A scaled integer sum as int (SQLite gives int, PostgreSQL Decimal); NULL is 0."""
    return int(value) if value is not None else 0


def _ratio(value: Ratio | Decimal | None) -> Ratio | None:
    return value.as_integer_ratio() if isinstance(value, Decimal) else value


def _over(value: Ratio, divisor: Ratio) -> Ratio:
    """value / divisor for a divisor other than zero, keeping the denominator positive."""
    numerator, denominator = value[0] * divisor[1], value[1] * divisor[0]
    return (-numerator, -denominator) if denominator < 0 else (numerator, denominator)


def as_decimal(value: Ratio | None) -> Decimal | None:
    """A ratio as a Decimal of 28 significant digits."""
    if value is None:
        return None
    return _DECIMAL.divide(Decimal(value[0]), Decimal(value[1]))


def registered(unit: str, sums: Any, site_hours: Ratio | None = None) -> Ratio | None:
    """The registered value in the clause's unit from the sums of the placements counting
    toward it (`persons`, `overlap_days`, `overlap_hour_days` in tenths of an hour); for
    percent_hours their hours over `site_hours` × 100 (None without site hours)."""
    days, hour_days = _int(sums["overlap_days"]), _int(sums["overlap_hour_days"])
    tenths = 10**HOURS_PER_WEEK_PLACES
    if unit == "persons":
        return (sums["persons"] or 0, 1)
    if unit == "weeks":
        return (days, DAYS_PER_WEEK)
    if unit == "hours":
        return (hour_days, tenths * DAYS_PER_WEEK)
    if unit == "apprentice_years":
        return (hour_days, tenths * DAYS_PER_YEAR * FULL_TIME_HOURS)
    if unit == "percent_hours":
        if site_hours is None or not site_hours[0]:
            return None
        return _over((hour_days * 100, tenths * DAYS_PER_WEEK), site_hours)
    raise ValueError(f"unknown unit {unit!r}")


def reported(unit: str, sums: Any) -> Ratio | None:
    """The reported value in the clause's unit from the sums of the reports used
    (`report_count`, `reported_persons`, and `reported_weeks`, `reported_hours`,
    `reported_site_hours` in hundredths); None without a report."""
    if not sums["report_count"]:
        return None
    hundredths = 10**REPORT_PLACES
    persons, weeks, hours = sums["reported_persons"], sums["reported_weeks"], sums["reported_hours"]
    if unit == "persons":
        return None if persons is None else (int(persons), 1)
    if unit == "weeks":
        return None if weeks is None else (int(weeks), hundredths)
    if unit == "hours":
        return None if hours is None else (int(hours), hundredths)
    if unit == "apprentice_years":
        return None if hours is None else (
            int(hours) * DAYS_PER_WEEK, hundredths * DAYS_PER_YEAR * FULL_TIME_HOURS)
    if unit == "percent_hours":
        site_hours = _int(sums["reported_site_hours"])
        if hours is None or not site_hours:
            return None
        return _over((int(hours) * 100, 1), (site_hours, 1))
    raise ValueError(f"unknown unit {unit!r}")


def fulfilment(value: Ratio | None, target: Decimal) -> Ratio | None:
    """Registered / target × 100."""
    if value is None:
        return None
    return _over((value[0] * 100, value[1]), target.as_integer_ratio())


def status(percent: Ratio | None, start: date, end: date, as_of: date) -> str:
    """not_started before the clause period; met at 100 % or more; on_track when the
    fulfilment is at least the elapsed share of the period (at most 1) × 100; else at_risk;
    no_data without a registered value."""
    if as_of < start:
        return "not_started"
    if percent is None:
        return "no_data"
    numerator, denominator = percent
    if numerator >= 100 * denominator:
        return "met"
    elapsed, length = (as_of - start).days + 1, (end - start).days + 1
    if elapsed >= length:
        return "at_risk"
    return "on_track" if numerator * length >= 100 * elapsed * denominator else "at_risk"


def discrepancy(registered_value: Ratio | Decimal | None,
                reported_value: Ratio | Decimal | None) -> bool:
    """A reported value exists and |registered − reported| > 10 % of the larger of the two."""
    if registered_value is None or reported_value is None:
        return False
    (rn, rd), (pn, pd) = _ratio(registered_value), _ratio(reported_value)
    share = DISCREPANCY_SHARE
    return (abs(rn * pd - pn * rd) * share.denominator
            > share.numerator * max(abs(rn) * pd, abs(pn) * rd))


# --- Figures within a window (a reporting period) ------------------------------------------

@dataclass(frozen=True)
class Window:
    """A stretch of one clause's period, e.g. a contractor report's period, under a key."""

    key: int
    clause_id: int
    start: date
    end: date
    unit: str | None = None  # the clause's unit, when the caller has it at hand


def window_sums(windows: list[Window], rows: Select | None = None) -> dict[int, dict]:
    """The sums of the placements counting toward each window's clause inside the window,
    the window's end serving as the as-of date (`registered` takes them), by key. One
    statement, however many windows.

    `rows`, when given, selects the same windows from the database, labelled `key`,
    `source_clause_id`, `window_start` and `window_end` (contractor reports by id, say):
    that statement compiles once, where a list of values compiles anew each time."""
    if not windows:
        return {}
    listed = rows.cte("windows") if rows is not None else values(
        column("key", Integer), column("source_clause_id", Integer),
        column("window_start", Date), column("window_end", Date), name="windows",
    ).data([(w.key, w.clause_id, w.start, w.end) for w in windows]).cte("windows")
    clauses = clause_periods(select(listed.c.source_clause_id))
    periods = (
        select(listed.c.key.label("clause_id"),  # summed by window, under the name the sums use
               clauses.c.kind, clauses.c.responsible_contractor_id, clauses.c.project_id,
               greatest(listed.c.window_start, clauses.c.period_start).label("period_start"),
               least(listed.c.window_end, clauses.c.period_end).label("period_end"),
               listed.c.window_end.label("as_of"))
        .join(clauses, clauses.c.clause_id == listed.c.source_clause_id)
        .cte("window_periods"))
    sums = {row["clause_id"]: row for row in db.session.execute(
        _placement_totals(periods, periods.c.as_of)).mappings()}
    return {w.key: {**NO_PLACEMENTS, **sums.get(w.key, {})} for w in windows}


def window_registered(windows: list[Window], site_hours: dict[int, Decimal | None] | None = None,
                      rows: Select | None = None) -> dict[int, Decimal | None]:
    """The registered value of each window's clause counted inside the window only, by key:
    persons, weeks, hours and apprentice years of the overlap with the window, and for
    percent_hours the window's hours over `site_hours[key]` × 100 (None without site hours).
    The window's end serves as the as-of date; `rows` as for `window_sums`."""
    if not windows:
        return {}
    site_hours = site_hours or {}
    sums = window_sums(windows, rows)
    units = {w.clause_id: w.unit for w in windows if w.unit is not None}
    if len(units) < len({w.clause_id for w in windows}):
        units = dict(db.session.execute(select(Clause.id, Clause.unit).where(
            Clause.id.in_({w.clause_id for w in windows}))).all())
    result = {}
    for w in windows:
        base = site_hours.get(w.key)
        result[w.key] = as_decimal(registered(
            units[w.clause_id], sums[w.key], Decimal(base).as_integer_ratio() if base else None))
    return result
