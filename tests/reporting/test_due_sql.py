"""Due and overdue reports counted and paged in SQL (`due_report_counts`, `due_report_page`),
every figure worked out by hand. The world (conftest): project P (2026) with contractors A
and B, clause K-P1 (quarterly, A responsible) and K-P2 (monthly, A and B both report);
project Q with B and clause K-Q1 (quarterly, B responsible)."""
from datetime import date

import pytest
from sqlalchemy import event, select

from tests import factories
from tracker.models import Clause, ClauseReporter, ProjectContractor
from tracker.reporting.due import due_report_counts, due_report_page, due_reports

TODAY = date(2026, 5, 15)


def _rows(items):
    return [(d.contractor.name[:1], d.clause.ref, d.period.start, d.period.end, d.status,
             d.returned) for d in items]


def _one_clause(**clause_kw):
    """A project of its own (2026) with one contractor and one clause."""
    firm = factories.organisation("contractor", name="Cirkel Murer ApS")
    project = factories.project(contractors=[firm], case_number="2026-C")
    return factories.clause(factories.agreement(project), ref="K-C1", **clause_kw), firm


def _counts(clause, today):
    return due_report_counts(select(Clause).where(Clause.id == clause.id), today)


# --- the SQL month helpers --------------------------------------------------------------------

