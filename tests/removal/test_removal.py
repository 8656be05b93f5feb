"""Undoing mistakes: each removal shows what goes and how the clause figures change, does
nothing until the box is ticked, and is audited. The world and its figures are
tests/documents/conftest.py's: K1 (internships, persons, target 4) counts Ada's and Bo's
internships at C1: 2 of 4 = 50,0 %."""
from datetime import date

import pytest
from sqlalchemy import func, select

from tracker.counting import clause_figures
from tracker.models import (
    AgreementParty,
    AuditEvent,
    Clause,
    FollowUp,
    Participant,
    Placement,
    ProgressAssessment,
    ProjectContractor,
)

TODAY = date.today()
TICKED = {"confirm": "y"}


def _k1(db, world) -> tuple:
    figures = clause_figures([world.k1.id], TODAY)[world.k1.id]
    return figures.registered, figures.percent


def _count(db, model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _internship(db, participant) -> Placement:
    return db.session.scalars(select(Placement).where(
        Placement.participant_id == participant.id, Placement.kind == "internship")).one()


def test_a_placement_goes_with_its_follow_ups_after_the_confirmation(db, client, login, world):
    bo = _internship(db, world.bo)
    bo_id = bo.id
    login(world.users["staff"])
    page = client.get(f"/placements/{bo.id}/remove").get_data(as_text=True)
    assert f"Forløb {bo.ref} for Bo Prøvesen" in page
    assert "1 opfølgning registreret efter det." in page
    # K1 counts Bo's internship: 2 → 1 of 4, 50,0 % → 25,0 %.
    assert "K1 (Virksomhedspraktik): registreret 2 → 1 (50,0 % → 25,0 % af målet)" in page
    # Looking changed nothing; neither does a press without the box ticked.
    assert _k1(db, world) == (2, 50)
    refused = client.post(f"/placements/{bo.id}/remove", data={})
    assert "Sæt kryds for at bekræfte." in refused.get_data(as_text=True)
    assert _count(db, Placement, Placement.id == bo.id) == 1
    done = client.post(f"/placements/{bo.id}/remove", data=TICKED)
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/participants/{world.bo.id}")
    assert _count(db, Placement, Placement.id == bo_id) == 0
    assert _count(db, FollowUp, FollowUp.placement_id == bo_id) == 0
    assert _k1(db, world) == (1, 25)
    assert _count(db, AuditEvent, AuditEvent.action == "delete",
                  AuditEvent.entity == "placements", AuditEvent.entity_id == bo_id) == 1


def test_removing_a_middle_step_reopens_the_step_before_it(db, client, login, world):
    """Ada: internship → wage subsidy → job. Without the wage subsidy the internship has no
    next placement and no outcome: it is to be closed again."""
    internship = _internship(db, world.ada)
    wage = db.session.get(Placement, internship.next_placement_id)
    login(world.users["staff"])
    page = client.get(f"/placements/{wage.id}/remove").get_data(as_text=True)
    assert f"Forløb {internship.ref} førte videre til dette" in page
    assert client.post(f"/placements/{wage.id}/remove", data=TICKED).status_code == 302
    db.session.expire_all()
    internship = db.session.get(Placement, internship.id)
    assert (internship.next_placement_id, internship.outcome) == (None, None)
    assert internship.end_date == date(2026, 2, 28)


def test_a_follow_up_and_an_assessment_go_after_the_confirmation(db, client, login, world):
    follow_up = db.session.scalars(select(FollowUp)).one()
    assessment = db.session.scalars(select(ProgressAssessment).order_by(
        ProgressAssessment.assessed_on)).first()
    login(world.users["staff"])
    assert "dateret 28.06.2026" in client.get(
        f"/follow-ups/{follow_up.id}/remove").get_data(as_text=True)
    assert client.post(f"/follow-ups/{follow_up.id}/remove", data=TICKED).status_code == 302
    assert "Ada Testesen" in client.get(
        f"/assessments/{assessment.id}/remove").get_data(as_text=True)
    assert client.post(f"/assessments/{assessment.id}/remove", data=TICKED).status_code == 302
    assert _count(db, FollowUp) == 0
    assert _count(db, ProgressAssessment) == 1


def test_a_clause_goes_unless_it_was_reported_on(db, client, login, world):
    login(world.users["staff"])
    # K2 has C2's approved report: refused, and no box to tick.
    refused = client.get(f"/clauses/{world.k2.id}/remove").get_data(as_text=True)
    assert "Klausul K2 har 1 indberetning og kan ikke fjernes." in refused
    assert 'name="confirm"' not in refused
    client.post(f"/clauses/{world.k2.id}/remove", data=TICKED)
    page = client.get(f"/clauses/{world.k3.id}/remove").get_data(as_text=True)
    assert "Klausul K3" in page
    assert client.post(f"/clauses/{world.k3.id}/remove", data=TICKED).status_code == 302
    assert sorted(db.session.scalars(select(Clause.ref))) == ["K1", "K2"]


def test_a_party_and_a_contractor_leave_after_the_confirmation(db, client, login, world):
    party = db.session.scalars(select(AgreementParty)).one()
    login(world.users["staff"])
    page = client.get(f"/agreement-parties/{party.id}/remove").get_data(as_text=True)
    assert "Dens 1 bidrag og 1 fordele." in page
    assert client.post(f"/agreement-parties/{party.id}/remove", data=TICKED).status_code == 302
    assert _count(db, AgreementParty) == 0
    # C1 has placements on the project: refused. C2 has a report: refused as well.
    refused = client.get(f"/projects/{world.project.id}/contractors/{world.c1.id}/remove")
    assert "har 4 forløb" in refused.get_data(as_text=True)
    client.post(f"/projects/{world.project.id}/contractors/{world.c1.id}/remove", data=TICKED)
    assert _count(db, ProjectContractor, ProjectContractor.project_id == world.project.id) == 2


def test_an_admin_removes_a_participant_enrolled_by_mistake(db, client, login, world):
    login(world.users["admin"])
    page = client.get(f"/participants/{world.dea.id}/remove").get_data(as_text=True)
    assert "Dea Demosen (D-4)" in page
    assert client.post(f"/participants/{world.dea.id}/remove", data=TICKED).status_code == 302
    assert _count(db, Participant, Participant.id == world.dea.id) == 0
    # Nothing of her name is left in the audit trail's copied values.
    changes = db.session.scalars(select(AuditEvent.changes).where(
        AuditEvent.changes.is_not(None))).all()
    assert "Dea" not in str(changes)
    # Ada has a pathway: refused, pointing to erasure.
    refused = client.get(f"/participants/{world.ada.id}/remove").get_data(as_text=True)
    assert "slet deltageren i stedet" in refused and 'name="confirm"' not in refused


@pytest.mark.parametrize("role", ["contractor", "builder", "municipality"])
def test_only_the_secretariat_removes(db, client, login, world, role):
    login(world.users[role])
    bo = _internship(db, world.bo)
    for url in (f"/placements/{bo.id}/remove", f"/clauses/{world.k3.id}/remove",
                f"/participants/{world.dea.id}/remove"):
        assert client.post(url, data=TICKED).status_code == 404, url
    assert _count(db, Placement, Placement.id == bo.id) == 1
