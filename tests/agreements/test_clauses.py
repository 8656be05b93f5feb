"""Clauses: entered and derived targets (with the calculation shown), periods inside the
project's, responsible contractor, optimistic locking, and who sees which clause."""
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.agreements.service import derived_target
from tracker.models import Clause, ProjectContractor


@pytest.fixture()
def agreement(db, project):
    a = factories.agreement(project, ref="PA-1", title="Socialt partnerskab Gellerup")
    db.session.commit()
    return a


def clause_form(**overrides) -> dict:
    data = {"ref": "K-001", "kind": "apprenticeship", "unit": "apprentice_years",
            "target": "4", "target_basis": "", "target_rate": "",
            "responsible_contractor_id": "", "start_date": "", "end_date": "",
            "frequency": "quarterly", "text": "Entreprenøren ansætter lærlinge fra området."}
    data.update(overrides)
    return data


def _clause(db) -> Clause | None:
    db.session.expire_all()
    return db.session.scalar(select(Clause))


def test_create_clause_with_entered_target_and_the_projects_period(db, client, staff, site,
                                                                   agreement):
    response = client.post(f"/agreements/{agreement.id}/clauses/new",
                           data=clause_form(target="12,5", responsible_contractor_id=site.main.id),
                           follow_redirects=True)
    clause = _clause(db)
    assert (clause.ref, clause.target, clause.target_basis, clause.target_rate) == (
        "K-001", Decimal("12.50"), None, None)
    assert (clause.start_date, clause.end_date, clause.responsible_contractor_id) == (
        None, None, site.main.id)
    body = response.get_data(as_text=True)
    assert "Klausul K-001 er oprettet." in body
    row = body[body.index('<th scope="row">K-001'):]
    row = row[:row.index("</tr>")]
    assert '<td class="num">12,5<br><span class="hint">elevårsværk</span></td>' in row
    assert "Kærhøj Byg A/S" in row
    text = re.sub(r"<[^>]+>", "", row)
    assert "01.01.2026–31.12.2027" in text and "byggesagens periode" in text


def test_the_form_states_the_projects_period(db, client, staff, agreement):
    body = client.get(f"/agreements/{agreement.id}/clauses/new").get_data(as_text=True)
    assert ("Lad datoerne stå tomme for at bruge byggesagens periode: 01.01.2026–31.12.2027."
            in body)
    assert "Alle entreprenører på sagen" in body
    assert "Byggesagens entreprisesum: 85.000.000 kr. · håndværkerudgift: ikke registreret" in body


@pytest.mark.parametrize("overrides, message", [
    ({"target": "0"}, "Målet skal være større end 0."),
    ({"target": "-3"}, "Tallet kan ikke være negativt."),
    ({"target": "fire"}, "Skriv et tal, fx 12 eller 8,5."),
    ({"target": ""}, "Skriv målet, eller beregn det ud fra entreprisesummen eller "
                     "håndværkerudgiften."),
    ({"target": "4,125"}, "Brug højst 2 decimaler."),
    ({"unit": "percent_hours", "target": "140"},
     "En andel af timerne kan ikke være mere end 100 procent."),
    ({"start_date": "2025-12-01"},
     "Klausulens periode skal ligge inden for byggesagens periode (01.01.2026–31.12.2027)."),
    ({"end_date": "2028-01-31"},
     "Klausulens periode skal ligge inden for byggesagens periode (01.01.2026–31.12.2027)."),
    ({"start_date": "2026-06-01", "end_date": "2026-05-01"},
     "Klausulperiodens slutning skal være samme dag som eller efter dens start (01.06.2026)."),
    ({"kind": "trainee"}, "Ikke et gyldigt valg."),
    ({"text": "Gælder for 010190-1234"}, "Det ligner et CPR-nummer"),
    ({"ref": ""}, "Feltet skal udfyldes."),
])
def test_bad_clause_input_is_explained_and_kept(db, client, staff, agreement, overrides,
                                                message):
    response = client.post(f"/agreements/{agreement.id}/clauses/new",
                           data=clause_form(**overrides))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in body
    assert "Entreprenøren ansætter lærlinge fra området." in body or "text" in overrides
    assert _clause(db) is None


def test_target_and_period_errors_are_shown_together(db, client, staff, agreement):
    body = client.post(f"/agreements/{agreement.id}/clauses/new", data=clause_form(
        target="0", start_date="2025-06-01")).get_data(as_text=True)
    assert "Målet skal være større end 0." in body
    assert "Klausulens periode skal ligge inden for byggesagens periode" in body


