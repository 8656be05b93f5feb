"""The API's answers with residents' data are in the access log like the pages: a page of
participants or placements is one 'view' event naming the participants in it; one
placement is a view of its participant. Builders get pseudonyms only and are not logged."""
from sqlalchemy import select

from tracker.models import AuditEvent, AuditEventParticipant


def _named(db, event: AuditEvent) -> list[int]:
    return sorted(db.session.scalars(select(AuditEventParticipant.participant_id)
                                     .where(AuditEventParticipant.event_id == event.id)))


def _views(db) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "view")
                              .order_by(AuditEvent.id)).all()


def test_a_page_of_participants_names_those_in_it(db, call, api_world):
    w = api_world
    answer = call("municipality", "/participants?per_page=1&page=2").get_json()
    assert [p["name"] for p in answer["participants"]] == ["Bo Jensen"]  # by id: Amina, Bo
    (event,) = _views(db)
    assert (event.entity, event.purpose, event.user_id) == (
        "api_participants", "casework", w.users["municipality"].id)
    assert _named(db, event) == [w.bo.id]
    call("staff", "/participants")
    assert _named(db, _views(db)[-1]) == sorted([w.amina.id, w.bo.id, w.odense_resident.id])


def test_a_page_of_placements_names_their_participants(db, call, api_world):
    w = api_world
    answer = call("contractor", "/placements").get_json()
    assert sorted(p["id"] for p in answer["placements"]) == sorted([w.internship.id, w.wage.id])
    (event,) = _views(db)
    assert event.entity == "api_placements" and _named(db, event) == sorted([w.amina.id, w.bo.id])
    call("contractor", f"/placements/{w.wage.id}")
    one = _views(db)[-1]
    assert (one.entity, one.entity_id, one.participant_id) == ("placements", w.wage.id, w.bo.id)


def test_builders_see_pseudonyms_and_are_not_logged(db, call, api_world):
    assert call("builder", "/participants").status_code == 200
    assert call("builder", "/placements").status_code == 200
    assert _views(db) == []
