"""Reporting obligations (tracker.reporting.obligations), every row counted by hand.

A project of its own for 2026 with a main contractor M and subcontractors S and T; "today"
is passed to the lists, the pages use 15 May 2026 (conftest)."""
from datetime import date

import pytest
from sqlalchemy import select

from tests import factories
from tracker.models import Clause, ClauseReporter, ProjectContractor, ReportObligation
from tracker.reporting.due import due_report_counts, due_reports

AUGUST = date(2026, 8, 15)


@pytest.fixture()
def site(db):
    m = factories.organisation("contractor", name="Mølleå Byg A/S", email="post@moelleaa.dk")
    s = factories.organisation("contractor", name="Søholm Stillads ApS", email="post@soeholm.dk")
    t = factories.organisation("contractor", name="Tårnby Tag ApS", email="post@taarnby.dk")
    project = factories.project(contractors=[m], case_number="2026-O", name="Ølby etape 1")
    project.contractors += [ProjectContractor(contractor=s, role="sub"),
                            ProjectContractor(contractor=t, role="sub")]
    agreement = factories.agreement(project)
    db.session.commit()
    return m, s, t, project, agreement


def _rows(clause=None):
    query = select(ReportObligation.contractor_id, ReportObligation.period_start,
                   ReportObligation.period_end, ReportObligation.state)
    if clause is not None:
        query = query.where(ReportObligation.clause_id == clause.id)
    from tracker.extensions import db

    return sorted(db.session.execute(query).tuples())


def test_a_clause_of_all_contractors_is_reported_by_the_main_contractor(db, site):
    m, s, t, project, agreement = site
    clause = factories.clause(agreement, frequency="quarterly")
    db.session.commit()

    # Four quarters of 2026, owed by M alone; the subcontractors owe nothing.
    assert _rows(clause) == [
        (m.id, date(2026, 1, 1), date(2026, 3, 31), "due"),
        (m.id, date(2026, 4, 1), date(2026, 6, 30), "due"),
        (m.id, date(2026, 7, 1), date(2026, 9, 30), "due"),
        (m.id, date(2026, 10, 1), date(2026, 12, 31), "due"),
    ]
    # 15 August: Q1 (deadline 30.04) and Q2 (deadline 30.07) are overdue.
    assert due_report_counts(select(Clause), AUGUST) == (2, 2)
    assert due_report_counts(select(Clause), AUGUST, contractor_id=s.id) == (0, 0)


def test_the_chosen_reporter_owes_instead_of_the_main_contractor(db, site):
    m, s, t, project, agreement = site
    clause = factories.clause(agreement, frequency="quarterly")
    clause.reporters.append(ClauseReporter(contractor=s))
    db.session.commit()

    assert {row[0] for row in _rows(clause)} == {s.id}
    assert len(_rows(clause)) == 4
    assert due_report_counts(select(Clause), AUGUST, contractor_id=s.id) == (2, 2)
    assert due_report_counts(select(Clause), AUGUST, contractor_id=m.id) == (0, 0)
    assert due_report_counts(select(Clause), AUGUST, contractor_id=t.id) == (0, 0)

    # A chosen reporter that leaves the project owes nothing more; M reports again.
    project.contractors = [pc for pc in project.contractors if pc.contractor_id != s.id]
    db.session.commit()
    assert {row[0] for row in _rows(clause)} == {m.id}


def test_a_responsible_subcontractor_owes_its_own_clause(db, site):
    m, s, t, project, agreement = site
    clause = factories.clause(agreement, frequency="quarterly", responsible_contractor=t)
    db.session.commit()

    assert {row[0] for row in _rows(clause)} == {t.id}
    assert due_report_counts(select(Clause), AUGUST, contractor_id=t.id) == (2, 2)


