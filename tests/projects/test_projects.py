"""Building projects: create and edit forms, bad input, optimistic locking, contractors on the
project, derived clause targets following the amounts, and the project page."""
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from tests import factories
from tests.projects.conftest import project_form
from tracker.forms import input_number, parse_number
from tracker.models import AuditEvent, Clause, Participant, Project, ProjectContractor

# --- Danish numbers ------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("12.500.000", Decimal("12500000")),
    ("12500000,50", Decimal("12500000.50")),
    ("12 500 000 kr.", Decimal("12500000")),
    ("kr. 1.234,-", Decimal("1234")),
    ("0,025", Decimal("0.025")),
    ("0.1", Decimal("0.1")),            # an English decimal point where it is not ambiguous
    ("12,500,000.50", Decimal("12500000.50")),
    ("85000000", Decimal("85000000")),
])
def test_danish_numbers_are_read(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["12,5 mio", "abc", "1.2.3", "12,5,5", "1.23.456"])
def test_what_is_not_a_number_is_refused(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_amounts_are_written_back_the_danish_way():
    assert input_number(Decimal("12500000.50"), 2, pad=True) == "12.500.000,50"
    assert input_number(Decimal("85000000.00"), 2, pad=True) == "85.000.000"
    assert input_number(Decimal("0.1000"), 4) == "0,1"


# --- Create and edit -----------------------------------------------------------------------

def test_create_project_with_danish_amounts(db, client, site, staff):
    response = client.post("/projects/new", data=project_form(
        site, contract_sum="85.000.000", craft_cost="62500000,50"))
    assert response.status_code == 302
    project = db.session.scalar(select(Project))
    assert response.headers["Location"].endswith(f"/projects/{project.id}")
    assert (project.case_number, project.contract_sum, project.craft_cost) == (
        "2026-017", Decimal("85000000.00"), Decimal("62500000.50"))
    assert (project.start_date, project.end_date) == (date(2026, 1, 1), date(2027, 12, 31))
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Byggesagen 2026-017 er oprettet." in page
    assert "<dd>85.000.000 kr.</dd>" in page
    assert "<dd>62.500.000,50 kr.</dd>" in page  # the øre shown as stored, never rounded


@pytest.mark.parametrize("overrides, message", [
    ({"end_date": "2025-12-31"}, "Slutdatoen skal være samme dag som eller efter startdatoen."),
    ({"contract_sum": "85 millioner"}, "Skriv et tal, fx 12.500.000 eller 12500000,50."),
    ({"craft_cost": "-5.000"}, "Tallet kan ikke være negativt."),
    ({"craft_cost": "1000,125"}, "Brug højst 2 decimaler."),
    ({"housing_area_id": ""}, "Feltet skal udfyldes."),
    ({"start_date": "1. januar"}, "Ikke en gyldig dato."),
    ({"name": ""}, "Feltet skal udfyldes."),
])
def test_bad_input_is_explained_nothing_saved_and_input_kept(db, client, site, staff,
                                                             overrides, message):
    data = project_form(site, **overrides)
    response = client.post("/projects/new", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in body
    assert 'value="Helhedsplan Gellerup, etape 2"' in body or data["name"] == ""
    assert db.session.scalar(select(Project)) is None


def test_entered_amount_is_kept_after_an_error(db, client, site, staff):
    body = client.post("/projects/new", data=project_form(
        site, contract_sum="85 millioner", end_date="2025-01-01")).get_data(as_text=True)
    assert 'value="85 millioner"' in body


def test_duplicate_case_number_names_the_holder(db, client, site, staff, project):
    body = client.post("/projects/new", data=project_form(site)).get_data(as_text=True)
    assert "Sagsnummeret 2026-017 er allerede brugt af Helhedsplan Gellerup." in body
    assert len(db.session.scalars(select(Project)).all()) == 1


def test_only_active_housing_areas_and_builders_are_offered(db, client, site, staff, project):
    site.gellerup.is_active = False
    site.other_builder.is_active = False
    db.session.commit()
    new = client.get("/projects/new").get_data(as_text=True)
    assert "Gellerup" not in new and "Vollsmose (Odense Kommune)" in new
    assert ">fsb<" not in new
    # A project keeps its (now deactivated) area when edited.
    edit = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    assert "Gellerup (Aarhus Kommune)" in edit
    response = client.post("/projects/new", data=project_form(
        site, case_number="2026-018", housing_area_id=site.gellerup.id))
    assert "Ikke et gyldigt valg." in response.get_data(as_text=True)


def test_edit_shows_amounts_the_danish_way(db, client, site, staff, project):
    body = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    assert 'value="85.000.000"' in body


def test_stale_edit_is_refused_and_keeps_input(db, client, site, staff, project):
    first = project_form(site, name="Gellerup (første)", version=1)
    assert client.post(f"/projects/{project.id}/edit", data=first).status_code == 302
    response = client.post(f"/projects/{project.id}/edit",
                           data=project_form(site, name="Gellerup (anden)", version=1))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "En anden har gemt denne registrering" in body
    assert 'value="Gellerup (anden)"' in body
    db.session.refresh(project)
    assert (project.name, project.version) == ("Gellerup (første)", 2)


def test_edit_changes_are_in_the_history_for_staff(db, client, site, staff, project):
    client.post(f"/projects/{project.id}/edit", data=project_form(
        site, contract_sum="90.000.000", housing_area_id=site.vollsmose.id, version=1))
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    history = page[page.index('id="history"'):]
    assert "Entreprisesum: 85.000.000 kr. → 90.000.000 kr." in history
    assert "Boligområde: Gellerup → Vollsmose" in history
    assert staff.email in history


# --- Derived clause targets follow the project's amounts -------------------------------------

@pytest.fixture()
def derived_clause(db, project):
    """Apprentice years from the contract sum: 85,000,000 / 1,000,000 × 0.1 = 8.5."""
    clause = factories.clause(factories.agreement(project), unit="apprentice_years", target="8.5",
                              target_basis="contract_sum", target_rate=Decimal("0.1"), ref="K-1")
    db.session.commit()
    return clause


def test_changed_amount_recomputes_derived_target(db, client, site, staff, project,
                                                  derived_clause):
    response = client.post(f"/projects/{project.id}/edit", data=project_form(
        site, contract_sum="62.500.000", version=1), follow_redirects=True)
    # 62,500,000 / 1,000,000 × 0.1 = 6.25
    db.session.refresh(derived_clause)
    assert derived_clause.target == Decimal("6.25")
    assert "Målene for klausul K-1 er genberegnet ud fra de nye beløb." in response.get_data(
        as_text=True)


def test_amount_a_clause_depends_on_cannot_be_removed(db, client, site, staff, project,
                                                     derived_clause):
    body = client.post(f"/projects/{project.id}/edit", data=project_form(
        site, contract_sum="", version=1)).get_data(as_text=True)
    assert "Klausul K-1 beregner sit mål ud fra dette beløb, så det kan ikke fjernes." in body
    db.session.refresh(project)
    assert project.contract_sum == Decimal("85000000")


def test_project_period_must_cover_its_clauses(db, client, site, staff, project):
    factories.clause(factories.agreement(project), ref="K-9", start_date=date(2027, 3, 1),
                     end_date=date(2027, 9, 30))
    db.session.commit()
    body = client.post(f"/projects/{project.id}/edit", data=project_form(
        site, end_date="2027-06-30", version=1)).get_data(as_text=True)
    assert "Klausul K-9 løber 01.03.2027–30.09.2027; byggesagens periode skal dække den." in body
    db.session.refresh(project)
    assert project.end_date == date(2027, 12, 31)


# --- Contractors on the project ---------------------------------------------------------------

def _links(db, project):
    db.session.expire_all()
    return {(pc.contractor.name, pc.role) for pc in db.session.scalars(
        select(ProjectContractor).where(ProjectContractor.project_id == project.id))}


def test_add_contractor_and_change_role(db, client, site, staff, project):
    response = client.post(f"/projects/{project.id}/contractors",
                           data={"contractor_id": site.sub.id, "role": "sub"},
                           follow_redirects=True)
    assert "Lindekrog Malerfirma ApS er tilføjet som underentreprenør." in response.get_data(
        as_text=True)
    assert _links(db, project) == {("Kærhøj Byg A/S", "main"),
                                   ("Lindekrog Malerfirma ApS", "sub")}
    # A firm already on the project is not offered again.
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    form = page[page.index('id="contractor_id"'):page.index("Tilføj entreprenør")]
    assert "Kærhøj" not in form and "Lindekrog" not in form

    client.post(f"/projects/{project.id}/contractors/{site.sub.id}/role",
                data={"role": "main", "version": 1})
    assert ("Lindekrog Malerfirma ApS", "main") in _links(db, project)
    # A second change from the same (now stale) page is refused.
    response = client.post(f"/projects/{project.id}/contractors/{site.sub.id}/role",
                           data={"role": "sub", "version": 1}, follow_redirects=True)
    assert "En anden har gemt denne registrering" in response.get_data(as_text=True)
    assert ("Lindekrog Malerfirma ApS", "main") in _links(db, project)


def test_add_contractor_without_choice_is_explained(db, client, site, staff, project):
    response = client.post(f"/projects/{project.id}/contractors",
                           data={"contractor_id": "", "role": "main"}, follow_redirects=True)
    assert "Feltet skal udfyldes." in response.get_data(as_text=True)
    assert len(_links(db, project)) == 1


def test_remove_contractor_without_records(db, client, site, staff, project):
    # A press without the box ticked only shows the confirmation again.
    client.post(f"/projects/{project.id}/contractors/{site.main.id}/remove")
    assert _links(db, project) == {("Kærhøj Byg A/S", "main")}
    response = client.post(f"/projects/{project.id}/contractors/{site.main.id}/remove",
                           data={"confirm": "y"}, follow_redirects=True)
    assert "Kærhøj Byg A/S er fjernet fra byggesagen." in response.get_data(as_text=True)
    assert _links(db, project) == set()


def test_remove_refused_with_placements(db, client, site, staff, project):
    factories.placement(factories.participant(), site.main, project=project)
    db.session.commit()
    response = client.post(f"/projects/{project.id}/contractors/{site.main.id}/remove",
                           follow_redirects=True)
    assert ("Entreprenøren kan ikke fjernes: den har 1 forløb og 0 indberetninger på denne "
            "byggesag.") in response.get_data(as_text=True)
    assert _links(db, project) == {("Kærhøj Byg A/S", "main")}


def test_remove_refused_with_reports(db, client, site, staff, project):
    clause = factories.clause(factories.agreement(project))
    factories.report(clause, site.main)
    factories.report(clause, site.main, period_start=date(2026, 4, 1),
                     period_end=date(2026, 6, 30))
    db.session.commit()
    response = client.post(f"/projects/{project.id}/contractors/{site.main.id}/remove",
                           follow_redirects=True)
    assert "den har 0 forløb og 2 indberetninger" in response.get_data(as_text=True)
    assert len(_links(db, project)) == 1


def test_remove_refused_when_responsible_for_a_clause(db, client, site, staff, project):
    factories.clause(factories.agreement(project), ref="K-5", responsible_contractor=site.main)
    db.session.commit()
    response = client.post(f"/projects/{project.id}/contractors/{site.main.id}/remove",
                           follow_redirects=True)
    assert "den er ansvarlig for klausul K-5" in response.get_data(as_text=True)
    assert len(_links(db, project)) == 1


# --- The project page -----------------------------------------------------------------------

def _row(page: str, ref: str) -> str:
    start = page.index(f'<th scope="row">{ref}')
    return page[start:page.index("</tr>", start)]


def test_project_page_shows_clause_figures_as_of_a_date(db, client, staff, busy_project):
    page = client.get(f"/projects/{busy_project.id}?as_of=2026-05-31").get_data(as_text=True)
    k1 = _row(page, "K-1")
    assert '<td class="num">6</td>' in k1           # registered weeks
    assert '<td class="num">5</td>' in k1           # reported weeks
    assert "60,0 %" in k1
    assert '<span class="status status-on_track">På rette spor</span>' in k1
    assert "Afvigelse" in k1
    k2 = _row(page, "K-2")
    assert '<span class="status status-not_started">Ikke startet</span>' in k2
    assert "Opgjort pr. 31. maj 2026" in page
    assert "01.03.2026–31.08.2026" in re.sub(r"<[^>]+>", "", k1)


def test_project_page_gathers_everything_for_staff(db, client, staff, busy_project):
    page = client.get(f"/projects/{busy_project.id}?as_of=2026-05-31").get_data(as_text=True)
    for text in ("Kærhøj Byg A/S", "Socialt partnerskab Gellerup", "Amina Hassan", "murer",
                 "D-2026-0001", "Klausulstatus", "Godkendt", 'id="history"',
                 "Ret byggesag", "Ny partnerskabsaftale", "Fjern fra byggesagen"):
        assert text in page, text


def test_builder_sees_pseudonyms_and_no_edit_or_history(db, client, login, site, busy_project):
    builder = factories.user("builder", org=site.builder)
    db.session.commit()
    login(builder)
    page = client.get(f"/projects/{busy_project.id}").get_data(as_text=True)
    amina = db.session.scalar(select(Participant).where(Participant.name == "Amina Hassan"))
    assert "Amina Hassan" not in page
    assert f"<td>{amina.pseudonym}</td>" in page and amina.ref not in page
    assert "Kærhøj Byg A/S" in page
    for text in ("Ret byggesag", "Ny partnerskabsaftale", "Fjern fra byggesagen",
                 'id="history"', "/edit"):
        assert text not in page, text


def test_history_is_hidden_from_contractors(db, client, login, site, busy_project):
    contractor = factories.user("contractor", org=site.main)
    db.session.commit()
    login(contractor)
    page = client.get(f"/projects/{busy_project.id}").get_data(as_text=True)
    assert 'id="history"' not in page and "Ret byggesag" not in page
    assert "Amina Hassan" in page  # the firm's own hire, by name


def _statements(db, client, url: str) -> int:
    count = 0

    def before(*_args, **_kwargs):
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return count


@pytest.mark.parametrize("role", ["staff", "builder", "municipality"])
def test_project_page_query_count_does_not_grow_with_placements(db, client, login, site,
                                                                 project, role):
    agreement = factories.agreement(project)
    clause = factories.clause(agreement, unit="weeks", target="10")
    org = {"staff": None, "builder": site.builder, "municipality": site.aarhus}[role]
    login_user = factories.user(role, org=org)

    made = []

    def add_placements(n):
        for _ in range(n):
            person = factories.participant(municipality=site.aarhus)
            factories.placement(person, site.main, project=project)
            # one report version per placement, so the reports grow with the placements too
            made.append(factories.report(clause, site.main, report_version=len(made) + 1,
                                         status="approved", weeks=1))
        db.session.commit()

    add_placements(2)
    login(login_user)
    url = f"/projects/{project.id}?as_of=2026-06-30"
    with_two = _statements(db, client, url)
    add_placements(18)
    with_twenty = _statements(db, client, url)
    assert with_two == with_twenty, (with_two, with_twenty)
    page = client.get(url).get_data(as_text=True)
    assert page.count("<td>Virksomhedspraktik</td>") == 20


# --- External roles ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["contractor", "builder", "municipality"])
def test_external_roles_have_no_edit_routes(db, client, login, site, project, role):
    org = {"contractor": site.main, "builder": site.builder, "municipality": site.aarhus}[role]
    user = factories.user(role, org=org)
    db.session.commit()
    login(user)
    assert client.get(f"/projects/{project.id}").status_code == 200
    assert client.get("/projects/new").status_code == 404
    assert client.post("/projects/new", data=project_form(site, case_number="X")).status_code == 404
    assert client.get(f"/projects/{project.id}/edit").status_code == 404
    assert client.post(f"/projects/{project.id}/contractors",
                       data={"contractor_id": site.sub.id, "role": "sub"}).status_code == 404
    assert client.post(
        f"/projects/{project.id}/contractors/{site.main.id}/remove").status_code == 404
    assert client.post(f"/projects/{project.id}/contractors/{site.main.id}/role",
                       data={"role": "sub"}).status_code == 404
    assert db.session.scalar(select(Project).where(Project.case_number == "X")) is None
    assert len(_links(db, project)) == 1


def test_audit_records_the_project_creation(db, client, site, staff):
    client.post("/projects/new", data=project_form(site))
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "projects")).all()
    assert [(e.action, e.actor) for e in events] == [("create", staff.email)]
    assert db.session.scalar(select(Clause)) is None


def test_long_report_history_is_shortened_with_a_way_to_all(db, client, staff, site, project):
    clause = factories.clause(factories.agreement(project), ref="K-1", unit="weeks")
    for version in range(1, 13):
        factories.report(clause, site.main, report_version=version, weeks=version)
    db.session.commit()
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    reports = page[page.index('id="reports"'):page.index('id="documents"')]
    assert "Viser de 10 nyeste af 12 indberetningsversioner." in reports
    assert reports.count("<td>Indsendt</td>") == 10
    assert '<td class="num">12</td>' in reports and '<td class="num">2</td>' not in reports
    everything = client.get(f"/projects/{project.id}?reports=all").get_data(as_text=True)
    reports = everything[everything.index('id="reports"'):everything.index('id="documents"')]
    assert reports.count("<td>Indsendt</td>") == 12 and "Viser de" not in reports


def test_builders_get_no_links_to_pages_they_cannot_open(db, client, login, site, busy_project):
    builder = factories.user("builder", org=site.builder)
    db.session.commit()
    login(builder)
    page = client.get(f"/projects/{busy_project.id}").get_data(as_text=True)
    assert "/reports/" not in page and "/participants/" not in page
