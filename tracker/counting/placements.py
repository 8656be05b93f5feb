"""DESIGN §4 for placements: effective end, overlap days and running, as of a date.

Each rule is one SQL expression over `Placement` (or an alias of it); the effective end also
has a Python twin for one loaded placement. Dates may be Python dates or SQL expressions
(a statement's parameters, another table's columns).
"""
from datetime import date
from typing import Any

from sqlalchemy import Date, and_, case, func, literal
from sqlalchemy.sql.elements import ClauseElement, ColumnElement

from tracker.models import Placement
from tracker.sqlfunctions import days_between, greatest, least


def sql_date(value: date | ClauseElement) -> Any:
    """A date as a SQL value; a SQL expression as it is."""
    return value if isinstance(value, ClauseElement) else literal(value, Date())


def effective_end(as_of: date | ClauseElement, placement: Any = Placement) -> ColumnElement:
    """The actual end if set; otherwise the planned end if before the as-of date; otherwise
    the as-of date."""
    as_of = sql_date(as_of)
    return func.coalesce(
        placement.end_date,
        case((placement.planned_end < as_of, placement.planned_end), else_=as_of),
        type_=Date)


def effective_end_of(placement: Placement, as_of: date) -> date:
    """`effective_end` of one loaded placement."""
    if placement.end_date is not None:
        return placement.end_date
    if placement.planned_end is not None and placement.planned_end < as_of:
        return placement.planned_end
    return as_of


def overlap_days(start: date | ClauseElement, end: date | ClauseElement,
                 as_of: date | ClauseElement, placement: Any = Placement) -> ColumnElement:
    """Days from the later of the placement's start and `start` to the earliest of its
    effective end, `end` and the as-of date, both inclusive; zero or less when that range
    is empty. None of the dates may be NULL (SQLite's min() and max() would give NULL)."""
    as_of = sql_date(as_of)
    last = least(effective_end(as_of, placement), sql_date(end), as_of)
    first = greatest(placement.start_date, sql_date(start))
    return days_between(last, first) + 1


def overlaps(start: date | ClauseElement, end: date | ClauseElement,
             placement: Any = Placement) -> ColumnElement[bool]:
    """The placement overlaps the period from `start` to `end` by a day at least, counted as
    of the period's last day."""
    end = sql_date(end)
    return and_(placement.start_date <= end, effective_end(end, placement) >= sql_date(start))


def running(as_of: date | ClauseElement, placement: Any = Placement) -> ColumnElement[bool]:
    """The placement runs on the as-of date: it has started and its effective end is not
    before that day."""
    return overlaps(as_of, as_of, placement)
