"""Placements: creating from a participant or a project, bad input, legal-maximum warnings,
ending with an outcome, and the one-click next placement of a pathway."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.models import Placement


def _form(world, **overrides):
    data = {"ref": "F-0001", "kind": "internship", "project_id": world.project.id,
            "employer_id": world.kaerhoej.id, "trade": "murer", "start_date": "2026-01-05",
            "planned_end": "2026-02-01", "hours_per_week": "30"}
    data.update(overrides)
    return data


@pytest.fixture()
def person(db, world):
    p = factories.participant(world.aarhus, ref="D-0001", name="Amina Hassan",
                              benefit_group=world.dagpenge, housing_area=world.gellerup)
    db.session.commit()
    return p


def _count(db) -> int:
    return db.session.scalar(select(func.count(Placement.id)))


def test_create_from_the_participant_page(db, client, world, staff, person):
    response = client.post(f"/participants/{person.id}/placements/new", data=_form(world))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/participants/{person.id}"
    pl = db.session.scalar(select(Placement))
    assert (pl.participant_id, pl.kind, pl.employer_id, pl.project_id, pl.trade) == (
        person.id, "internship", world.kaerhoej.id, world.project.id, "murer")
    assert (pl.start_date, pl.planned_end, pl.hours_per_week) == (
        date(2026, 1, 5), date(2026, 2, 1), Decimal(30))


def test_create_from_a_project_chooses_the_participant(db, client, world, staff, person):
    page = client.get(f"/placements/new?project_id={world.project.id}").get_data(as_text=True)
    assert f'<option selected value="{world.project.id}">' in page  # project preselected
    assert f'<option selected value="{world.kaerhoej.id}">' in page  # its only contractor
    assert 'value="F-0001"' in page
    assert '<datalist id="trades">' in page and '<option value="stilladsmontør">' in page
    response = client.post(f"/placements/new?project_id={world.project.id}",
                           data=_form(world, participant_id=person.id))
    assert response.status_code == 302
    assert db.session.scalar(select(Placement)).participant_id == person.id


def test_participant_is_required_when_not_fixed(db, client, world, staff, person):
    body = client.post("/placements/new", data=_form(world)).get_data(as_text=True)
    assert "Vælg deltageren." in body
    assert _count(db) == 0


def test_next_ref_is_suggested(db, client, world, staff, person):
    factories.placement(person, world.kaerhoej, ref="F-0007")
    db.session.commit()
    assert 'value="F-0008"' in client.get(f"/participants/{person.id}/placements/new").get_data(as_text=True)


@pytest.mark.parametrize("overrides, message", [
    ({"hours_per_week": "0"}, "Timer om ugen skal være mere end 0 og højst 60 (du skrev 0)."),
    ({"hours_per_week": "80"}, "Timer om ugen skal være mere end 0 og højst 60 (du skrev 80)."),
    ({"hours_per_week": "mange"}, "Skal være et tal."),
    ({"planned_end": "2026-01-04"}, "Den planlagte slutdato kan ikke ligge før starten (05.01.2026)."),
    ({"start_date": ""}, "Feltet skal udfyldes."),
    ({"employer_id": ""}, "Vælg arbejdsgiveren."),
    ({"trade": "murer 010190-1234"}, "Det ligner et CPR-nummer."),
])
def test_bad_input_is_explained_and_nothing_saved(db, client, world, staff, person, overrides, message):
    response = client.post(f"/participants/{person.id}/placements/new", data=_form(world, **overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(db) == 0


def test_danish_decimal_comma_in_hours(db, client, world, staff, person):
    client.post(f"/participants/{person.id}/placements/new", data=_form(world, hours_per_week="37,5"))
    assert db.session.scalar(select(Placement)).hours_per_week == Decimal("37.5")


def test_duplicate_ref_is_refused(db, client, world, staff, person):
    factories.placement(person, world.kaerhoej, ref="F-0001")
    db.session.commit()
    body = client.post(f"/participants/{person.id}/placements/new", data=_form(world)).get_data(as_text=True)
    assert "Et andet forløb har referencen F-0001." in body
    assert _count(db) == 1


def test_employer_must_be_a_contractor_on_the_project(db, client, world, staff, person):
    body = client.post(f"/participants/{person.id}/placements/new",
                       data=_form(world, employer_id=world.fjordbyg.id)).get_data(as_text=True)
    assert ("Fjordbyg Entreprise A/S er ikke entreprenør på BB-2207 Gellerup etape 2. "
            "Vælg en af byggesagens entreprenører, eller ingen byggesag.") in body
    assert _count(db) == 0
    # Without a project any active contractor may employ.
    assert client.post(f"/participants/{person.id}/placements/new",
                       data=_form(world, employer_id=world.fjordbyg.id, project_id="")).status_code == 302


def test_no_placement_before_consent(db, client, world, staff):
    person = factories.participant(ref="D-0002", name="Omar Ali", consent_date=None)
    db.session.commit()
    body = client.post(f"/participants/{person.id}/placements/new", data=_form(world)).get_data(as_text=True)
    assert "Omar Ali har ikke noget registreret samtykke." in body
    assert _count(db) == 0


def test_over_the_legal_maximum_is_saved_with_a_warning(db, client, world, staff, person):
    # Dagpenge: internship at most 4 weeks; 5 January to 15 February 2026 = 42 days = 6,0 weeks.
    response = client.post(f"/participants/{person.id}/placements/new",
                           data=_form(world, planned_end="2026-02-15"), follow_redirects=True)
    body = response.get_data(as_text=True)
    expected = ("Virksomhedspraktik: højst 4 uger for modtagere af dagpenge — planlagt 6,0 uger "
                "(2,0 uger over grænsen)")
    assert _count(db) == 1
    assert f'<p class="flash flash-warning">{expected}</p>' in body      # the flash
    assert f'<p class="rule-warning">⚠ {expected}</p>' in body           # on the placement row
    pl = db.session.scalar(select(Placement))
    assert expected in client.get(f"/placements/{pl.id}").get_data(as_text=True)


def test_within_the_maximum_there_is_no_warning(db, client, world, staff, person):
    body = client.post(f"/participants/{person.id}/placements/new", data=_form(world),
                       follow_redirects=True).get_data(as_text=True)
    assert "over grænsen" not in body


def test_ending_asks_for_date_and_outcome(db, client, world, staff, person):
    pl = factories.placement(person, world.kaerhoej, project=world.project, start_date=date(2026, 1, 5))
    db.session.commit()
    body = client.post(f"/placements/{pl.id}/end", data={"end_date": "2026-01-04", "outcome": "",
                                                         "version": 1}).get_data(as_text=True)
    assert "Slutdatoen kan ikke ligge før starten (05.01.2026)." in body
    assert "Vælg, hvad forløbet førte til." in body
    db.session.refresh(pl)
    assert pl.end_date is None
    response = client.post(f"/placements/{pl.id}/end",
                           data={"end_date": "2026-01-30", "outcome": "ordinary_job", "version": 1})
    assert response.headers["Location"] == f"/placements/{pl.id}"
    db.session.refresh(pl)
    assert (pl.end_date, pl.outcome) == (date(2026, 1, 30), "ordinary_job")


def test_next_placement_is_one_click_from_the_end(db, client, world, staff, person):
    first = factories.placement(person, world.kaerhoej, project=world.project, ref="F-0001",
                                start_date=date(2026, 1, 5), planned_end=date(2026, 2, 1), trade="murer",
                                hours_per_week=37.5)
    db.session.commit()
    # Ending with "next placement" goes straight to the prefilled form.
    response = client.post(f"/placements/{first.id}/end",
                           data={"end_date": "2026-01-30", "outcome": "next_placement", "version": 1})
    assert response.headers["Location"] == f"/participants/{person.id}/placements/new?after={first.id}"
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="2026-01-31"' in form                                   # the day after the end
    assert '<option selected value="wage_subsidy">' in form               # the usual next step
    assert f'<option selected value="{world.kaerhoej.id}">' in form
    assert f'<option selected value="{world.project.id}">' in form
    assert 'value="murer"' in form and 'value="F-0002"' in form
    assert 'name="hours_per_week" required type="text" value="37,5"' in form     # Danish decimal comma
    saved = client.post(response.headers["Location"], data=_form(
        world, ref="F-0002", kind="wage_subsidy", start_date="2026-01-31", planned_end="2026-06-30"))
    assert saved.status_code == 302
    second = db.session.scalar(select(Placement).where(Placement.ref == "F-0002"))
    db.session.refresh(first)
    assert first.next_placement_id == second.id
    # Once linked, the button is gone and a second attempt is sent to the existing next one.
    page = client.get(f"/participants/{person.id}").get_data(as_text=True)
    assert f"/participants/{person.id}/placements/new?after={first.id}" not in page
    again = client.get(f"/participants/{person.id}/placements/new?after={first.id}")
    assert again.headers["Location"] == f"/placements/{second.id}"


def test_ended_placement_offers_the_next_one(db, client, world, staff, person):
    pl = factories.placement(person, world.kaerhoej, start_date=date(2026, 1, 5),
                             end_date=date(2026, 1, 30), outcome="unemployed")
    db.session.commit()
    page = client.get(f"/placements/{pl.id}").get_data(as_text=True)
    assert "Opret næste forløb" in page
    assert f"/participants/{person.id}/placements/new?after={pl.id}" in page


def test_next_placement_cannot_start_before_the_previous_ended(db, client, world, staff, person):
    pl = factories.placement(person, world.kaerhoej, project=world.project,
                             start_date=date(2026, 1, 5), end_date=date(2026, 1, 30),
                             outcome="next_placement")
    db.session.commit()
    body = client.post(f"/participants/{person.id}/placements/new?after={pl.id}",
                       data=_form(world, ref="F-0002", start_date="2026-01-20", planned_end="")
                       ).get_data(as_text=True)
    assert "Det næste forløb kan ikke starte, før" in body
    assert _count(db) == 1


def test_edit_placement_with_locking_and_outcome_rules(db, client, world, staff, person):
    pl = factories.placement(person, world.kaerhoej, project=world.project, ref="F-0001",
                             start_date=date(2026, 1, 5))
    db.session.commit()
    body = client.post(f"/placements/{pl.id}/edit", data=_form(world, end_date="2026-01-30", outcome="",
                                                               version=1)).get_data(as_text=True)
    assert "Vælg resultatet af det afsluttede forløb." in body
    assert client.post(f"/placements/{pl.id}/edit",
                       data=_form(world, trade="tømrer", version=1)).status_code == 302
    stale = client.post(f"/placements/{pl.id}/edit", data=_form(world, trade="maler", version=1))
    assert "En anden har gemt denne registrering" in stale.get_data(as_text=True)
    db.session.refresh(pl)
    assert (pl.trade, pl.version) == ("tømrer", 2)


def test_editing_over_the_maximum_warns(db, client, world, staff, person):
    pl = factories.placement(person, world.kaerhoej, project=world.project, ref="F-0001",
                             start_date=date(2026, 1, 5), planned_end=date(2026, 2, 1))
    db.session.commit()
    body = client.post(f"/placements/{pl.id}/edit", data=_form(world, hours_per_week="40", version=1),
                       follow_redirects=True).get_data(as_text=True)
    assert "Virksomhedspraktik: højst 37 timer om ugen — 40,0 timer om ugen (3,0 timer over grænsen)" in body


@pytest.mark.parametrize("role", ["contractor", "builder", "municipality"])
def test_only_the_secretariat_creates_placements(db, client, login, world, person, role):
    org = {"contractor": world.kaerhoej, "builder": world.builder, "municipality": world.aarhus}[role]
    pl = factories.placement(person, world.kaerhoej, project=world.project)
    user = factories.user(role, org=org)
    db.session.commit()
    login(user)
    assert client.get(f"/placements/new?project_id={world.project.id}").status_code == 404
    assert client.post(f"/participants/{person.id}/placements/new", data=_form(world)).status_code == 404
    assert client.get(f"/placements/{pl.id}/edit").status_code == 404
    assert client.post(f"/placements/{pl.id}/end", data={}).status_code == 404


def test_placement_forms_speak_danish(db, client, world, staff, person):
    pl = factories.placement(person, world.kaerhoej, start_date=date(2026, 1, 5))
    db.session.commit()
    form = client.get(f"/participants/{person.id}/placements/new").get_data(as_text=True)
    assert "Virksomhedspraktik" in form and "Løntilskud" in form
    assert '<optgroup label="Entreprenører">' in form
    end = client.get(f"/placements/{pl.id}/end").get_data(as_text=True)
    assert "Ordinært job" in end and "Afbrudt" in end


def test_the_projects_contractors_are_offered_first(db, client, world, staff, person):
    from tracker.models import ProjectContractor

    second = factories.organisation("contractor", name="Aaby Murer ApS")
    db.session.add(ProjectContractor(project=world.project, contractor=second, role="sub"))
    db.session.commit()
    form = client.get(f"/placements/new?project_id={world.project.id}").get_data(as_text=True)
    group = form[form.index('<optgroup label="Entreprenører på byggesagen">'):]
    group = group[:group.index("</optgroup>")]
    assert "Kærhøj Byg A/S" in group and "Aaby Murer ApS" in group and "Fjordbyg" not in group
    assert "<option selected" not in group  # two contractors: the user chooses
