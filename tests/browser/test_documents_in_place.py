"""Documents issued where the user is, in a real browser without JavaScript: from the
project page and from the participant page the scope is filled in and the user confirms;
from the documents list the resident is picked by name. Each lands on the issued document."""
from datetime import date

import pytest
from sqlalchemy import select

from tests import factories
from tests.browser.conftest import SHOTS
from tests.browser.test_returned_report import _sign_in
from tracker.lists import SELECT_MAX
from tracker.models import Document


@pytest.fixture()
def case(db):
    """A building project with a clause and a placement; more residents than a drop-down
    holds, two of them called Yasmin; a staff user."""
    municipality = factories.organisation("municipality", name="Aarhus Kommune")
    area = factories.housing_area(municipality, name="Gellerup")
    firm = factories.organisation("contractor", name="Kærhøj Byg A/S")
    project = factories.project(area=area, contractors=[firm], case_number="BB-2401",
                                name="Helhedsplan Gellerup", start_date=date(2026, 1, 1))
    factories.clause(factories.agreement(project), "internship", "persons", "2")
    for n in range(SELECT_MAX):
        factories.participant(municipality, name=f"Beboer {n:02d}", ref=f"D-{100 + n}")
    yasmin = factories.participant(municipality, name="Yasmin Farah", ref="D-0042",
                                   housing_area=area)
    factories.participant(municipality, name="Yasmin Hassan", ref="D-0043", housing_area=area)
    factories.placement(yasmin, firm, "internship", project, start_date=date(2026, 3, 1))
    staff = factories.user("staff", name="Jonas Holm")
    db.session.commit()
    return {"project": project, "yasmin": yasmin, "staff": staff}


@pytest.fixture()
def plain_page(browser, live_server):
    """A page with JavaScript switched off: everything here works without it."""
    context = browser.new_context(base_url=live_server, locale="da-DK",
                                  java_script_enabled=False,
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _shot(name: str) -> str:
    SHOTS.mkdir(exist_ok=True)
    return str(SHOTS / f"{name}.png")




def _landed_on_the_document(db, page, kind_word: str) -> Document:
    page.wait_for_url("**/documents/*")
    document = db.session.scalars(select(Document).order_by(Document.id.desc())).first()
    assert page.url.endswith(f"/documents/{document.id}")
    assert f"Dokument {document.number} ({kind_word}) er udstedt og arkiveret." in \
        page.content()
    return document


def test_issued_from_the_project_and_the_participant_pages(db, plain_page, case):
    page = plain_page
    _sign_in(page, case["staff"])
    page.goto(f"/projects/{case['project'].id}")
    page.get_by_role("link", name="Udsted klausulstatus").click()
    assert page.locator("#project_id").input_value() == str(case["project"].id)
    page.screenshot(path=_shot("in-place-01-clause-status-form"), full_page=True)
    page.get_by_role("button", name="Udsted dokumentet").click()
    document = _landed_on_the_document(db, page, "Klausulstatus")
    assert (document.kind, document.project_id) == ("clause-status", case["project"].id)

    page.goto(f"/participants/{case['yasmin'].id}")
    page.get_by_role("link", name="Udsted forløbsbeskrivelse").click()
    assert page.locator("#participant_name").input_value() == "Yasmin Farah (D-0042)"
    page.screenshot(path=_shot("in-place-02-pathway-form"), full_page=True)
    page.get_by_role("button", name="Udsted dokumentet").click()
    document = _landed_on_the_document(db, page, "Forløbsbeskrivelse")
    assert (document.kind, document.participant_id) == ("pathway", case["yasmin"].id)


def test_the_resident_is_picked_by_name(db, plain_page, case):
    page = plain_page
    _sign_in(page, case["staff"])
    page.goto("/documents/")
    page.get_by_role("link", name="Udsted et dokument").click()
    page.get_by_role("link", name="Forløbsbeskrivelse").click()
    page.fill("#participant_name", "yasmin")
    page.get_by_role("button", name="Udsted dokumentet").click()
    error = page.locator("#participant_name-error").inner_text()
    assert "Yasmin Farah (D-0042); Yasmin Hassan (D-0043)" in error
    page.screenshot(path=_shot("in-place-03-several-match"), full_page=True)
    assert db.session.scalar(select(Document)) is None
    page.fill("#participant_name", "Yasmin Farah")
    page.get_by_role("button", name="Udsted dokumentet").click()
    document = _landed_on_the_document(db, page, "Forløbsbeskrivelse")
    assert document.participant_id == case["yasmin"].id
    page.screenshot(path=_shot("in-place-04-issued"), full_page=True)