def test_responsible_contractor_must_be_on_the_project(db, client, staff, site, agreement):
    outsider = factories.organisation("contractor", name="Fjordbyg Entreprise A/S")
    db.session.commit()
    form = client.get(f"/agreements/{agreement.id}/clauses/new").get_data(as_text=True)
    assert "Kærhøj Byg A/S" in form and "Fjordbyg" not in form
    body = client.post(f"/agreements/{agreement.id}/clauses/new", data=clause_form(
        responsible_contractor_id=outsider.id)).get_data(as_text=True)
    assert "Ikke et gyldigt valg." in body
    assert _clause(db) is None


def test_duplicate_clause_ref(db, client, staff, agreement):
    factories.clause(agreement, ref="K-001")
    db.session.commit()
    body = client.post(f"/agreements/{agreement.id}/clauses/new",
                       data=clause_form()).get_data(as_text=True)
    assert "Klausulnr. K-001 er allerede brugt." in body
    assert db.session.scalar(select(func.count()).select_from(Clause)) == 1


# --- Targets from the contract sum or craft cost ----------------------------------------------

def test_derived_target_arithmetic():
    # 85,000,000 / 1,000,000 × 0.1 = 8.5
    assert derived_target(Decimal("85000000"), Decimal("0.1")) == Decimal("8.50")
    # 286,400,000 / 1,000,000 × 0.025 = 7.16
    assert derived_target(Decimal("286400000"), Decimal("0.025")) == Decimal("7.16")
    # 12,450,000 / 1,000,000 × 0.1 = 1.245, rounded half up to 1.25 (not half-even 1.24)
    assert derived_target(Decimal("12450000"), Decimal("0.1")) == Decimal("1.25")


def test_target_from_craft_cost_by_rate_and_the_calculation_shown(db, client, staff, project,
                                                                  agreement):
    project.craft_cost = Decimal("85000000")
    db.session.commit()
    response = client.post(f"/agreements/{agreement.id}/clauses/new", data=clause_form(
        target="", target_basis="craft_cost", target_rate="0,1"), follow_redirects=True)
    clause = _clause(db)
    assert (clause.target, clause.target_basis, clause.target_rate) == (
        Decimal("8.50"), "craft_cost", Decimal("0.1"))
    calculation = "Mål = 85.000.000 kr. / 1 mio. × 0,1 = 8,5 elevårsværk"
    assert calculation in response.get_data(as_text=True)
    assert calculation in client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert calculation in client.get(f"/clauses/{clause.id}/edit").get_data(as_text=True)


def test_a_fixed_target_that_differs_from_the_computed_one_is_refused(db, client, staff,
                                                                     agreement):
    body = client.post(f"/agreements/{agreement.id}/clauses/new", data=clause_form(
        target="99", target_basis="contract_sum", target_rate="0,02", unit="persons"),
    ).get_data(as_text=True)
    # 85,000,000 / 1,000,000 × 0.02 = 1.7: the typed 99 is neither used nor dropped unsaid.
    assert ("Du har skrevet et fast mål på 99 og valgt at beregne målet ud fra "
            "entreprisesummen, som giver 1,7. Tøm feltet Fast mål for at bruge det beregnede "
            "mål, eller vælg »Intet – jeg skriver selv målet« for at beholde 99.") in body
    assert 'value="99"' in body and 'value="0,02"' in body  # what was typed stays in the form
    assert _clause(db) is None


def test_the_craft_cost_names_itself_when_the_targets_differ(db, client, staff, project,
                                                              agreement):
    project.craft_cost = Decimal("40000000")
    db.session.commit()
    body = client.post(f"/agreements/{agreement.id}/clauses/new", data=clause_form(
        target="3", target_basis="craft_cost", target_rate="0,1")).get_data(as_text=True)
    # 40,000,000 / 1,000,000 × 0.1 = 4
    assert "ud fra håndværkerudgiften, som giver 4." in body
    assert _clause(db) is None


def test_a_fixed_target_equal_to_the_computed_one_is_accepted(db, client, staff, agreement):
    # 85,000,000 / 1,000,000 × 0.02 = 1.7, typed as 1,70: nothing is lost either way.
    client.post(f"/agreements/{agreement.id}/clauses/new", data=clause_form(
        target="1,70", target_basis="contract_sum", target_rate="0,02", unit="persons"))
    clause = _clause(db)
    assert (clause.target, clause.target_basis, clause.target_rate) == (
        Decimal("1.70"), "contract_sum", Decimal("0.02"))


