"""Issue #22's sequences replayed in the browser: two tabs edit one participant and both
people's changes are kept; a refused save shows its summary first; a participant enrolled
by mistake (Enter in the form) can be removed; "Fjern part" asks first."""
import re

from tests import factories
from tests.browser.test_returned_report import _sign_in
from tracker.models import AgreementParty, Participant


def test_two_tabs_keep_both_changes(db, page, shot):
    staff = factories.user("staff")
    amina = factories.participant(name="Amina Hassan", email="amina@example.dk", phone="",
                                  months_unemployed=6)
    db.session.commit()
    _sign_in(page, staff)
    tab_b = page.context.new_page()
    page.goto(f"/participants/{amina.id}/edit")
    tab_b.goto(f"/participants/{amina.id}/edit")
    # B sets the phone number and saves.
    tab_b.get_by_label("Telefon").fill("22 33 44 55")
    tab_b.get_by_role("button", name="Gem").click()
    tab_b.wait_for_url(re.compile(rf"/participants/{amina.id}$"))
    tab_b.close()
    # A changes e-mail and months and saves: refused, B's change shown.
    page.get_by_label("E-mail").fill("amina.hassan@example.dk")
    page.get_by_label("Måneder ledig ved indskrivning").fill("9")
    page.get_by_role("button", name="Gem").click()
    conflict = page.locator(".conflict")
    assert "22 33 44 55" in conflict.inner_text()
    shot("mistakes-01-conflict")
    # A presses "Gem" again, the natural reaction: everything is kept.
    page.get_by_role("button", name="Gem").click()
    page.wait_for_url(re.compile(rf"/participants/{amina.id}$"))
    db.session.expire_all()
    amina = db.session.get(Participant, amina.id)
    assert (amina.phone, amina.email, amina.months_unemployed) == (
        "22 33 44 55", "amina.hassan@example.dk", 9)


def test_a_refused_save_is_seen_first_and_a_mistake_can_be_removed(db, page, shot):
    admin = factories.user("admin")
    db.session.commit()
    _sign_in(page, admin)
    page.goto("/participants/new")
    # Enter in the form without a name: refused, the summary first and focused.
    page.get_by_label("Reference").fill("D-9001")
    page.get_by_label("Reference").press("Enter")
    summary = page.locator(".error-summary")
    assert summary.is_visible() and summary.evaluate("e => e === document.activeElement")
    shot("mistakes-02-summary")
    # Enter again with the name: created by mistake, then removed.
    page.get_by_label("Navn").fill("Fejl Indskrevet")
    page.get_by_label("Navn").press("Enter")
    page.wait_for_url(re.compile(r"/participants/\d+$"))
    person_id = int(page.url.rsplit("/", 1)[1])
    page.get_by_role("link", name="Fjern (indskrevet ved en fejl)").click()
    assert "Deltageren tæller ikke længere som indskrevet" in page.locator("main").inner_text()
    shot("mistakes-03-remove-participant")
    page.get_by_label("Jeg har læst, hvad der fjernes").check()
    page.get_by_role("button", name="Fjern").click()
    page.wait_for_url(re.compile(r"/participants/$"))
    assert db.session.get(Participant, person_id) is None


def test_removing_a_party_asks_first(db, page, shot):
    staff = factories.user("staff")
    builder = factories.organisation("builder", name="Brabrand Boligforening")
    agreement = factories.agreement(factories.project(builder=builder, case_number="BB-2207"))
    agreement.parties.append(AgreementParty(organisation=builder, role="Bygherre",
                                            contributions=["Stiller krav"],
                                            benefits=["Flere i job"]))
    db.session.commit()
    _sign_in(page, staff)
    page.goto(f"/agreements/{agreement.id}")
    page.get_by_role("link", name="Fjern part Brabrand Boligforening").click()
    assert "Dens 1 bidrag og 1 fordele." in page.locator("main").inner_text()
    assert db.session.query(AgreementParty).count() == 1  # nothing gone on one click
    shot("mistakes-04-remove-party")
    page.get_by_label("Jeg har læst, hvad der fjernes").check()
    page.get_by_role("button", name="Fjern").click()
    page.wait_for_url(re.compile(rf"/agreements/{agreement.id}$"))
    db.session.expire_all()
    assert db.session.query(AgreementParty).count() == 0
