"""The counting rules of DESIGN §4 as the documents spell them out: effective end, overlap,
overlap days, age band.

To be replaced by the shared counting package (`tracker.counting`): these are the
documents' own copies of the rules, kept in this one place so that the switch touches
nothing else.
"""
from datetime import date
from typing import Any

from sqlalchemy import ClauseElement, Date, and_, case, func, literal

from tracker.i18n import lazy_gettext as _l
from tracker.models import Participant, Placement
from tracker.sqlfunctions import days_between, greatest, least

# The age bands of the municipality report's breakdown, in the order it lists them.
AGE_BANDS = {
    "u25": _l("Under 25"), "25-29": _l("25–29"), "30-39": _l("30–39"), "40-49": _l("40–49"),
    "50+": _l("50 and over"), "unknown": _l("Not stated"),
}


def sql_date(value: date | ClauseElement) -> Any:
    """A date as a SQL value; a SQL expression as it is."""
    return value if isinstance(value, ClauseElement) else literal(value, Date())


def effective_end(as_of: date | ClauseElement, alias=Placement) -> Any:
    """Actual end; else planned end if before the as-of date; else the as-of date."""
    as_of = sql_date(as_of)
    return func.coalesce(
        alias.end_date,
        case((alias.planned_end < as_of, alias.planned_end), else_=as_of), type_=Date)


def overlapping(start: date, end: date) -> Any:
    """Placements running at some time from `start` to `end`, counted as of `end`."""
    return and_(Placement.start_date <= sql_date(end), effective_end(end) >= sql_date(start))


def effective_end_on(placement: Placement, as_of: date) -> date:
    """The effective end of one loaded placement as of a date, at most that date."""
    if placement.end_date is not None:
        return min(placement.end_date, as_of)
    if placement.planned_end is not None and placement.planned_end < as_of:
        return placement.planned_end
    return as_of


def overlap_days(start: date, end: date, as_of: date, alias=Placement) -> Any:
    """Days of a placement inside [start, end] counted as of `as_of` (≤ 0: none)."""
    last = least(effective_end(as_of, alias), sql_date(end))
    first = greatest(alias.start_date, sql_date(start))
    return days_between(last, first) + 1


def age_band(reference_year: int) -> Any:
    """A participant's age band (a key of AGE_BANDS) by the age reached in the year."""
    age = reference_year - Participant.birth_year
    return case(
        (Participant.birth_year.is_(None), "unknown"),
        (age < 25, "u25"), (age < 30, "25-29"), (age < 40, "30-39"), (age < 50, "40-49"),
        else_="50+")
