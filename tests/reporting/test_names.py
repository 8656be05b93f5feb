"""No participant's name in a report comment or a review note: refused on entry, and text
stored before is shown to the contractor with the pseudonym in place of the name."""
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from tests import factories
from tracker.models import ContractorReport

REFUSED = "Teksten nævner en deltager ved navn. Brug pseudonymet (P-…) i stedet."
# The issue's case: a full name, a birth year and a family situation.
ISSUE_COMMENT = ("Amina Hassan (født 1990) er enlig mor til tre og har svært ved at nå "
                 "frem kl. 7.")


def _amina(db, world):
    amina = factories.participant(world.municipality, name="Amina Hassan")
    factories.placement(amina, world.a, project=world.p, start_date=date(2026, 1, 5))
    db.session.commit()
    return amina


def _reports(db) -> int:
    return db.session.scalar(select(func.count()).select_from(ContractorReport))


def test_a_comment_naming_a_participant_is_refused(db, client, login, world):
    _amina(db, world)
    login(world.users["contractor_a"])
    for comment in (ISSUE_COMMENT, "amina HASSAN mødte ikke op"):
        response = client.post(f"/reports/clauses/{world.hours_a.id}/new", data={
            "period": "2026-01-01", "hours": "120", "site_hours": "2000", "comment": comment})
        assert response.status_code == 200
        assert REFUSED in response.get_data(as_text=True)
    assert _reports(db) == 0
    # With the first name alone, or the pseudonym, it is saved.
    response = client.post(f"/reports/clauses/{world.hours_a.id}/new", data={
        "period": "2026-01-01", "hours": "120", "site_hours": "2000",
        "comment": "Amina er startet; se P-7KQ2MX."})
    assert response.status_code == 302 and _reports(db) == 1


def test_a_review_note_naming_a_participant_is_refused(db, client, login, world):
    _amina(db, world)
    report = factories.report(world.hours_a, world.a, hours=Decimal("120"))
    db.session.commit()
    login(world.users["staff"])
    response = client.post(f"/reports/{report.id}/review", data={
        "decision": "return", "review_note": "Timer for Amina Hassan mangler.", "version": "1"})
    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)
    db.session.refresh(report)
    assert (report.status, report.review_note) == ("submitted", None)


def test_stored_text_reaches_the_contractor_masked(db, client, login, world):
    """A comment and a note stored before names were refused: the contractor reads them with
    the pseudonym; the secretariat reads them as written."""
    amina = _amina(db, world)
    report = factories.report(world.hours_a, world.a, hours=Decimal("120"), status="returned",
                              comment=ISSUE_COMMENT, review_note="Vedlæg AMINA HASSANs timer.")
    db.session.commit()
    masked_comment = ISSUE_COMMENT.replace("Amina Hassan", amina.pseudonym)
    login(world.users["contractor_a"])
    pages = [client.get(url).get_data(as_text=True) for url in (
        f"/reports/{report.id}", "/reports/", "/reports/history",
        "/reports/history?export=csv", f"/reports/{report.id}/correct")]
    for page in pages:
        assert "Amina Hassan" not in page and "AMINA HASSAN" not in page
    detail, portal, history, export, correct = pages
    assert masked_comment in detail and f"Vedlæg {amina.pseudonym}s timer." in detail
    assert f"Vedlæg {amina.pseudonym}s timer." in portal
    assert f"Vedlæg {amina.pseudonym}s timer." in history and amina.pseudonym in export
    # The correction starts from the masked comment, so it can be sent as it stands.
    assert masked_comment in correct
    client.post("/logout")
    login(world.users["staff"])
    assert ISSUE_COMMENT in client.get(f"/reports/{report.id}").get_data(as_text=True)
