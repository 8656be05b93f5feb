"""Every page that shows participants is in the access log: one 'view' event per page shown,
naming the participants on it and the purpose, found in each one's audit history."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests import factories
from tracker.models import AuditEvent, AuditEventParticipant

TODAY = date.today()


@pytest.fixture()
def people(db, world):
    """Amina and Sara (Aarhus), Omar (Odense). Amina's internship with Kærhøj on the project
    ended a pathway (follow-ups due); Omar's with Fjordbyg passed its planned end without
    an actual end (to close); Sara has no placement."""
    amina = factories.participant(world.aarhus, ref="D-0001", name="Amina Hassan")
    omar = factories.participant(world.odense, ref="D-0002", name="Omar Ali")
    sara = factories.participant(world.aarhus, ref="D-0003", name="Sara Nielsen")
    factories.placement(amina, world.kaerhoej, project=world.project,
                        start_date=date(2026, 1, 5), end_date=date(2026, 1, 30),
                        outcome="unemployed")
    factories.placement(omar, world.fjordbyg, start_date=TODAY - timedelta(days=60),
                        planned_end=TODAY - timedelta(days=10))
    db.session.commit()
    return {"amina": amina, "omar": omar, "sara": sara}


def _user(db, login, role, org=None):
    user = factories.user(role, org=org)
    db.session.commit()
    login(user)
    return user


def _views(db) -> list[tuple]:
    """Every list view so far, oldest first: (entity, entity id, purpose, user, participants)."""
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "view", AuditEvent.participant_id.is_(None))
        .order_by(AuditEvent.id)).all()
    return [(e.entity, e.entity_id, e.purpose, e.user_id, sorted(db.session.scalars(
        select(AuditEventParticipant.participant_id)
        .where(AuditEventParticipant.event_id == e.id))))
        for e in events]


def test_each_page_of_the_list_is_one_event_naming_those_on_it(db, client, world, staff,
                                                                people, monkeypatch):
    from tracker import lists

    amina, omar, sara = people["amina"], people["omar"], people["sara"]
    monkeypatch.setattr(lists, "PER_PAGE", 2)
    # By name: Amina Hassan, Omar Ali on page 1; Sara Nielsen on page 2.
    assert client.get("/participants/").status_code == 200
    assert client.get("/participants/?page=2&purpose=follow_up").status_code == 200
    assert client.get("/participants/?q=Nielsen").status_code == 200
    assert client.get("/participants/?q=Ingen+hedder+sådan").status_code == 200  # shows nobody
    assert _views(db) == [
        ("participant_list", None, "casework", staff.id, sorted([amina.id, omar.id])),
        ("participant_list", None, "follow_up", staff.id, [sara.id]),
        ("participant_list", None, "casework", staff.id, [sara.id]),
    ]
    # Sara's history shows both pages that showed her; Amina's the one.
    page = client.get(f"/participants/{sara.id}").get_data(as_text=True)
    history = page[page.index("Logning (historik)"):]
    assert history.count("<td>Set</td><td>Deltagerlisten</td>") == 2
    assert "<td>Set</td><td>Deltagerlisten</td><td>Opfølgning</td>" in history
    page = client.get(f"/participants/{amina.id}").get_data(as_text=True)
    assert page[page.index("Logning (historik)"):].count("Deltagerlisten") == 1


def test_an_export_is_logged_per_participant_not_as_a_page(db, client, world, staff, people):
    assert client.get("/participants/?export=csv").status_code == 200
    assert _views(db) == []
    exports = db.session.scalars(select(AuditEvent.participant_id)
                                 .where(AuditEvent.action == "export")).all()
    assert sorted(exports) == sorted(p.id for p in people.values())


def test_a_municipality_s_list_names_its_residents_only(db, client, login, world, people):
    user = _user(db, login, "municipality", world.aarhus)
    assert client.get("/participants/").status_code == 200
    assert _views(db) == [("participant_list", None, "casework", user.id,
                           sorted([people["amina"].id, people["sara"].id]))]


def test_the_work_lists_name_their_participants(db, client, world, staff, people):
    # Amina's three follow-ups (3, 6 and 12 months) are due: she is named once.
    assert client.get("/follow-ups/").status_code == 200
    assert client.get("/placements/to-close/").status_code == 200
    assert _views(db) == [
        ("follow_up_list", None, "follow_up", staff.id, [people["amina"].id]),
        ("placements_to_close", None, "casework", staff.id, [people["omar"].id]),
    ]


def test_the_project_page_names_the_placed_participants_except_to_builders(
        db, client, login, world, people):
    contractor = _user(db, login, "contractor", world.kaerhoej)
    assert client.get(f"/projects/{world.project.id}").status_code == 200
    assert _views(db) == [("project_placements", world.project.id, "casework", contractor.id,
                           [people["amina"].id])]
    client.post("/logout")
    _user(db, login, "builder", world.builder)  # pseudonyms only: nothing personal shown
    assert client.get(f"/projects/{world.project.id}").status_code == 200
    assert len(_views(db)) == 1


def test_the_placement_form_s_choice_of_participants_is_logged(db, client, world, staff,
                                                                people, monkeypatch):
    from tracker.participants import placement_forms

    everyone = sorted(p.id for p in people.values())
    assert client.get("/placements/new").status_code == 200  # a drop-down of all three
    # With more participants than a drop-down holds, a typed name lists those matching it:
    # "a" is in all three names.
    monkeypatch.setattr(placement_forms, "SELECT_MAX", 2)
    page = client.post("/placements/new", data={"participant_name": "a"})
    assert "Flere deltagere passer" in page.get_data(as_text=True)
    assert client.post("/placements/new", data={"participant_name": "Omar"}).status_code == 200
    assert _views(db) == [("placement_form", None, "casework", staff.id, everyone),
                          ("placement_form", None, "casework", staff.id, everyone)]
