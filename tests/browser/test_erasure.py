"""An administrator erases a resident from the interface, after the page that says what
goes; the public /verify page then says the resident's earlier pathway document was issued
and withdrawn, and the participant's page no longer shows the name."""
import hashlib
import re
from datetime import date

from tests import factories
from tests.browser.test_returned_report import _sign_in
from tracker.documents import service
from tracker.documents.requests import DocumentRequest


def test_an_admin_erases_a_resident_and_verify_says_withdrawn(db, page, shot):
    municipality = factories.organisation("municipality", name="Testrup Kommune")
    yasmin = factories.participant(municipality, name="Yasmin Farah", ref="D-4711",
                                   email="yasmin@example.test", birth_year=1988)
    admin = factories.user("admin")
    db.session.commit()
    pathway = service.issue(DocumentRequest("pathway", as_of=date.today(), participant=yasmin),
                            None)
    db.session.commit()
    number, checksum = pathway.number, hashlib.sha256(pathway.content).hexdigest()

    _sign_in(page, admin)
    page.goto(f"/participants/{yasmin.id}")
    page.get_by_role("link", name="Slet (anonymisér)").click()
    page.wait_for_url(re.compile(r"/erase$"))
    main = " ".join(page.locator("main").inner_text().split())
    assert "Slet Yasmin Farah" in main and number in main
    shot("erasure-01-confirm")
    # Without a reason nothing happens, and the page says why.
    page.get_by_label("Jeg har læst, hvad der slettes; det kan ikke fortrydes").check()
    page.get_by_role("button", name="Slet deltageren").click()
    assert "Skriv, hvorfor deltageren slettes." in page.locator("main").inner_text()
    page.get_by_label("Begrundelse (fx borgerens anmodning af en given dato)").fill(
        "Borgerens anmodning af 1.12.2026")
    page.get_by_label("Jeg har læst, hvad der slettes; det kan ikke fortrydes").check()
    page.get_by_role("button", name="Slet deltageren").click()
    page.wait_for_url(re.compile(rf"/participants/{yasmin.id}$"))
    main = page.locator("main").inner_text()
    assert "Deltageren er slettet" in main and "Yasmin" not in main
    shot("erasure-02-anonymised")

    page.goto("/verify")
    page.get_by_label("Dokumentnummer").fill(number)
    page.get_by_label("SHA-256-kontrolsum").fill(checksum)
    page.get_by_role("button", name="Kontrollér", exact=True).click()
    today = date.today().strftime("%d.%m.%Y")
    assert f"Udstedt, senere trukket tilbage den {today} af hensyn til databeskyttelse." in \
        page.locator("main").inner_text()
    shot("erasure-03-verify")
