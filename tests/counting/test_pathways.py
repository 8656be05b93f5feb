"""Moved into work or education, and follow-up due dates (DESIGN §4), worked out by hand."""
from datetime import date

import pytest
from sqlalchemy import literal, select

from tests import factories as f
from tracker.counting.pathways import add_months, moving, sql_add_months
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
