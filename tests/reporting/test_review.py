"""The secretariat's review: queue, comparison figures, approve, return with a reason, the
effect on the clause figures, the due list and its export, and statement counts."""
import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from tests import factories
from tracker.counting import clause_figure
from tracker.models import ContractorReport


def _submitted(clause, contractor, day: int, **kw) -> ContractorReport:
    kw.setdefault("hours", Decimal("120.5"))
    kw.setdefault("site_hours", Decimal("2000"))
    return factories.report(clause, contractor,
                            submitted_at=datetime(2026, 4, day, 9, 0, tzinfo=UTC), **kw)


@pytest.fixture()
def staff(world, login):
    login(world.users["staff"])
    return world.users["staff"]


def test_queue_oldest_first_with_registered_figure_for_the_period(db, client, world, staff):
    # A's placement on P, 37 hours a week, 1 February – 1 March: 29 days in Q1.
    factories.placement(factories.participant(), world.a, project=world.p,
                        start_date=date(2026, 2, 1), end_date=date(2026, 3, 1))
    newer = _submitted(world.hours_b, world.b, 20, ref="R-NEWER")
    older = _submitted(world.hours_a, world.a, 3, ref="R-OLDER")
    _submitted(world.hours_a, world.a, 5, ref="R-DONE", period_start=date(2026, 4, 1),
               period_end=date(2026, 6, 30), status="approved")
    db.session.commit()

    body = client.get("/reports/").get_data(as_text=True)

    assert body.index("R-OLDER") < body.index("R-NEWER")  # in the review links
    assert "R-DONE" not in body
    # Q1 registered hours of K-P1: 29 / 7 × 37 = 153,29; reported 120,5: apart by more
    # than 10 % of 153,29, a discrepancy.
    assert "120,5 / 153,29" in body
    assert "Afvigelse" in body
    # K-Q1 of B has no placements: registered 0.
    assert "120,5 / 0" in body
    assert f"/reports/{older.id}" in body and f"/reports/{newer.id}" in body


def test_queue_skips_a_submitted_version_replaced_by_a_newer_one(db, client, world, staff):
    _submitted(world.hours_a, world.a, 3, ref="R-V1")
    _submitted(world.hours_a, world.a, 4, ref="R-V2", report_version=2)
    db.session.commit()

    body = client.get("/reports/").get_data(as_text=True)

    assert "R-V2" in body and "R-V1" not in body


