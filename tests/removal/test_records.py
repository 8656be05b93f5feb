"""Removing an organisation, a housing area, a building project, an agreement, an
evaluation or an action made by mistake; refused, with what still refers to it, when
something does. The world is tests/documents/conftest.py's."""
from datetime import date

from sqlalchemy import func, select

from tests import factories
from tracker.models import (
    Agreement,
    Evaluation,
    EvaluationAction,
    HousingArea,
    Organisation,
    Project,
    ProjectContractor,
)

TICKED = {"confirm": "y"}


def _count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_an_unused_organisation_goes_a_used_one_stays(db, client, login, world):
    typo = factories.organisation("contractor", name="Murer Tset A/S")
    db.session.commit()
    login(world.users["staff"])
    assert "Organisationen Murer Tset A/S" in client.get(
        f"/organisations/{typo.id}/remove").get_data(as_text=True)
    client.post(f"/organisations/{typo.id}/remove", data={})  # not ticked: nothing happens
    assert _count(db, Organisation, Organisation.id == typo.id) == 1
    assert client.post(f"/organisations/{typo.id}/remove", data=TICKED).status_code == 302
    assert _count(db, Organisation, Organisation.id == typo.id) == 0
    # C2 is a contractor on the project, employs Ada's wage subsidy and reported on K2.
    page = client.get(f"/organisations/{world.c2.id}/remove").get_data(as_text=True)
    assert ("Maler Test ApS er i brug og kan ikke fjernes: 1 indberetninger, 1 forløb, "
            "1 byggesager som entreprenør henviser til den.") in page
    client.post(f"/organisations/{world.c2.id}/remove", data=TICKED)
    assert _count(db, Organisation, Organisation.id == world.c2.id) == 1


def test_an_unused_housing_area_goes(db, client, login, world):
    empty = factories.housing_area(world.m, name="Tomparken")
    db.session.commit()
    login(world.users["staff"])
    assert client.post(f"/housing-areas/{empty.id}/remove", data=TICKED).status_code == 302
    assert _count(db, HousingArea, HousingArea.id == empty.id) == 0
    # Testparken has the project and five residents.
    page = client.get(f"/housing-areas/{world.area.id}/remove").get_data(as_text=True)
    assert "Testparken er i brug og kan ikke fjernes: 5 deltagere, 1 byggesager" in page


def test_a_project_goes_with_its_contractors_until_it_has_an_agreement(db, client, login,
                                                                       world):
    mistake = factories.project(builder=world.builder, contractors=[world.c1],
                                case_number="T-999", start_date=date(2026, 1, 1))
    db.session.commit()
    mistake_id = mistake.id
    login(world.users["staff"])
    assert client.post(f"/projects/{mistake_id}/remove", data=TICKED).status_code == 302
    assert _count(db, Project, Project.case_number == "T-999") == 0
    assert _count(db, ProjectContractor, ProjectContractor.project_id == mistake_id) == 0
    page = client.get(f"/projects/{world.project.id}/remove").get_data(as_text=True)
    assert "T-100 er i brug og kan ikke fjernes: 1 aftaler" in page


def test_an_agreement_goes_with_its_parties_until_it_has_clauses(db, client, login, world):
    mistake = factories.agreement(world.other_project, ref="A-MISTAKE")
    db.session.commit()
    login(world.users["staff"])
    assert client.post(f"/agreements/{mistake.id}/remove", data=TICKED).status_code == 302
    assert _count(db, Agreement, Agreement.ref == "A-MISTAKE") == 0
    page = client.get(f"/agreements/{world.agreement.id}/remove").get_data(as_text=True)
    assert "er i brug og kan ikke fjernes: 3 klausuler" in page


def test_an_evaluation_goes_with_its_actions(db, client, login, world):
    evaluation = Evaluation(agreement=world.agreement, year=2026, findings="Fejl.")
    evaluation.actions.append(EvaluationAction(description="Ring til C1", owner="Sekretariatet",
                                               due_date=date(2026, 8, 1)))
    evaluation.actions.append(EvaluationAction(description="Ring til C2", owner="Sekretariatet",
                                               due_date=date(2026, 8, 1)))
    db.session.add(evaluation)
    db.session.commit()
    first = evaluation.actions[0].id
    login(world.users["staff"])
    assert client.post(f"/evaluations/actions/{first}/remove", data=TICKED).status_code == 302
    assert _count(db, EvaluationAction) == 1
    page = client.get(f"/evaluations/{evaluation.id}/remove").get_data(as_text=True)
    assert "dens 1 opfølgningshandlinger" in page
    assert client.post(f"/evaluations/{evaluation.id}/remove", data=TICKED).status_code == 302
    assert (_count(db, Evaluation), _count(db, EvaluationAction)) == (0, 0)


def test_others_cannot_remove(db, client, login, world):
    login(world.users["builder"])
    for url in (f"/organisations/{world.c1.id}/remove", f"/projects/{world.project.id}/remove",
                f"/agreements/{world.agreement.id}/remove"):
        assert client.post(url, data=TICKED).status_code == 404, url
