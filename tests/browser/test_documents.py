"""Issuing a document in a real browser: without a queue the document page follows at
once; on the queue the request's page refreshes itself (no JavaScript needed) until a
worker has issued it, then shows the document."""
from datetime import date

import pytest
from sqlalchemy import select

from tests import factories
from tests.browser.conftest import SHOTS, serve
from tests.conftest import PASSWORD, work_off
from tracker.models import Document


@pytest.fixture()
def case(db):
    """A building project with one clause and one placement, and a staff user."""
    municipality = factories.organisation("municipality", name="Aarhus Kommune")
    area = factories.housing_area(municipality, name="Gellerup")
    firm = factories.organisation("contractor", name="Kærhøj Byg A/S")
    project = factories.project(area=area, contractors=[firm], case_number="BB-2401",
                                name="Helhedsplan Gellerup", start_date=date(2026, 1, 1))
    clause = factories.clause(factories.agreement(project), "internship", "persons", "2")
    person = factories.participant(municipality, housing_area=area)
    factories.placement(person, firm, "internship", project, start_date=date(2026, 3, 1))
    staff = factories.user("staff", name="Jonas Holm")
    db.session.commit()
    return {"project": project, "clause": clause, "staff": staff}


def _issue_clause_status(page, case):
    page.goto("/login")
    page.get_by_label("E-mail").fill(case["staff"].email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/")
    page.goto("/documents/new")
    page.get_by_role("link", name="Klausulstatus").click()
    page.select_option("#project_id", label="BB-2401 Helhedsplan Gellerup")
    page.fill("#as_of", "2026-06-30")
    page.get_by_role("button", name="Udsted dokumentet").click()


def test_without_a_queue_the_document_follows_at_once(db, page, shot, case):
    _issue_clause_status(page, case)
    page.wait_for_url("**/documents/*")
    document = db.session.scalar(select(Document))
    assert page.url.endswith(f"/documents/{document.id}")
    assert f"Dokument {document.number} (Klausulstatus) er udstedt og arkiveret." in \
        page.content()
    shot("documents-01-issued")


@pytest.fixture()
def queued_server(app, redis_queue):
    """The served app with the test's queue: requests to issue a document wait for a worker."""
    yield from serve(app, TRACKER_REDIS_URL=app.config["TRACKER_REDIS_URL"],
                     TRACKER_QUEUE=app.config["TRACKER_QUEUE"])


def test_on_the_queue_the_page_refreshes_until_the_document_is_issued(
        db, browser, queued_server, redis_queue, case):
    context = browser.new_context(base_url=queued_server, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        _issue_clause_status(page, case)
        page.wait_for_url("**/documents/requests/*")
        assert "Dokumentet venter på at blive dannet." in page.content()
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "documents-02-waiting.png"), full_page=True)
        assert db.session.scalar(select(Document)) is None
        work_off(redis_queue)  # a worker issues it; the page notices at its next refresh
        page.wait_for_url(lambda url: "/requests/" not in url)
        document = db.session.scalar(select(Document))
        assert page.url.endswith(f"/documents/{document.id}")
        assert "er udstedt og arkiveret" in page.content()
    finally:
        context.close()