def test_a_derived_clause_is_edited_with_its_fixed_target_field_empty(db, client, staff,
                                                                      agreement):
    clause = factories.clause(agreement, ref="K-001", unit="apprentice_years", target="8.5",
                              target_basis="contract_sum", target_rate=Decimal("0.1"))
    db.session.commit()
    form = client.get(f"/clauses/{clause.id}/edit").get_data(as_text=True)
    assert '<input id="target" name="target" type="text" value="">' in form
    assert "Mål = 85.000.000 kr. / 1 mio. × 0,1 = 8,5 elevårsværk" in form
    # A new rate, sent as the form came: 85,000,000 / 1,000,000 × 0.2 = 17.
    response = client.post(f"/clauses/{clause.id}/edit", data=clause_form(
        target="", target_basis="contract_sum", target_rate="0,2", version=1))
    assert response.status_code == 302
    assert _clause(db).target == Decimal("17.00")


@pytest.mark.parametrize("overrides, message", [
    ({"target_basis": "craft_cost", "target_rate": "0,1"},
     "Byggesagen har ingen håndværkerudgift. Skriv den på byggesagen først, eller skriv selv "
     "målet."),
    ({"target_rate": "0,1"}, "Vælg det beløb, satsen gælder for, eller lad satsen stå tom."),
    ({"target_basis": "contract_sum"},
     "Skriv satsen: hvor mange enheder pr. 1 mio. kr., større end 0."),
    ({"target_basis": "contract_sum", "target_rate": "0"},
     "Skriv satsen: hvor mange enheder pr. 1 mio. kr., større end 0."),
    ({"target_basis": "contract_sum", "target_rate": "0,00001"}, "Brug højst 4 decimaler."),
    ({"target_basis": "contract_sum", "target_rate": "0,1", "unit": "percent_hours"},
     "En andel af timerne er en procentsats og kan ikke beregnes ud fra et beløb."),
])
def test_bad_rate_input(db, client, staff, agreement, overrides, message):
    body = client.post(f"/agreements/{agreement.id}/clauses/new",
                       data=clause_form(target="", **overrides)).get_data(as_text=True)
    assert message in body
    assert _clause(db) is None


def test_a_rate_that_rounds_to_zero_is_refused(db, client, staff, project, agreement):
    project.craft_cost = Decimal("40000000")
    db.session.commit()
    # 40,000,000 / 1,000,000 × 0.0001 = 0.004, which rounds to a target of 0.00
    body = client.post(f"/agreements/{agreement.id}/clauses/new", data=clause_form(
        target="", target_basis="craft_cost", target_rate="0,0001")).get_data(as_text=True)
    assert "40.000.000 kr. / 1 mio. × denne sats giver et mål på 0. Brug en større sats." in body
    assert _clause(db) is None


def test_switching_from_derived_to_entered_target_clears_the_rate(db, client, staff, agreement):
    clause = factories.clause(agreement, ref="K-001", unit="apprentice_years", target="8.5",
                              target_basis="contract_sum", target_rate=Decimal("0.1"))
    db.session.commit()
    form = client.get(f"/clauses/{clause.id}/edit").get_data(as_text=True)
    assert 'value="0,1"' in form
    client.post(f"/clauses/{clause.id}/edit", data=clause_form(target="6", version=1))
    clause = _clause(db)
    assert (clause.target, clause.target_basis, clause.target_rate, clause.version) == (
        Decimal("6.00"), None, None, 2)


def test_stale_clause_edit_is_refused_and_keeps_input(db, client, staff, agreement):
    clause = factories.clause(agreement, ref="K-001", target="4")
    db.session.commit()
    client.post(f"/clauses/{clause.id}/edit", data=clause_form(target="5", version=1))
    response = client.post(f"/clauses/{clause.id}/edit", data=clause_form(target="7,5",
                                                                          version=1))
    body = response.get_data(as_text=True)
    assert "En anden har gemt denne registrering" in body and 'value="7,5"' in body
    assert _clause(db).target == Decimal("5.00")


def test_clause_period_can_be_set_within_the_project(db, client, staff, agreement):
    client.post(f"/agreements/{agreement.id}/clauses/new", data=clause_form(
        start_date="2026-03-01", end_date="2026-08-31", frequency="monthly"))
    clause = _clause(db)
    assert (clause.start_date, clause.end_date, clause.frequency) == (
        date(2026, 3, 1), date(2026, 8, 31), "monthly")


# --- Who sees which clause --------------------------------------------------------------------

def test_a_contractor_sees_only_the_clauses_it_answers_for(db, client, login, site, project,
                                                           agreement):
    db.session.add(ProjectContractor(project=project, contractor=site.sub, role="sub"))
    factories.clause(agreement, ref="K-MAIN", responsible_contractor=site.main)
    factories.clause(agreement, ref="K-SUB", responsible_contractor=site.sub)
    factories.clause(agreement, ref="K-ALL")
    user = factories.user("contractor", org=site.main)
    db.session.commit()
    login(user)
    for url in (f"/agreements/{agreement.id}", f"/projects/{project.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "K-MAIN" in page and "K-ALL" in page and "K-SUB" not in page, url
