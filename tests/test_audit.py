"""The audit trail is written from one place for every insert, update and delete."""
from datetime import date

from sqlalchemy import select

from tests import factories
from tracker.models import AuditEvent


def _events(db, entity):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id)).all()


def test_insert_update_delete_are_recorded_with_changed_fields(db):
    area = factories.housing_area(name="Gellerup")
    db.session.commit()
    area.name = "Gellerupparken"
    db.session.commit()
    db.session.delete(area)
    db.session.commit()
    events = _events(db, "housing_areas")
    assert [e.action for e in events] == ["create", "update", "delete"]
    assert events[0].changes["name"] == "Gellerup"
    assert events[1].changes == {"name": ["Gellerup", "Gellerupparken"]}
    assert events[2].entity_id == events[0].entity_id
    assert all(e.actor == "cli" and e.user_id is None for e in events)


def test_unchanged_assignment_writes_nothing(db):
    area = factories.housing_area(name="Vollsmose")
    db.session.commit()
    area.name = "Vollsmose"
    db.session.commit()
    assert [e.action for e in _events(db, "housing_areas")] == ["create"]


def test_secrets_never_reach_the_trail(db):
    factories.user("staff")
    db.session.commit()
    (event,) = _events(db, "users")
    assert "password_hash" not in event.changes


def test_participant_changes_carry_the_participant(db):
    person = factories.participant(name="Amina Hassan")
    db.session.commit()
    person.birth_year = 1990
    db.session.commit()
    events = _events(db, "participants")
    assert [e.participant_id for e in events] == [person.id, person.id]
    assert events[1].changes == {"birth_year": [None, 1990]}


def test_web_user_is_the_actor_and_views_are_logged(db, client, login):
    staff = factories.user("staff")
    person = factories.participant(intake_date=date(2026, 1, 5))
    db.session.commit()
    login(staff)
    assert client.get(f"/participants/{person.id}").status_code == 200
    views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "view")).all()
    assert len(views) == 1
    assert (views[0].user_id, views[0].actor, views[0].participant_id) == (
        staff.id, staff.email, person.id)
