"""A returned report in the browser: the contractor sees it first with the reason, corrects
and resubmits it; the secretariat approves it and it leaves the contractor's list."""
import re
from datetime import UTC, date, datetime
from decimal import Decimal

from tests import factories
from tests.conftest import PASSWORD

REASON = "Timesedlerne for august mangler. Vedhæft dem, og indsend igen."


def _sign_in(page, user):
    page.goto("/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/")


def _sign_out(page):
    page.get_by_role("button", name="Log ud").click()
    page.wait_for_url("**/login")


def test_contractor_corrects_a_returned_report_and_staff_approve_it(db, page, shot):
    year = date.today().year - 1  # a whole year that has ended, whatever today is
    firm = factories.organisation("contractor", name="Kærhøj Byg A/S")
    project = factories.project(contractors=[firm], case_number="BB-2207",
                                name="Gellerup etape 2", start_date=date(year, 1, 1),
                                end_date=date(year, 12, 31))
    agreement = factories.agreement(project)
    # Owed from Q3: Q3 returned, Q4 approved; Q1 and Q2 are not owed.
    clause = factories.clause(agreement, unit="hours", target="1000", ref="K-003",
                              responsible_contractor=firm, reporting_from=date(year, 7, 1))
    returned = factories.report(
        clause, firm, period_start=date(year, 7, 1), period_end=date(year, 9, 30),
        hours=Decimal("412"), site_hours=Decimal("5000"), status="returned",
        review_note=REASON, submitted_at=datetime(year, 10, 5, 9, tzinfo=UTC))
    factories.report(clause, firm, period_start=date(year, 10, 1),
                     period_end=date(year, 12, 31), hours=Decimal("300"),
                     site_hours=Decimal("4000"), status="approved")
    contractor = factories.user("contractor", org=firm)
    staff = factories.user("staff")
    db.session.commit()

    _sign_in(page, contractor)
    assert "1 indberetninger sendt retur af sekretariatet, skal rettes" in " ".join(
        page.locator("main").inner_text().split())
    page.goto("/reports/")
    due = page.locator("#due ~ div table").first
    first_row = due.locator("tbody tr").first
    assert "Sendt retur" in first_row.inner_text() and REASON in first_row.inner_text()
    shot("returned-01-portal")
    first_row.get_by_role("link", name="Ret den returnerede indberetning").click()
    page.locator("input[name=hours]").fill("436")
    page.locator("input[name=site_hours]").fill("5.000")
    page.locator("textarea[name=comment]").fill("Rettet efter timesedlerne for august.")
    page.get_by_role("button", name="Indsend rettelse").click()
    page.wait_for_url(re.compile(r"/reports/\d+$"))
    correction = page.url.rsplit("/", 1)[1]
    assert correction != str(returned.id) and "version 2" in page.content()
    shot("returned-02-resubmitted")
    _sign_out(page)

    _sign_in(page, staff)
    page.goto(f"/reports/{correction}")
    page.get_by_role("button", name="Godkend").click()
    page.wait_for_url("**/reports/")
    assert "er godkendt" in page.content()
    _sign_out(page)

    _sign_in(page, contractor)
    page.goto("/reports/")
    assert "I har ingen forfaldne indberetninger." in page.locator("main").inner_text()
    shot("returned-03-nothing-owed")
