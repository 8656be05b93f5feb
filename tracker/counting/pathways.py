"""DESIGN §4 for pathways: who moved into work or education, the chain internship → wage
subsidy → ordinary job, which placements end a pathway (and so have follow-ups), when a
follow-up is due, and which placements are still to be closed.

Each rule is one SQL expression over `Placement`; the end of a pathway and the follow-up's
due date also have a Python twin for one placement.
"""
import calendar
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Date, Select, and_, exists, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement, ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from tracker.counting.placements import overlaps, sql_date
from tracker.extensions import db
from tracker.models import Participant, Placement

# A placement that ended with one of these outcomes moved its participant (dated by its end) ...
MOVING_OUTCOMES = ("ordinary_job", "education")
# ... and so did starting a placement of one of these kinds (dated by its start).
MOVING_KINDS = ("ordinary_job", "apprenticeship")
# The chain the municipality report follows, step by step.
CHAIN = ("internship", "wage_subsidy", "ordinary_job")
# The outcome of a placement that led on to the next step of the same pathway.
LED_ON = "next_placement"


def moving(date_from: date | ClauseElement, date_to: date | ClauseElement,
           placement: Any = Placement) -> ColumnElement[bool]:
    """The placement moved its participant into work or education in the period (both ends
    inclusive): it ended in it with a moving outcome, or it is of a moving kind and started
    in it."""
    start, end = sql_date(date_from), sql_date(date_to)
    return or_(
        and_(placement.outcome.in_(MOVING_OUTCOMES), placement.end_date.between(start, end)),
        and_(placement.kind.in_(MOVING_KINDS), placement.start_date.between(start, end)),
    )


def moved_into_work_or_education(
    participant_ids_or_select: Iterable[int] | Select, date_from: date, date_to: date
) -> set[int]:
    """Ids of the given participants (a Select of Participant rows or ids, or a list of ids)
    with a move into work or education dated in the period. One query."""
    if isinstance(participant_ids_or_select, Select):
        query = participant_ids_or_select.order_by(None)
        participant_ids: Select | list[int] = (
            query if len(query.selected_columns) == 1
            else query.with_only_columns(Participant.id, maintain_column_froms=True))
    else:
        participant_ids = list(participant_ids_or_select)
        if not participant_ids:
            return set()
    return set(db.session.scalars(
        select(Placement.participant_id).distinct().where(
            Placement.participant_id.in_(participant_ids), moving(date_from, date_to))))


def led_on_to(kinds: tuple[str, ...], by: date | ClauseElement,
              placement: Any = Placement) -> ColumnElement[bool]:
    """The placement led on to a placement of `kinds[0]`, that one to one of `kinds[1]`, and
    so on, each started by the day `by` (the next placement it led to is its link)."""
    by = sql_date(by)
    following = aliased(Placement)
    condition = [following.id == placement.next_placement_id, following.kind == kinds[0],
                 following.start_date <= by]
    if len(kinds) > 1:
        condition.append(led_on_to(kinds[1:], by, following))
    return exists().where(*condition)


def chain_steps(date_from: date | ClauseElement, date_to: date | ClauseElement,
                placement: Any = Placement) -> dict[str, ColumnElement[bool]]:
    """The steps of the chain a placement marks for its participant in the period, as the
    municipality report counts them: `internship`, an internship overlapping the period;
    `wage_subsidy`, such an internship that led on to a wage subsidy started by the period's
    end; `ordinary_job`, and that wage subsidy on to an ordinary job started by then;
    `direct_job`, such an internship that led straight on to an ordinary job."""
    internship = and_(placement.kind == "internship", overlaps(date_from, date_to, placement))
    return {
        "internship": internship,
        "wage_subsidy": and_(internship, led_on_to(CHAIN[1:2], date_to, placement)),
        "ordinary_job": and_(internship, led_on_to(CHAIN[1:], date_to, placement)),
        "direct_job": and_(internship, led_on_to(("ordinary_job",), date_to, placement)),
    }


# --- The end of a pathway, follow-ups and placements to close ---------------------------------

def ends_pathway(placement: Any = Placement) -> ColumnElement[bool]:
    """The placement ended its participant's pathway: it has an actual end, an outcome other
    than `next_placement`, and no next placement. Follow-ups are due only after these."""
    return and_(placement.end_date.is_not(None), placement.outcome.is_not(None),
                placement.outcome != LED_ON, placement.next_placement_id.is_(None))


def is_pathway_end(placement: Placement) -> bool:
    """`ends_pathway` of one loaded placement."""
    return (placement.end_date is not None and placement.outcome is not None
            and placement.outcome != LED_ON and placement.next_placement_id is None)


def to_close(as_of: date | ClauseElement, placement: Any = Placement) -> ColumnElement[bool]:
    """The placement's planned end is before the as-of date and it still lacks its actual
    end or its outcome: staff have to record how it ended."""
    return and_(placement.planned_end < sql_date(as_of),
                or_(placement.end_date.is_(None), placement.outcome.is_(None)))


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day (31 January + 3 → 30 April):
    a follow-up N months after a placement that ended on `day` is due then."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class sql_add_months(FunctionElement):
    """`add_months` in SQL: a date plus a whole number of months, clamped to the month's
    last day on SQLite and PostgreSQL alike."""

    type = Date()
    inherit_cache = True
    name = "add_months"


@compiles(sql_add_months)
def _add_months_default(element: sql_add_months, compiler: SQLCompiler, **kw: Any) -> str:
    day, months = (compiler.process(c, **kw) for c in element.clauses)
    # PostgreSQL: date + interval clamps to the month's end by itself.
    return f"CAST({day} + make_interval(months => {months}) AS DATE)"


@compiles(sql_add_months, "sqlite")
def _add_months_sqlite(element: sql_add_months, compiler: SQLCompiler, **kw: Any) -> str:
    day, months = (compiler.process(c, **kw) for c in element.clauses)
    # SQLite's '+N months' rolls 31 January into May; take the smaller of "same day in the
    # target month" and "last day of the target month" (ISO text compares as dates).
    same_day = (f"date({day}, 'start of month', '+' || ({months}) || ' months', "
                f"'+' || (CAST(strftime('%d', {day}) AS INTEGER) - 1) || ' days')")
    month_end = f"date({day}, 'start of month', '+' || ({months} + 1) || ' months', '-1 day')"
    return f"min({same_day}, {month_end})"