def test_queue_pages_oldest_first_and_its_length_follows_each_review(db, client, world, staff):
    # 27 submitted reports of K-P1, one per month of 2024, submitted on consecutive days
    # of April 2026 (the 1st the oldest): page 1 holds R-01 … R-25, page 2.
    for n in range(1, 28):
        year, month = 2024 + (n - 1) // 12, (n - 1) % 12 + 1
        end = date(year + month // 12, month % 12 + 1, 1) - date.resolution
        _submitted(world.hours_a, world.a, n, ref=f"R-{n:02d}",
                   period_start=date(year, month, 1), period_end=end)
    db.session.commit()

    first = client.get("/reports/").get_data(as_text=True)
    second = client.get("/reports/?queue_page=2").get_data(as_text=True)
    beyond = client.get("/reports/?queue_page=9").get_data(as_text=True)

    assert "Til godkendelse (27)" in first and "Side 1 af 2" in first
    assert first.index("R-01<") < first.index("R-02<") < first.index("R-25<")
    assert "R-26<" not in first
    assert "R-26<" in second and "R-27<" in second and "R-25<" not in second
    assert "Side 2 af 2" in beyond and "R-27<" in beyond  # past the end: the last page

    oldest = db.session.scalar(db.select(ContractorReport).filter_by(ref="R-01"))
    client.post(f"/reports/{oldest.id}/review", data={"decision": "approve", "version": "1"})

    after = client.get("/reports/").get_data(as_text=True)
    assert "Til godkendelse (26)" in after
    assert "R-01<" not in after and "R-26<" in after


def test_a_new_report_shows_in_the_queue_at_once(db, client, world, staff):
    _submitted(world.hours_a, world.a, 3, ref="R-FIRST")
    db.session.commit()
    first = client.get("/reports/").get_data(as_text=True)
    assert "Til godkendelse (1)" in first and "R-FIRST<" in first
    _submitted(world.hours_b, world.b, 4, ref="R-SECOND")
    db.session.commit()
    after = client.get("/reports/").get_data(as_text=True)
    assert "Til godkendelse (2)" in after and "R-SECOND<" in after


def test_approve_records_reviewer_and_counts_in_the_figures(db, client, world, staff):
    report = _submitted(world.hours_a, world.a, 3)
    db.session.commit()
    # Before approval the report is not used: no reported value.
    assert clause_figure(world.hours_a.id, date(2026, 3, 31)).reported is None

    response = client.post(f"/reports/{report.id}/review",
                           data={"decision": "approve", "version": "1"})

    assert response.status_code == 302
    db.session.refresh(report)
    assert report.status == "approved"
    assert report.reviewed_by_id == staff.id and report.reviewed_at is not None
    assert report.review_note is None
    # Approved Q1 hours of 120,50 are the clause's reported value once Q1 has ended …
    assert clause_figure(world.hours_a.id, date(2026, 3, 31)).reported == Decimal("120.5")
    # … and not before its end (31.03).
    assert clause_figure(world.hours_a.id, date(2026, 3, 30)).reported is None


def test_return_needs_a_reason(db, client, world, staff):
    report = _submitted(world.hours_a, world.a, 3)
    db.session.commit()

    response = client.post(f"/reports/{report.id}/review",
                           data={"decision": "return", "review_note": "   ", "version": "1"})

    assert response.status_code == 200
    assert "Skriv, hvorfor indberetningen sendes retur" in response.get_data(as_text=True)
    db.session.refresh(report)
    assert (report.status, report.reviewed_at) == ("submitted", None)


def test_return_with_reason_reaches_the_contractor(db, client, login, world, staff):
    report = _submitted(world.hours_a, world.a, 3)
    db.session.commit()

    client.post(f"/reports/{report.id}/review",
                data={"decision": "return", "review_note": "Timesedler for marts mangler.",
                      "version": "1"})

    db.session.refresh(report)
    assert (report.status, report.review_note, report.reviewed_by_id) == (
        "returned", "Timesedler for marts mangler.", staff.id)
    client.post("/logout")
    login(world.users["contractor_a"])
    body = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "Timesedler for marts mangler." in body and "Ret indberetningen" in body


def test_the_database_refuses_a_return_without_reason(db, world):
    report = _submitted(world.hours_a, world.a, 3)
    db.session.commit()
    report.status = "returned"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_reviewed_report_cannot_be_reviewed_again(db, client, world, staff):
    report = _submitted(world.hours_a, world.a, 3, status="approved")
    db.session.commit()

    response = client.post(f"/reports/{report.id}/review",
                           data={"decision": "return", "review_note": "Nej", "version": "1"},
                           follow_redirects=True)

    assert "allerede gennemgået" in response.get_data(as_text=True)
    db.session.refresh(report)
    assert report.status == "approved"


def test_stale_review_form_is_refused(db, client, world, staff):
    report = _submitted(world.hours_a, world.a, 3)
    db.session.commit()
    report.comment = "Ændret imens"  # someone saved the row: its version is now 2
    db.session.commit()

    response = client.post(f"/reports/{report.id}/review",
                           data={"decision": "approve", "version": "1"})

    assert "En anden har gemt denne registrering" in response.get_data(as_text=True)
    db.session.refresh(report)
    assert report.status == "submitted"


def test_due_list_filters_exports_and_puts_overdue_first(db, client, world, staff):
    # On 15 May: K-P1 Q1 overdue for A; K-Q1 Q1 overdue for B; K-P2 (monthly, A and B):
    # January–March overdue, April due (deadline 30.05), for each of A and B.
    factories.report(world.shared, world.b, period_start=date(2026, 4, 1),
                     period_end=date(2026, 4, 30), status="approved")
    db.session.commit()

    body = client.get("/reports/").get_data(as_text=True)
    # 1 + 1 + 4 × 2 − 1 (B's April approved) = 9 rows, 8 of them overdue.
    assert "9 rækker" in body
    assert "8 indberetninger har overskredet fristen." in body

    rows = list(csv.reader(io.StringIO(
        client.get("/reports/?export=csv").get_data(as_text=True).lstrip("\ufeff")),
        delimiter=";"))
    assert rows[0][:3] == ["Status", "Frist", "Dage over fristen"]
    statuses = [r[0] for r in rows[1:]]
    assert statuses == ["Overskredet"] * 8 + ["Forfalden"]
    assert rows[-1][4:8] == ["K-P2", "Aarhus Byg A/S", "april 2026", "2026-04-01"]

    only_b = list(csv.reader(io.StringIO(client.get(
        f"/reports/?export=csv&contractor={world.b.id}&status=overdue")
        .get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    # B: K-Q1 Q1, K-P2 January, February, March.
    assert sorted((r[4], r[7]) for r in only_b[1:]) == [
        ("K-P2", "2026-01-01"), ("K-P2", "2026-02-01"), ("K-P2", "2026-03-01"),
        ("K-Q1", "2026-01-01")]

    xlsx = client.get(f"/reports/?export=xlsx&project={world.q.id}")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["K-Q1"]


def _statements(db, client, url) -> int:
    seen = []

    def listener(*args):
        seen.append(args[2])

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(seen)


def _reports(world, count: int) -> None:
    """`count` submitted reports spread over two quarters and several clauses."""
    clauses = [world.hours_a, world.hours_b]
    for n in range(count):
        clause = clauses[n % 2]
        contractor = world.a if clause is world.hours_a else world.b
        extra = factories.clause(clause.agreement, unit="hours", target="100",
                                 responsible_contractor=contractor)
        quarter = n % 2
        _submitted(extra, contractor, 1 + n,
                   period_start=date(2026, 1 + 3 * quarter, 1),
                   period_end=date(2026, 3 + 3 * quarter, 31 if quarter == 0 else 30))


@pytest.mark.parametrize("url", ["/reports/", "/reports/history"])
def test_pages_take_the_same_number_of_statements_for_2_and_12_reports(db, client, world, staff,
                                                                        url):
    _reports(world, 2)
    db.session.commit()
    few = _statements(db, client, url)
    _reports(world, 10)
    db.session.commit()
    many = _statements(db, client, url)
    assert few == many


def test_contractor_portal_takes_the_same_number_of_statements(db, client, login, world):
    _reports(world, 2)
    db.session.commit()
    login(world.users["contractor_a"])
    few = _statements(db, client, "/reports/")
    _reports(world, 10)
    db.session.commit()
    assert _statements(db, client, "/reports/") == few