def test_a_clause_entered_late_owes_from_the_period_it_was_entered_in(db, site):
    m, s, t, project, agreement = site
    # Entered 10 May: owed from Q2 (01.04–30.06); Q1 is not owed.
    clause = factories.clause(agreement, frequency="quarterly", reporting_from=date(2026, 5, 10))
    db.session.commit()

    assert [row[1] for row in _rows(clause)] == [
        date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1)]
    assert due_report_counts(select(Clause), AUGUST) == (1, 1)  # Q2, overdue since 31.07
    assert due_report_counts(select(Clause), date(2026, 7, 15)) == (1, 0)  # Q2 due until 30.07


def test_a_waived_period_is_owed_no_more_and_stays_waived(db, site, app):
    m, s, t, project, agreement = site
    clause = factories.clause(agreement, frequency="quarterly")
    staff = factories.user("staff")
    db.session.commit()
    q1 = db.session.scalar(select(ReportObligation).where(
        ReportObligation.clause_id == clause.id, ReportObligation.period_start == date(2026, 1, 1)))

    from tracker.reporting import service

    service.waive(q1, staff, "Byggepladsen var lukket i 1. kvartal.")
    db.session.commit()
    assert due_report_counts(select(Clause), AUGUST) == (1, 1)  # Q2 only
    # A change to the clause brings its obligations up to date: the waiver stays.
    clause.text = "Ændret tekst"
    db.session.commit()
    db.session.refresh(q1)
    assert (q1.state, q1.waived_reason, q1.waived_by_id) == (
        "waived", "Byggepladsen var lukket i 1. kvartal.", staff.id)
    assert [d.period.start for d in due_reports(select(Clause), AUGUST)] == [date(2026, 4, 1)]


def test_a_frequency_change_keeps_the_periods_reported_on(db, site):
    m, s, t, project, agreement = site
    clause = factories.clause(agreement, frequency="quarterly", reporting_from=date(2026, 5, 10))
    db.session.commit()
    report = factories.report(clause, m, period_start=date(2026, 4, 1),
                              period_end=date(2026, 6, 30), status="approved")
    db.session.commit()
    assert (m.id, date(2026, 4, 1), date(2026, 6, 30), "approved") in _rows(clause)

    clause.frequency = "monthly"
    db.session.commit()

    # Monthly from May (the month holding 10 May): May–December, 8 rows, plus the approved
    # Q2 report's row, which stays with its own period.
    rows = _rows(clause)
    assert len(rows) == 9
    assert (m.id, date(2026, 4, 1), date(2026, 6, 30), "approved") in rows
    assert [row[1] for row in rows if row[3] == "due"] == [
        date(2026, month, 1) for month in range(5, 13)]
    # 15 August: May (deadline 30.06) and June (30.07) overdue, July (30.08) due.
    assert due_report_counts(select(Clause), AUGUST) == (3, 2)
    assert report.status == "approved"


def test_draft_clauses_owe_nothing_until_the_agreement_is_active(db, site):
    m, s, t, project, agreement = site
    agreement.status = "draft"
    clause = factories.clause(agreement, frequency="quarterly")
    db.session.commit()
    assert _rows(clause) == []

    agreement.status = "active"
    db.session.commit()
    assert len(_rows(clause)) == 4


def test_a_returned_report_is_owed_again_and_a_correction_settles_it(db, site):
    m, s, t, project, agreement = site
    clause = factories.clause(agreement, frequency="quarterly")
    db.session.commit()
    factories.report(clause, m, status="returned", review_note="Timesedler mangler.")
    db.session.commit()

    [item] = [d for d in due_reports(select(Clause), AUGUST) if d.period.start.month == 1]
    assert (item.returned, item.reason, item.status) == (True, "Timesedler mangler.", "overdue")

    factories.report(clause, m, report_version=2, status="submitted")
    db.session.commit()
    assert [d.period.start for d in due_reports(select(Clause), AUGUST)] == [date(2026, 4, 1)]
    assert (m.id, date(2026, 1, 1), date(2026, 3, 31), "submitted") in _rows(clause)
