"""The secretariat's week, in a real browser: sign in, register a building case with its
partnership agreement and a clause, enrol a resident, place them twice (a pathway),
register a follow-up. Screenshots of every step go to tests/browser/screenshots/."""
from datetime import date, timedelta

from sqlalchemy import select

from tests import factories
from tests.conftest import PASSWORD
from tracker.models import Agreement, Clause, FollowUp, Participant, Placement, Project


def test_staff_journey(db, page, shot):
    aarhus = factories.organisation("municipality", name="Aarhus Kommune", cvr="55133018",
                                    municipality_code="751")
    factories.housing_area(aarhus, name="Gellerup")
    factories.organisation("builder", name="Brabrand Boligforening")
    factories.organisation("contractor", name="Kærhøj Byg A/S")
    staff = factories.user("staff", name="Jonas Holm")
    db.session.commit()
    today = date.today()
    started = today - timedelta(days=200)

    # Sign in.
    page.goto("/login")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/")
    shot("journey-01-overview")

    # A new building case, from the project list.
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Byggesager").click()
    page.get_by_role("link", name="Ny byggesag").click()
    page.fill("#case_number", "BB-2401")
    page.fill("#name", "Helhedsplan Gellerup, etape 3")
    page.select_option("#housing_area_id", label="Gellerup (Aarhus Kommune)")
    page.select_option("#builder_id", label="Brabrand Boligforening")
    page.fill("#start_date", (started - timedelta(days=30)).isoformat())
    page.fill("#end_date", (today + timedelta(days=700)).isoformat())
    page.fill("#contract_sum", "85.000.000")
    page.fill("#craft_cost", "51.000.000")
    shot("journey-02-project-form")
    page.get_by_role("button", name="Gem").click()
    page.wait_for_url("**/projects/*")
    assert "BB-2401" in page.content()

    # The main contractor on the case.
    page.select_option("#contractor_id", label="Kærhøj Byg A/S")
    page.get_by_role("button", name="Tilføj entreprenør").click()
    assert "Kærhøj Byg A/S" in page.content()
    shot("journey-03-project-page")

    # The partnership agreement, with the builder and contractor as parties.
    page.get_by_role("link", name="Ny partnerskabsaftale").click()
    page.fill("#ref", "PA-BB-2401")
    page.fill("#title", "Social partnerskabsaftale, Gellerup etape 3")
    page.select_option("#status", value="active")
    page.check("#add_parties")
    page.get_by_role("button", name="Gem").click()
    page.wait_for_url("**/agreements/*")
    assert "Hovedentreprenør" in page.content()

    # A clause whose target comes from the craft cost: 51 mio. × 0,1 = 5,1 apprentice years.
    page.get_by_role("link", name="Ny klausul").first.click()
    page.fill("#ref", "K-2401-1")
    page.select_option("#kind", value="apprenticeship")
    page.select_option("#unit", value="apprentice_years")
    page.select_option("#target_basis", value="craft_cost")
    page.fill("#target_rate", "0,1")
    page.fill("#text", "Entreprenøren beskæftiger lærlinge svarende til 0,1 elevårsværk pr. mio. kr.")
    shot("journey-04-clause-form")
    page.get_by_role("button", name="Gem").click()
    page.wait_for_url("**/agreements/*")
    assert "5,1" in page.content()
    shot("journey-05-agreement")

    # Enrol a resident, with consent.
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Deltagere").click()
    page.get_by_role("link", name="Indskriv deltager").click()
    page.fill("#name", "Amina Hassan")
    page.fill("#birth_year", "1991")
    page.select_option("#gender", value="f")
    page.select_option("#housing_area_id", label="Gellerup")
    page.select_option("#municipality_id", label="Aarhus Kommune")
    page.select_option("#readiness", value="job_ready")
    page.fill("#intake_date", (started - timedelta(days=14)).isoformat())
    page.fill("#consent_date", (started - timedelta(days=14)).isoformat())
    page.fill("#consent_scope", "Deling af oplysninger om forløb med jobcentret.")
    shot("journey-06-enrol")
    page.get_by_role("button", name="Gem").click()
    page.wait_for_url("**/participants/*")
    assert "Amina Hassan" in page.content()

    # First placement: an internship on the case.
    page.get_by_role("link", name="Nyt forløb").first.click()
    page.select_option("#kind", value="internship")
    page.select_option("#project_id", label="BB-2401 Helhedsplan Gellerup, etape 3")
    page.select_option("#employer_id", label="Kærhøj Byg A/S")
    page.fill("#trade", "tømrer")
    page.fill("#start_date", started.isoformat())
    page.fill("#planned_end", (started + timedelta(days=27)).isoformat())
    page.fill("#hours_per_week", "37")
    page.get_by_role("button", name="Gem").click()
    page.wait_for_url("**/participants/*")
    assert "Forløbet F-0001 er oprettet for Amina Hassan" in page.content()

    # It ends and leads on: the next placement is one click away.
    page.get_by_role("link", name="Afslut forløb").click()
    page.fill("#end_date", (started + timedelta(days=27)).isoformat())
    page.select_option("#outcome", value="next_placement")
    page.get_by_role("button", name="Afslut forløb").click()
    page.wait_for_url("**/placements/new**")
    shot("journey-07-next-placement-form")
    page.select_option("#kind", value="wage_subsidy")
    page.get_by_role("button", name="Gem").click()
    page.wait_for_url("**/participants/*")

    # The wage subsidy ends the pathway with an ordinary job: its page offers the follow-ups.
    page.get_by_role("link", name="Afslut forløb").click()
    page.fill("#end_date", (started + timedelta(days=117)).isoformat())
    page.select_option("#outcome", value="ordinary_job")
    page.get_by_role("button", name="Afslut forløb").click()
    page.wait_for_url("**/placements/*")

    # The follow-up three months after the pathway ended.
    page.get_by_role("link", name="Registrér opfølgning").first.click()
    page.select_option("#status", value="employed")
    page.fill("#note", "I fast job hos Kærhøj Byg.")
    page.get_by_role("button", name="Gem").click()

    person = db.session.scalar(select(Participant).where(Participant.name == "Amina Hassan"))
    page.goto(f"/participants/{person.id}")
    assert page.locator("svg").count() >= 1  # the pathway timeline
    shot("journey-08-participant-page")

    # What the browser did is in the database.
    project = db.session.scalar(select(Project).where(Project.case_number == "BB-2401"))
    assert project.contract_sum == 85_000_000
    clause = db.session.scalar(select(Clause).where(Clause.ref == "K-2401-1"))
    assert float(clause.target) == 5.1            # 51.000.000 / 1.000.000 × 0,1
    assert db.session.scalar(select(Agreement.ref)) == "PA-BB-2401"
    placements = db.session.scalars(select(Placement).where(Placement.participant_id == person.id)
                                    .order_by(Placement.start_date)).all()
    assert [p.kind for p in placements] == ["internship", "wage_subsidy"]
    assert placements[0].next_placement_id == placements[1].id
    assert placements[0].outcome == "next_placement"
    assert placements[1].start_date == placements[0].end_date + timedelta(days=1)
    assert (placements[1].end_date, placements[1].outcome) == (
        started + timedelta(days=117), "ordinary_job")
    follow_up = db.session.scalar(select(FollowUp))
    assert (follow_up.placement_id, follow_up.months, follow_up.status) == (
        placements[1].id, 3, "employed")
