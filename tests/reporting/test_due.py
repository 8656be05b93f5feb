"""Reporting periods and due/overdue reports, with every date worked out by hand."""
from datetime import date

from sqlalchemy import event, select

from tests import factories
from tracker.models import Clause
from tracker.reporting.due import due_reports
from tracker.reporting.service import Period, reporting_periods


def _keys(rows):
    return [(r.contractor.name, r.clause.ref, r.period.start, r.period.end, r.period.deadline,
             r.status, r.returned, r.days_late) for r in rows]


def test_monthly_periods_are_calendar_months_cut_to_the_clause():
    # 20 January to 10 April: January from the 20th, February, March, April to the 10th.
    assert reporting_periods("monthly", date(2026, 1, 20), date(2026, 4, 10)) == [
        Period(date(2026, 1, 20), date(2026, 1, 31), "monthly"),
        Period(date(2026, 2, 1), date(2026, 2, 28), "monthly"),
        Period(date(2026, 3, 1), date(2026, 3, 31), "monthly"),
        Period(date(2026, 4, 1), date(2026, 4, 10), "monthly"),
    ]


def test_quarterly_periods_start_mid_quarter_and_cross_the_year():
    # 15 February 2026 (mid Q1) to 10 January 2027.
    assert reporting_periods("quarterly", date(2026, 2, 15), date(2027, 1, 10)) == [
        Period(date(2026, 2, 15), date(2026, 3, 31), "quarterly"),
        Period(date(2026, 4, 1), date(2026, 6, 30), "quarterly"),
        Period(date(2026, 7, 1), date(2026, 9, 30), "quarterly"),
        Period(date(2026, 10, 1), date(2026, 12, 31), "quarterly"),
        Period(date(2027, 1, 1), date(2027, 1, 10), "quarterly"),
    ]


def test_one_day_clause_has_one_period():
    assert reporting_periods("quarterly", date(2026, 5, 5), date(2026, 5, 5)) == [
        Period(date(2026, 5, 5), date(2026, 5, 5), "quarterly")]


def test_deadline_is_thirty_days_after_the_period_end():
    # 28 February + 30 days = 30 March (2026 is no leap year).
    assert Period(date(2026, 2, 1), date(2026, 2, 28), "monthly").deadline == date(2026, 3, 30)


def test_monthly_clause_due_and_overdue(db, world):
    clause = world.hours_a
    clause.frequency = "monthly"
    # January approved, February returned (outstanding), March returned then corrected
    # (version 2 submitted: settled), April not reported. May has not ended on 15 May.
    factories.report(clause, world.a, period_start=date(2026, 1, 1),
                     period_end=date(2026, 1, 31), status="approved")
    factories.report(clause, world.a, period_start=date(2026, 2, 1),
                     period_end=date(2026, 2, 28), status="returned", review_note="Mangler bilag")
    factories.report(clause, world.a, period_start=date(2026, 3, 1),
                     period_end=date(2026, 3, 31), status="returned", review_note="Forkerte timer")
    factories.report(clause, world.a, period_start=date(2026, 3, 1),
                     period_end=date(2026, 3, 31), report_version=2, status="submitted")
    db.session.commit()

    rows = due_reports(select(Clause).where(Clause.id == clause.id), date(2026, 5, 15))

    # February: ended 28.02, deadline 30.03, 46 days late on 15.05 (1 + 30 + 15).
    # April: ended 30.04, deadline 30.05: still due.
    assert _keys(rows) == [
        ("Aarhus Byg A/S", "K-P1", date(2026, 2, 1), date(2026, 2, 28), date(2026, 3, 30),
         "overdue", True, 46),
        ("Aarhus Byg A/S", "K-P1", date(2026, 4, 1), date(2026, 4, 30), date(2026, 5, 30),
         "due", False, 0),
    ]


def test_due_until_the_deadline_day_overdue_the_day_after(db, world):
    clause = world.hours_a  # quarterly, 2026; Q1 ends 31.03, deadline 30.04
    db.session.commit()
    query = select(Clause).where(Clause.id == clause.id)

    assert [(r.period.start, r.status) for r in due_reports(query, date(2026, 4, 30))] == [
        (date(2026, 1, 1), "due")]
    assert [(r.period.start, r.status) for r in due_reports(query, date(2026, 5, 1))] == [
        (date(2026, 1, 1), "overdue")]
    # The last day of the period is not yet ended: nothing due.
    assert due_reports(query, date(2026, 3, 31)) == []


def test_quarterly_clause_starting_mid_quarter_for_every_contractor(db, world):
    # No responsible contractor: A and B, both on project P, report. 15.02–10.11.2026.
    clause = world.shared
    clause.frequency = "quarterly"
    clause.start_date, clause.end_date = date(2026, 2, 15), date(2026, 11, 10)
    factories.report(clause, world.a, period_start=date(2026, 2, 15),
                     period_end=date(2026, 3, 31), status="submitted")
    db.session.commit()

    rows = due_reports(select(Clause).where(Clause.id == clause.id), date(2026, 7, 20))

    # First period 15.02–31.03 (deadline 30.04: overdue by 81 days on 20.07: 31 May + 30 June
    # + 20 July); second 01.04–30.06 (deadline 30.07: due). The third ends 30.09: not yet.
    assert _keys(rows) == [
        ("Bispehaven Entreprise ApS", "K-P2", date(2026, 2, 15), date(2026, 3, 31),
         date(2026, 4, 30), "overdue", False, 81),
        ("Aarhus Byg A/S", "K-P2", date(2026, 4, 1), date(2026, 6, 30), date(2026, 7, 30),
         "due", False, 0),
        ("Bispehaven Entreprise ApS", "K-P2", date(2026, 4, 1), date(2026, 6, 30),
         date(2026, 7, 30), "due", False, 0),
    ]
    # One contractor's own list.
    own = due_reports(select(Clause).where(Clause.id == clause.id), date(2026, 7, 20),
                      contractor_id=world.a.id)
    assert [(r.contractor.name, r.period.start) for r in own] == [
        ("Aarhus Byg A/S", date(2026, 4, 1))]


def test_last_period_is_cut_at_the_clause_end(db, world):
    clause = world.hours_b  # quarterly, B responsible
    clause.end_date = date(2026, 2, 10)
    db.session.commit()

    rows = due_reports(select(Clause).where(Clause.id == clause.id), date(2026, 3, 1))

    # The only period is 01.01–10.02; deadline 12.03 (10.02 + 30 days).
    assert _keys(rows) == [("Bispehaven Entreprise ApS", "K-Q1", date(2026, 1, 1),
                            date(2026, 2, 10), date(2026, 3, 12), "due", False, 0)]


def test_draft_agreements_and_unstarted_clauses_are_not_due(db, world):
    world.agreement_p.status = "draft"
    world.hours_b.start_date = date(2026, 6, 1)
    db.session.commit()

    assert due_reports(select(Clause), date(2026, 5, 15)) == []


def test_due_reports_take_a_fixed_number_of_statements(db, world):
    def statements(today):
        seen = []

        def listener(*args):
            seen.append(args[2])

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            rows = due_reports(select(Clause), today)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen), len(rows)

    few = statements(date(2026, 2, 15))
    many = statements(date(2026, 12, 31))
    # 15.02: January of the monthly clause for A and B (2 rows); 31.12: 11 months × 2
    # contractors + 3 quarters of K-P1 + 3 quarters of K-Q1 = 28 rows.
    assert few[1] == 2 and many[1] == 28
    assert few[0] == many[0] == 1