@pytest.mark.parametrize("day, number, first, last, quarter_last", [
    # 2024 × 12 + 2 − 1 = 24289; February 2024 has 29 days; its quarter ends 31.03.
    (date(2024, 2, 10), 24289, date(2024, 2, 1), date(2024, 2, 29), date(2024, 3, 31)),
    (date(2026, 1, 31), 24312, date(2026, 1, 1), date(2026, 1, 31), date(2026, 3, 31)),
    (date(2026, 12, 1), 24323, date(2026, 12, 1), date(2026, 12, 31), date(2026, 12, 31)),
])
def test_month_helpers(db, day, number, first, last, quarter_last):
    from sqlalchemy import Date, literal

    from tracker.sqlfunctions import day_of_month, first_of_month, last_of_month, month_number

    n = month_number(literal(day, Date()))
    row = db.session.execute(select(
        n, first_of_month(n), last_of_month(n), last_of_month(n // 3 * 3 + 2),
        day_of_month(literal(day, Date())))).one()
    assert tuple(row) == (number, first, last, quarter_last, day.day)


# --- counting ---------------------------------------------------------------------------------

def test_counts_of_the_world_by_contractor_and_project(db, world):
    everything = select(Clause)

    # K-P1 Q1 (A, overdue); K-P2 January–March overdue and April due (deadline 30.05), for
    # A and for B; K-Q1 Q1 (B, overdue): 1 + 4 × 2 + 1 = 10 missing, 1 + 3 × 2 + 1 = 8 overdue.
    assert due_report_counts(everything, TODAY) == (10, 8)
    # A: K-P1 Q1 and K-P2 January–April. B: K-P2 January–April and K-Q1 Q1.
    assert due_report_counts(everything, TODAY, contractor_id=world.a.id) == (5, 4)
    assert due_report_counts(everything, TODAY, contractor_id=world.b.id) == (5, 4)
    assert due_report_counts(everything, TODAY, project_id=world.q.id) == (1, 1)
    # The scope given is respected: only clause K-P1.
    assert due_report_counts(select(Clause).where(Clause.ref == "K-P1"), TODAY) == (1, 1)


def test_submitted_or_approved_newest_version_settles_returned_does_not(db, world):
    shared = world.shared  # K-P2, monthly, A and B
    month = {m: (date(2026, m, 1), date(2026, m + 1, 1) - date.resolution) for m in range(1, 5)}

    def report(contractor, m, status, version=1):
        start, end = month[m]
        return factories.report(shared, contractor, period_start=start, period_end=end,
                                status=status, report_version=version,
                                review_note="Mangler bilag" if status == "returned" else None)

    report(world.a, 1, "approved")                       # settled
    factories.report(world.hours_a, world.a, status="submitted")  # K-P1 Q1: settled
    returned_feb = report(world.b, 2, "returned")       # still missing, to correct
    report(world.b, 3, "approved")
    returned_mar = report(world.b, 3, "returned", 2)    # newest returned: missing again
    report(world.b, 4, "returned")
    report(world.b, 4, "submitted", 2)                  # the correction settles April
    report(world.a, 3, "submitted")
    report(world.a, 3, "approved", 2)                   # settled
    db.session.commit()

    # 10 missing / 8 overdue less A January, K-P1 Q1 and A March (all overdue) and B April
    # (due): 6 missing, 5 overdue.
    assert due_report_counts(select(Clause), TODAY) == (6, 5)
    page = due_report_page(select(Clause), TODAY)
    # By end: 31.01, then 28.02 (A before B: the contractor name decides when case number and
    # clause are the same), 31.03 (case 2026-P before 2026-Q), 30.04.
    assert _rows(page.items) == [
        ("B", "K-P2", date(2026, 1, 1), date(2026, 1, 31), "overdue", False),
        ("A", "K-P2", date(2026, 2, 1), date(2026, 2, 28), "overdue", False),
        ("B", "K-P2", date(2026, 2, 1), date(2026, 2, 28), "overdue", True),
        ("B", "K-P2", date(2026, 3, 1), date(2026, 3, 31), "overdue", True),
        ("B", "K-Q1", date(2026, 1, 1), date(2026, 3, 31), "overdue", False),
        ("A", "K-P2", date(2026, 4, 1), date(2026, 4, 30), "due", False),
    ]
    assert [d.latest_id for d in page.items] == [
        None, None, returned_feb.id, returned_mar.id, None, None]
    # January: 31.01 + 30 days = 02.03, 74 days before 15.05 (29 + 30 + 15); April: 0.
    assert [d.days_late for d in page.items][::5] == [74, 0]
    assert (page.total, page.overdue, page.pages) == (6, 5, 1)
    # The same rows, as objects, from due_reports, and page by page (page 3 starts at 31.03:
    # the settled K-P1 report from 01.01 must still be seen there).
    assert _rows(due_reports(select(Clause), TODAY)) == _rows(page.items)
    assert sum((_rows(due_report_page(select(Clause), TODAY, page=n, per_page=2).items)
                for n in (1, 2, 3)), []) == _rows(page.items)


def test_due_on_the_deadline_day_overdue_the_day_after_monthly(db):
    clause, _firm = _one_clause(frequency="monthly")
    db.session.commit()

    # 28.02 is the last day of February: only January has ended (deadline 31.01 + 30 = 02.03).
    assert _counts(clause, date(2026, 2, 28)) == (1, 0)
    # 01.03: February has ended too (deadline 30.03).
    assert _counts(clause, date(2026, 3, 1)) == (2, 0)
    # 02.03: January's deadline day, still due.
    assert _counts(clause, date(2026, 3, 2)) == (2, 0)
    # 03.03: January overdue.
    assert _counts(clause, date(2026, 3, 3)) == (2, 1)
    # 01.02: only January has ended (31.01 < 01.02); 31.01 itself: nothing yet.
    assert _counts(clause, date(2026, 2, 1)) == (1, 0)
    assert _counts(clause, date(2026, 1, 31)) == (0, 0)


def test_quarter_boundaries(db):
    clause, _firm = _one_clause(frequency="quarterly")
    db.session.commit()

    assert _counts(clause, date(2026, 3, 31)) == (0, 0)   # Q1 ends today
    assert _counts(clause, date(2026, 4, 1)) == (1, 0)    # Q1 ended, deadline 30.04
    assert _counts(clause, date(2026, 4, 30)) == (1, 0)   # the deadline day
    assert _counts(clause, date(2026, 5, 1)) == (1, 1)
    # 01.10: Q1 and Q2 overdue (deadline 30.07), Q3 ended 30.09 (deadline 30.10): due.
    assert _counts(clause, date(2026, 10, 1)) == (3, 2)
    # The year after the project: all four quarters ended long ago.
    assert _counts(clause, date(2027, 6, 1)) == (4, 4)


def test_clause_dates_override_the_projects_and_cut_the_periods(db):
    # Project 2026; clause 15.02–10.08.2026, quarterly: 15.02–31.03 (deadline 30.04),
    # 01.04–30.06 (deadline 30.07), 01.07–10.08 (deadline 09.09).
    clause, firm = _one_clause(frequency="quarterly", start_date=date(2026, 2, 15),
                               end_date=date(2026, 8, 10))
    db.session.commit()
    scope = select(Clause).where(Clause.id == clause.id)

    # 09.09 is the last period's deadline day: due; the two others overdue.
    assert _counts(clause, date(2026, 9, 9)) == (3, 2)
    assert [(d.period.start, d.period.end, d.status)
            for d in due_report_page(scope, date(2026, 9, 9)).items] == [
        (date(2026, 2, 15), date(2026, 3, 31), "overdue"),
        (date(2026, 4, 1), date(2026, 6, 30), "overdue"),
        (date(2026, 7, 1), date(2026, 8, 10), "due"),
    ]
    # A report on the project's quarter (from 01.01) is on no period of the clause.
    factories.report(clause, firm, period_start=date(2026, 1, 1), period_end=date(2026, 3, 31),
                     status="approved")
    db.session.commit()
    assert _counts(clause, date(2026, 9, 9)) == (3, 2)
    # One from the clause's start settles the first period, one from 01.07 the cut last one.
    factories.report(clause, firm, period_start=date(2026, 2, 15), period_end=date(2026, 3, 31),
                     status="approved")
    factories.report(clause, firm, period_start=date(2026, 7, 1), period_end=date(2026, 8, 10),
                     status="submitted")
    db.session.commit()
    assert _counts(clause, date(2026, 9, 9)) == (1, 1)
    # Before the clause begins nothing is due; on 01.04 its first period has ended.
    assert _counts(clause, date(2026, 2, 14)) == (0, 0)
    assert _counts(clause, date(2026, 4, 1)) == (0, 0)  # settled by the approved report


def test_a_report_on_no_period_start_settles_nothing(db):
    monthly, firm = _one_clause(frequency="monthly")
    quarterly = factories.clause(monthly.agreement, ref="K-C2", frequency="quarterly",
                                 responsible_contractor=firm)
    # Mid-month on the monthly clause; 01.02 (a month, not a quarter) on the quarterly one.
    factories.report(monthly, firm, period_start=date(2026, 1, 10),
                     period_end=date(2026, 1, 31), status="approved")
    factories.report(quarterly, firm, period_start=date(2026, 2, 1),
                     period_end=date(2026, 3, 31), status="approved")
    db.session.commit()

    # 15.05: January–April of K-C1 (3 overdue) and Q1 of K-C2 (overdue), none settled.
    assert due_report_counts(select(Clause), TODAY) == (5, 4)


def test_monthly_clause_ending_mid_month(db):
    # 01.01–10.03.2026: January, February and 01.03–10.03 (deadline 09.04).
    clause, _firm = _one_clause(frequency="monthly", end_date=date(2026, 3, 10))
    db.session.commit()

    assert _counts(clause, date(2026, 3, 10)) == (2, 1)   # January overdue since 03.03
    assert _counts(clause, date(2026, 3, 11)) == (3, 1)
    assert _counts(clause, date(2026, 4, 10)) == (3, 3)   # the day after 09.04


def test_draft_agreements_and_clauses_not_begun_are_not_due(db, world):
    world.agreement_p.status = "draft"
    world.hours_b.start_date = date(2026, 6, 1)
    db.session.commit()

    assert due_report_counts(select(Clause), TODAY) == (0, 0)
    page = due_report_page(select(Clause), TODAY, page=3)
    assert (page.items, page.total, page.page, page.pages) == ([], 0, 1, 1)


def test_a_report_from_a_contractor_that_does_not_owe_it_settles_nothing(db, world):
    c = factories.organisation("contractor", name="Christiansen VVS")
    # B reports on A's clause K-P1; C, not on project P, on K-P2 (open to A and B).
    factories.report(world.hours_a, world.b, status="approved")
    factories.report(world.shared, c, period_start=date(2026, 1, 1),
                     period_end=date(2026, 1, 31), status="approved")
    db.session.commit()

    assert due_report_counts(select(Clause), TODAY) == (10, 8)
    # On the project as a subcontractor, C owes nothing: only the main contractors report.
    world.p.contractors.append(ProjectContractor(contractor=c, role="sub"))
    db.session.commit()
    assert due_report_counts(select(Clause), TODAY) == (10, 8)
    # Chosen with A and B, it owes K-P2 too (January–April) and its report settles January:
    # 10 + 4 − 1 = 13 missing, 8 + 3 − 1 = 10 overdue.
    world.shared.reporters = [ClauseReporter(contractor=firm) for firm in (world.a, world.b, c)]
    db.session.commit()
    assert due_report_counts(select(Clause), TODAY) == (13, 10)
    assert due_report_counts(select(Clause), TODAY, contractor_id=c.id) == (3, 2)


# --- paging -----------------------------------------------------------------------------------

def test_pages_split_within_a_deadline_and_out_of_range_pages(db, world):
    everything = select(Clause)
    # The ten rows in order: 31.01 A, B; 28.02 A, B; 31.03 K-P1 A, K-P2 A, K-P2 B, K-Q1 B;
    # 30.04 A, B (due).
    pages = [_rows(due_report_page(everything, TODAY, page=n, per_page=3).items)
             for n in (1, 2, 3, 4)]

    assert [[(who, ref, start.month) for who, ref, start, *_rest in rows] for rows in pages] == [
        [("A", "K-P2", 1), ("B", "K-P2", 1), ("A", "K-P2", 2)],
        [("B", "K-P2", 2), ("A", "K-P1", 1), ("A", "K-P2", 3)],
        [("B", "K-P2", 3), ("B", "K-Q1", 1), ("A", "K-P2", 4)],
        [("B", "K-P2", 4)],
    ]
    assert pages[3][0][4] == "due" and pages[2][1][4] == "overdue"
    whole = due_report_page(everything, TODAY, page=1, per_page=3)
    assert (whole.total, whole.overdue, whole.pages, whole.has_next) == (10, 8, 4, True)
    # Beyond the last page: the last page; before the first: the first.
    assert due_report_page(everything, TODAY, page=9, per_page=3).page == 4
    assert due_report_page(everything, TODAY, page=-2, per_page=3).page == 1
    # Paged or not, the same rows.
    assert sum(pages, []) == _rows(due_reports(everything, TODAY))


def test_page_filtered_by_status_contractor_and_project(db, world):
    everything = select(Clause)

    overdue = due_report_page(everything, TODAY, status="overdue", per_page=5, page=2)
    # Eight overdue: page 2 of 5 rows holds the sixth to the eighth.
    assert (overdue.total, overdue.overdue, overdue.pages) == (8, 8, 2)
    assert [(r[0], r[1], r[2].month) for r in _rows(overdue.items)] == [
        ("A", "K-P2", 3), ("B", "K-P2", 3), ("B", "K-Q1", 1)]
    due = due_report_page(everything, TODAY, status="due")
    assert (due.total, due.overdue) == (2, 0)
    assert [(r[0], r[2]) for r in _rows(due.items)] == [
        ("A", date(2026, 4, 1)), ("B", date(2026, 4, 1))]
    only_b = due_report_page(everything, TODAY, contractor_id=world.b.id, status="overdue")
    assert [(r[1], r[2].month) for r in _rows(only_b.items)] == [
        ("K-P2", 1), ("K-P2", 2), ("K-P2", 3), ("K-Q1", 1)]
    on_q = due_report_page(everything, TODAY, project_id=world.q.id)
    assert [(r[0], r[1]) for r in _rows(on_q.items)] == [("B", "K-Q1")]


def test_a_page_reaches_back_over_years(db, world):
    # K-P2 from 01.01.2024 (the clause's start before the project's): 28 months ended by
    # 15.05.2026 for A and for B, plus K-P1 and K-Q1: 58 rows, 56 overdue.
    world.shared.start_date = date(2024, 1, 1)
    db.session.commit()
    everything = select(Clause)

    first = due_report_page(everything, TODAY)
    last = due_report_page(everything, TODAY, page=3)

    assert (first.total, first.overdue, first.pages) == (58, 56, 3)
    assert [(r[0], r[2]) for r in _rows(first.items)[:3]] == [
        ("A", date(2024, 1, 1)), ("B", date(2024, 1, 1)), ("A", date(2024, 2, 1))]
    # Rows 51–58: February 2026 (A, B), then 31.03: K-P1, K-P2 A and B, K-Q1, then April.
    assert [(r[0], r[1], r[2]) for r in _rows(last.items)] == [
        ("A", "K-P2", date(2026, 2, 1)), ("B", "K-P2", date(2026, 2, 1)),
        ("A", "K-P1", date(2026, 1, 1)), ("A", "K-P2", date(2026, 3, 1)),
        ("B", "K-P2", date(2026, 3, 1)), ("B", "K-Q1", date(2026, 1, 1)),
        ("A", "K-P2", date(2026, 4, 1)), ("B", "K-P2", date(2026, 4, 1)),
    ]
    # January 2024 ended 31.01.2024: deadline 01.03.2024 (a leap year), 805 days before
    # 15.05.2026 (306 days to the end of 2024, 365 in 2025, 134 to 15.05.2026).
    assert first.items[0].days_late == 805


# --- statements -------------------------------------------------------------------------------

def _statements(call) -> int:
    from tracker.extensions import db

    seen = []

    def listener(*args):
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(seen)


@pytest.mark.parametrize("start", [date(2026, 1, 1), date(2020, 1, 1)])
def test_a_fixed_number_of_statements_however_many_periods(db, world, start):
    world.shared.start_date = start  # 4 or 76 months of K-P2 by 15 May 2026
    db.session.commit()

    assert _statements(lambda: due_report_counts(select(Clause), TODAY)) == 1
    # A page: the counts, then the page's periods with their clauses and contractors.
    assert _statements(lambda: due_report_page(select(Clause), TODAY, page=2, per_page=3)) == 2
    assert _statements(lambda: due_reports(select(Clause), TODAY)) == 1


# --- the page ---------------------------------------------------------------------------------

def test_reports_page_shows_one_page_and_exports_every_row(db, client, login, world):
    world.shared.start_date = date(2024, 1, 1)  # 58 rows, 56 overdue (see above)
    db.session.commit()
    login(world.users["staff"])

    body = client.get("/reports/?page=3").get_data(as_text=True)

    assert "58 rækker" in body
    assert "Side 3 af 3" in body
    assert "56 indberetninger har overskredet fristen." in body
    # Page 3 holds February 2026 to April 2026, not 2024.
    assert "februar 2026" in body and "april 2026" in body and "1. kvartal 2026" in body
    assert "januar 2024" not in body and "januar 2026" not in body
    export = client.get("/reports/?export=csv&page=3").get_data(as_text=True)
    lines = export.lstrip("\ufeff").strip().split("\r\n")
    assert len(lines) == 1 + 58
    assert lines[1].split(";")[7] == "2024-01-01" and lines[-1].split(";")[7] == "2026-04-01"
