"""The audit trail is append-only in the database itself: triggers refuse to change or delete
its rows, except that maintenance mode (the retention job's anonymisation) may blank the
copied field values; and a participant's history finds the pages that showed them among
others."""
from datetime import date

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from tests import factories
from tracker.audit import maintenance, participant_history, record_shown
from tracker.models import AuditEvent, AuditEventParticipant, MaintenanceMode


@pytest.fixture()
def trail(db):
    """Amina's enrolment (a 'create' event naming her) and one list view showing Amina and
    Omar, committed."""
    amina = factories.participant(name="Amina Hassan", intake_date=date(2026, 1, 5))
    omar = factories.participant(name="Omar Ali", intake_date=date(2026, 3, 1))
    db.session.commit()
    event_id = record_shown(db.session, "participant_list", [amina.id, omar.id], "casework")
    db.session.commit()
    created = db.session.scalar(select(AuditEvent).where(
        AuditEvent.entity == "participants", AuditEvent.entity_id == amina.id))
    return amina, omar, created, event_id


def _refused(db, statement):
    with pytest.raises(IntegrityError, match="append-only"):
        db.session.execute(statement)
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("statement", [
    update(AuditEvent).values(changes=None),
    update(AuditEvent).values(actor="someone else"),
    delete(AuditEventParticipant),
    delete(AuditEvent),
    update(AuditEventParticipant).values(participant_id=999),
], ids=["blank changes", "rewrite actor", "delete names", "delete events", "rename"])
def test_the_trail_refuses_updates_and_deletes(db, trail, statement):
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    _refused(db, statement)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert db.session.scalar(select(func.count()).select_from(AuditEventParticipant)) == 2


def test_the_unlock_of_another_transaction_counts_for_nothing(db, trail):
    """The unlock is a row inserted and deleted in the one transaction: once that has ended,
    the trail is locked again."""
    _amina, _omar, created, _event = trail
    with maintenance(db.session, "anonymise"):
        pass
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(MaintenanceMode)) == 0
    _refused(db, update(AuditEvent).where(AuditEvent.id == created.id).values(changes=None))


def test_maintenance_may_blank_the_copied_values_and_nothing_else(db, trail):
    amina, _omar, created, _event = trail
    assert created.changes["name"] == "Amina Hassan"
    with maintenance(db.session, "anonymise"):
        db.session.execute(update(AuditEvent).where(AuditEvent.id == created.id)
                           .values(changes={"name": None}))
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(AuditEvent, created.id)
    assert kept.changes == {"name": None}
    assert (kept.action, kept.participant_id, kept.actor) == ("create", amina.id, "cli")
    # Who, when, what and why stay as written, even in maintenance mode.
    with pytest.raises(IntegrityError, match="append-only"):
        with maintenance(db.session, "anonymise"):
            db.session.execute(update(AuditEvent).where(AuditEvent.id == created.id)
                               .values(actor="nobody"))
    db.session.rollback()
    assert db.session.get(AuditEvent, created.id).actor == "cli"


def test_a_second_unlock_row_is_refused(db):
    db.session.execute(text("INSERT INTO maintenance_mode (id, reason) VALUES (1, 'empty')"))
    with pytest.raises(IntegrityError):
        db.session.execute(text("INSERT INTO maintenance_mode (id, reason) VALUES (2, 'empty')"))
    db.session.rollback()


def test_history_holds_the_list_views_that_showed_the_participant(db, trail):
    amina, omar, created, event_id = trail
    sara = factories.participant(name="Sara Nielsen")
    db.session.commit()
    only_omar = record_shown(db.session, "participant_list", [omar.id], "follow_up")
    db.session.commit()
    # Amina: her enrolment and the list that showed her; not the list that showed Omar alone.
    assert sorted(e.id for e in participant_history(db.session, amina.id, 10)) == sorted(
        [created.id, event_id])
    omar_events = [e.id for e in participant_history(db.session, omar.id, 10)]
    assert only_omar in omar_events and event_id in omar_events and len(omar_events) == 3
    assert [e.action for e in participant_history(db.session, sara.id, 10)] == ["create"]
