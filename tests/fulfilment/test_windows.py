"""Registered figures inside a window (a report's period), computed by hand."""
from datetime import date
from decimal import Decimal

from sqlalchemy import event

from tests import factories
from tracker.counting import Window, window_registered


def _world(db, unit="weeks"):
    firm = factories.organisation("contractor")
    project = factories.project(contractors=[firm], start_date=date(2026, 1, 1),
                                end_date=date(2026, 12, 31))
    clause = factories.clause(factories.agreement(project), kind="any", unit=unit, target="10")
    amina, bo = factories.participant(), factories.participant()
    factories.placement(amina, firm, project=project, start_date=date(2026, 2, 1),
                        end_date=date(2026, 2, 28), hours_per_week=37)
    factories.placement(bo, firm, project=project, start_date=date(2026, 3, 15),
                        hours_per_week=20)          # still running, no planned end
    db.session.commit()
    return clause


def test_weeks_persons_and_hours_inside_windows(db):
    clause = _world(db)
    q1 = Window(1, clause.id, date(2026, 1, 1), date(2026, 3, 31))
    q2 = Window(2, clause.id, date(2026, 4, 1), date(2026, 6, 30))
    figures = window_registered([q1, q2])
    # Q1: February 28 days + 15.–31. March 17 days = 45 days = 45/7 weeks.
    assert figures[1].quantize(Decimal("0.0001")) == (Decimal(45) / 7).quantize(Decimal("0.0001"))
    # Q2: Bo runs all 91 days (the window's end is its as-of date).
    assert figures[2].quantize(Decimal("0.0001")) == (Decimal(91) / 7).quantize(Decimal("0.0001"))


def test_persons_and_share_of_hours(db):
    persons = _world(db, unit="persons")
    figures = window_registered([Window(7, persons.id, date(2026, 2, 1), date(2026, 2, 28)),
                                 Window(8, persons.id, date(2026, 4, 1), date(2026, 4, 30))])
    assert (figures[7], figures[8]) == (Decimal(1), Decimal(1))  # Amina; then Bo
    share = factories.clause(persons.agreement, kind="any", unit="percent_hours", target="10")
    db.session.commit()
    window = Window(9, share.id, date(2026, 2, 1), date(2026, 2, 28))
    # 28 days × 37 h / 7 = 148 hours of 1,000 site hours = 14.8 %.
    assert window_registered([window], {9: Decimal(1000)})[9] == Decimal("14.8")
    assert window_registered([window])[9] is None  # no site hours, no share


def test_one_window_or_thirty_take_the_same_statements(db):
    clause = _world(db)

    def count(windows):
        statements = []
        listener = lambda *args: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            window_registered(windows)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    one = [Window(1, clause.id, date(2026, 1, 1), date(2026, 1, 31))]
    thirty = [Window(n, clause.id, date(2026, 1, n), date(2026, 1, n)) for n in range(1, 31)]
    assert count(one) == count(thirty) == 2
