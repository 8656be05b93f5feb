"""Moved into work or education, the end of a pathway, follow-up due dates and placements
to close (DESIGN §4), worked out by hand."""
from datetime import date

import pytest
from sqlalchemy import literal, select

from tests import factories as f
from tracker.counting.pathways import (
    add_months,
    ends_pathway,
    is_pathway_end,
    moving,
    sql_add_months,
    to_close,
)
from tracker.models import Placement

FIRST, LAST = date(2026, 1, 1), date(2026, 6, 30)


@pytest.mark.parametrize(("kind", "dates", "outcome", "moved"), [
    ("internship", (date(2025, 11, 1), FIRST), "ordinary_job", True),       # ended on the first day
    ("internship", (date(2025, 11, 1), date(2025, 12, 31)), "education", False),  # the day before
    ("wage_subsidy", (date(2026, 2, 1), LAST), "education", True),          # ended on the last day
    ("internship", (date(2026, 5, 1), date(2026, 7, 1)), "ordinary_job", False),  # after the period
    ("internship", (date(2026, 2, 1), date(2026, 3, 1)), "unemployed", False),
    ("internship", (date(2026, 2, 1), date(2026, 3, 1)), "next_placement", False),
    ("apprenticeship", (LAST, None), None, True),                           # started on the last day
    ("ordinary_job", (FIRST, None), None, True),                            # started on the first day
    ("ordinary_job", (date(2025, 12, 31), None), None, False),              # started before
    ("ordinary_job", (date(2026, 7, 1), None), None, False),                # started after
    ("wage_subsidy", (date(2026, 2, 1), None), None, False),                # not a moving kind
    # Started before the period, ended in it with a moving outcome: dated by the end.
    ("ordinary_job", (date(2025, 6, 1), date(2026, 3, 31)), "education", True),
])
def test_moving(db, kind, dates, outcome, moved):
    placement = f.placement(f.participant(), f.organisation(), kind, start_date=dates[0],
                            end_date=dates[1], outcome=outcome)

    # As a filter, as the summaries use it (a NULL outcome makes the condition NULL, not false).
    assert db.session.scalars(
        select(Placement.id).where(moving(FIRST, LAST))).all() == ([placement.id] if moved else [])


@pytest.mark.parametrize(("day", "months", "due"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),    # February has 28 days in 2026
    (date(2028, 1, 31), 1, date(2028, 2, 29)),    # and 29 in 2028
    (date(2026, 8, 31), 3, date(2026, 11, 30)),   # November has 30
    (date(2026, 11, 30), 3, date(2027, 2, 28)),   # into the next year
    (date(2026, 10, 15), 6, date(2027, 4, 15)),
    (date(2026, 2, 28), 12, date(2027, 2, 28)),
    (date(2027, 2, 28), 12, date(2028, 2, 28)),   # not moved to the leap day
    (date(2028, 2, 29), 12, date(2029, 2, 28)),
])
def test_follow_up_due_in_sql_and_python(db, day, months, due):
    assert add_months(day, months) == due
    assert db.session.scalar(select(sql_add_months(literal(day), literal(months)))) == due


@pytest.mark.parametrize(("end", "outcome", "linked", "ends"), [
    (date(2026, 3, 31), "ordinary_job", False, True),
    (date(2026, 3, 31), "unemployed", False, True),
    (date(2026, 3, 31), "dropped_out", False, True),
    (date(2026, 3, 31), "next_placement", False, False),  # led on; the next one not yet made
    (date(2026, 3, 31), "ordinary_job", True, False),     # linked to the next placement
    (date(2026, 3, 31), "next_placement", True, False),
    (date(2026, 3, 31), None, False, False),              # ended, outcome not yet recorded
    (None, None, False, False),                           # running
])
def test_ends_pathway_in_sql_and_python(db, end, outcome, linked, ends):
    person, firm = f.participant(), f.organisation()
    placement = f.placement(person, firm, start_date=date(2026, 3, 1), end_date=end,
                            outcome=outcome)
    if linked:  # the next placement is still running: it ends no pathway either
        placement.next_placement_id = f.placement(person, firm, "ordinary_job",
                                                  start_date=date(2026, 4, 1)).id
        db.session.flush()
    assert is_pathway_end(placement) is ends
    assert db.session.scalars(select(Placement.id).where(ends_pathway())).all() == (
        [placement.id] if ends else [])


@pytest.mark.parametrize(("planned", "end", "outcome", "listed"), [
    (date(2026, 6, 29), None, None, True),                     # planned end the day before
    (date(2026, 6, 30), None, None, False),                    # planned end on the as-of date
    (date(2026, 7, 1), None, None, False),                     # planned end still ahead
    (None, None, None, False),                                 # no planned end
    (date(2026, 5, 1), date(2026, 5, 1), None, True),          # ended, no outcome
    (date(2026, 5, 1), date(2026, 5, 1), "unemployed", False),  # closed
    (date(2026, 5, 1), date(2026, 4, 20), "next_placement", False),
])
def test_to_close(db, planned, end, outcome, listed):
    placement = f.placement(f.participant(), f.organisation(), start_date=date(2026, 4, 1),
                            planned_end=planned, end_date=end, outcome=outcome)
    assert db.session.scalars(select(Placement.id).where(to_close(LAST))).all() == (
        [placement.id] if listed else [])
