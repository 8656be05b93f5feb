"""Effective end, overlap days, overlapping and running (DESIGN §4), in SQL and in Python,
each expected date and number worked out by hand."""
from datetime import date

import pytest
from sqlalchemy import select

from tests import factories as f
from tracker.counting.placements import (
    effective_end,
    effective_end_of,
    overlap_days,
    overlaps,
    running,
)
from tracker.models import Placement

AS_OF = date(2026, 5, 31)


def _placement(start=date(2026, 3, 2), **kw) -> Placement:
    return f.placement(f.participant(), f.organisation(), start_date=start, **kw)


def _sql(db, expression, placement):
    return db.session.scalar(select(expression).where(Placement.id == placement.id))


@pytest.mark.parametrize(("dates", "expected"), [
    ({"end_date": date(2026, 4, 30)}, date(2026, 4, 30)),            # actual end before as-of
    ({"end_date": date(2026, 7, 15)}, date(2026, 7, 15)),            # actual end after as-of
    ({"end_date": date(2026, 4, 30), "planned_end": date(2026, 3, 31)},
     date(2026, 4, 30)),                                             # actual end beats planned
    ({"planned_end": date(2026, 5, 30)}, date(2026, 5, 30)),         # planned end the day before
    ({"planned_end": AS_OF}, AS_OF),                                 # planned end on as-of
    ({"planned_end": date(2026, 6, 1)}, AS_OF),                      # planned end after as-of
    ({}, AS_OF),                                                     # no end at all
])
def test_effective_end(db, dates, expected):
    placement = _placement(**dates)

    assert _sql(db, effective_end(AS_OF), placement) == expected
    assert effective_end_of(placement, AS_OF) == expected


@pytest.mark.parametrize(("start", "dates", "period", "days"), [
    # 2..31 March inside the period 1 March .. 31 August: 30 days.
    (date(2026, 3, 2), {"end_date": date(2026, 3, 31)}, (date(2026, 3, 1), date(2026, 8, 31)), 30),
    # Started before the period: counted from its first day, 1..10 March = 10 days.
    (date(2026, 2, 1), {"end_date": date(2026, 3, 10)}, (date(2026, 3, 1), date(2026, 8, 31)), 10),
    # Runs past the period's end: 20..31 March = 12 days.
    (date(2026, 3, 20), {}, (date(2026, 1, 1), date(2026, 3, 31)), 12),
    # Open, no planned end: runs to the as-of date, 25..31 May = 7 days.
    (date(2026, 5, 25), {}, (date(2026, 1, 1), date(2026, 12, 31)), 7),
    # An actual end after the as-of date is cut at the as-of date: 30..31 May = 2 days.
    (date(2026, 5, 30), {"end_date": date(2026, 6, 15)}, (date(2026, 1, 1), date(2026, 12, 31)), 2),
    # Planned end before the as-of date ends it: 1..10 April = 10 days.
    (date(2026, 4, 1), {"planned_end": date(2026, 4, 10)}, (date(2026, 1, 1), date(2026, 12, 31)), 10),
    # One day, both ends inclusive.
    (date(2026, 4, 1), {"end_date": date(2026, 4, 1)}, (date(2026, 1, 1), date(2026, 12, 31)), 1),
    # Starts on the as-of date: 1 day.
    (AS_OF, {}, (date(2026, 1, 1), date(2026, 12, 31)), 1),
])
def test_overlap_days(db, start, dates, period, days):
    placement = _placement(start, **dates)

    assert _sql(db, overlap_days(*period, AS_OF), placement) == days
    assert _sql(db, overlaps(period[0], min(period[1], AS_OF)), placement) is True


@pytest.mark.parametrize(("start", "dates", "period"), [
    # Ended the day before the period starts: 28 February .. 27 February, zero days.
    (date(2026, 2, 1), {"end_date": date(2026, 2, 28)}, (date(2026, 3, 1), date(2026, 8, 31))),
    # Starts the day after the period ends.
    (date(2026, 4, 1), {}, (date(2026, 1, 1), date(2026, 3, 31))),
    # Starts the day after the as-of date.
    (date(2026, 6, 1), {}, (date(2026, 1, 1), date(2026, 12, 31))),
    # Planned to end before the period; not ended on paper, but its effective end is then.
    (date(2026, 1, 5), {"planned_end": date(2026, 2, 27)}, (date(2026, 3, 1), date(2026, 8, 31))),
])
def test_no_overlap(db, start, dates, period):
    placement = _placement(start, **dates)

    assert _sql(db, overlap_days(*period, AS_OF), placement) <= 0
    assert _sql(db, overlaps(period[0], min(period[1], AS_OF)), placement) is False


@pytest.mark.parametrize(("start", "dates", "runs"), [
    (AS_OF, {}, True),                                    # starts that day
    (date(2026, 6, 1), {}, False),                        # not started yet
    (date(2026, 5, 1), {"end_date": AS_OF}, True),        # its last day
    (date(2026, 5, 1), {"end_date": date(2026, 5, 30)}, False),
    (date(2026, 5, 1), {"planned_end": AS_OF}, True),     # planned to end that day
    (date(2026, 5, 1), {"planned_end": date(2026, 5, 30)}, False),  # overdue: counted as ended
    (date(2026, 5, 1), {"planned_end": date(2026, 5, 30), "end_date": date(2026, 6, 30)}, True),
])
def test_running(db, start, dates, runs):
    placement = _placement(start, **dates)

    assert _sql(db, running(AS_OF), placement) is runs
