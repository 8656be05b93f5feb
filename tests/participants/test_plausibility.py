"""Plausible dates: a placement starts on or after the participant's intake and consent; a
follow-up or progress assessment is not dated in the future (today in Danish time). Data
stored before these rules still shows and can be corrected: a rule applies when its dates
change."""
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.i18n import today
from tracker.models import FollowUp, Participant, Placement, ProgressAssessment
from tracker.participants import forms as participant_forms

from .conftest import assessment, follow_up

TODAY = date(2026, 6, 10)


@pytest.fixture()
def person(db, world):
    """Enrolled on 10 January 2026, consent given on 20 January."""
    p = factories.participant(world.aarhus, ref="D-0001", name="Amina Hassan",
                              housing_area=world.gellerup, intake_date=date(2026, 1, 10),
                              consent_date=date(2026, 1, 20))
    db.session.commit()
    return p


@pytest.fixture()
def fixed_today(monkeypatch):
    """Today is 10 June 2026 for the forms' "not in the future"."""
    monkeypatch.setattr(participant_forms, "today", lambda: TODAY)
    return TODAY


def _placement_form(world, **overrides):
    data = {"ref": "F-0001", "kind": "internship", "project_id": world.project.id,
            "employer_id": world.kaerhoej.id, "trade": "murer", "start_date": "2026-02-02",
            "planned_end": "2026-03-01", "hours_per_week": "30"}
    data.update(overrides)
    return data


def _placements(db) -> int:
    return db.session.scalar(select(func.count(Placement.id)))


# --- Today in Denmark ---------------------------------------------------------------------

@pytest.mark.parametrize("now, expected", [
    # Winter (UTC+1): 23:30 UTC on 1 March is 00:30 on 2 March in Copenhagen.
    (datetime(2026, 3, 1, 23, 30, tzinfo=UTC), date(2026, 3, 2)),
    (datetime(2026, 3, 1, 22, 59, tzinfo=UTC), date(2026, 3, 1)),
    # Summer (UTC+2): 21:59 UTC on 30 June is 23:59 there; 22:00 UTC is already 1 July.
    (datetime(2026, 6, 30, 21, 59, tzinfo=UTC), date(2026, 6, 30)),
    (datetime(2026, 6, 30, 22, 0, tzinfo=UTC), date(2026, 7, 1)),
])
def test_today_is_the_date_in_copenhagen(app, now, expected):
    assert today(now) == expected


# --- A placement's start ------------------------------------------------------------------

@pytest.mark.parametrize("start, message", [
    # Before both dates: the later one, consent on 20 January, is the earliest start allowed.
    ("2026-01-05", "Forløbet kan ikke starte, før Amina Hassan gav samtykke (20.01.2026)."),
    # After the intake but before the consent.
    ("2026-01-19", "Forløbet kan ikke starte, før Amina Hassan gav samtykke (20.01.2026)."),
])
def test_a_placement_cannot_start_before_the_consent(db, client, world, staff, person, start,
                                                     message):
    response = client.post(f"/participants/{person.id}/placements/new",
                           data=_placement_form(world, start_date=start, planned_end=""))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _placements(db) == 0


def test_a_placement_cannot_start_before_the_intake(db, client, world, staff, person):
    # Consent recorded before the intake (on 3 January): the intake date is the limit.
    person.consent_date = date(2026, 1, 3)
    db.session.commit()
    body = client.post(f"/participants/{person.id}/placements/new",
                       data=_placement_form(world, start_date="2026-01-09", planned_end="")
                       ).get_data(as_text=True)
    assert "Forløbet kan ikke starte før indskrivningsdatoen for Amina Hassan (10.01.2026)." in body
    assert _placements(db) == 0


def test_a_placement_may_start_on_the_day_of_the_consent(db, client, world, staff, person):
    response = client.post(f"/participants/{person.id}/placements/new",
                           data=_placement_form(world, start_date="2026-01-20"))
    assert response.status_code == 302
    assert db.session.scalar(select(Placement.start_date)) == date(2026, 1, 20)


def test_the_rule_holds_when_the_participant_is_chosen_in_the_form(db, client, world, staff,
                                                                  person):
    body = client.post("/placements/new", data=_placement_form(
        world, participant_id=person.id, start_date="2026-01-12")).get_data(as_text=True)
    assert "Forløbet kan ikke starte, før Amina Hassan gav samtykke (20.01.2026)." in body
    assert _placements(db) == 0


def test_moving_a_start_before_the_consent_is_refused(db, client, world, staff, person):
    pl = factories.placement(person, world.kaerhoej, ref="F-0001", project=world.project,
                             start_date=date(2026, 2, 2))
    db.session.commit()
    body = client.post(f"/placements/{pl.id}/edit", data=_placement_form(
        world, start_date="2026-01-15", version=1)).get_data(as_text=True)
    assert "Forløbet kan ikke starte, før Amina Hassan gav samtykke (20.01.2026)." in body
    db.session.expire_all()
    assert db.session.get(Placement, pl.id).start_date == date(2026, 2, 2)


def test_a_placement_stored_before_the_rule_shows_and_can_be_corrected(db, client, world,
                                                                       staff, person):
    # Stored before the rule: it starts on 5 January, before both intake and consent.
    pl = factories.placement(person, world.kaerhoej, ref="F-0001", project=world.project,
                             start_date=date(2026, 1, 5), planned_end=date(2026, 3, 1),
                             hours_per_week=30)
    db.session.commit()
    assert client.get(f"/placements/{pl.id}").status_code == 200
    assert "F-0001" in client.get(f"/participants/{person.id}").get_data(as_text=True)
    # Its start left as it is, the hours are corrected.
    response = client.post(f"/placements/{pl.id}/edit", data=_placement_form(
        world, start_date="2026-01-05", hours_per_week="25", version=1))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Placement, pl.id)
    assert (saved.start_date, saved.hours_per_week) == (date(2026, 1, 5), Decimal(25))
    # Moved, but still too early: now the rule speaks.
    body = client.post(f"/placements/{pl.id}/edit", data=_placement_form(
        world, start_date="2026-01-06", version=2)).get_data(as_text=True)
    assert "Forløbet kan ikke starte, før Amina Hassan gav samtykke (20.01.2026)." in body


# --- The participant's intake and consent dates ---------------------------------------------

def _participant_form(person, **overrides):
    data = {"ref": person.ref, "name": person.name, "intake_date": "2026-01-10",
            "consent_date": "2026-01-20", "housing_area_id": person.housing_area_id,
            "version": person.version}
    data.update(overrides)
    return data


def test_intake_or_consent_cannot_move_past_the_first_placement(db, client, world, staff, person):
    factories.placement(person, world.kaerhoej, ref="F-0002", start_date=date(2026, 3, 2))
    factories.placement(person, world.kaerhoej, ref="F-0001", start_date=date(2026, 2, 2))
    db.session.commit()
    message = ("Forløbet F-0001 starter den 02.02.2026, før denne dato. Vælg en dato senest "
               "02.02.2026, eller flyt først forløbets start.")
    for field in ("intake_date", "consent_date"):
        body = client.post(f"/participants/{person.id}/edit", data=_participant_form(
            person, **{field: "2026-02-03"})).get_data(as_text=True)
        assert message in body
    db.session.expire_all()
    stored = db.session.get(Participant, person.id)
    assert (stored.intake_date, stored.consent_date) == (date(2026, 1, 10), date(2026, 1, 20))
    # The day the first placement starts is allowed.
    response = client.post(f"/participants/{person.id}/edit", data=_participant_form(
        person, consent_date="2026-02-02"))
    assert response.status_code == 302


def test_a_participant_stored_before_the_rule_stays_editable(db, client, world, staff, person):
    # Stored before the rule: the placement starts before the consent of 20 January.
    factories.placement(person, world.kaerhoej, ref="F-0001", start_date=date(2026, 1, 12))
    db.session.commit()
    response = client.post(f"/participants/{person.id}/edit", data=_participant_form(
        person, phone="20 30 40 50"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Participant, person.id).phone == "20 30 40 50"


# --- Follow-ups and assessments are not dated in the future ---------------------------------

@pytest.fixture()
def ended(db, world, person):
    pl = factories.placement(person, world.kaerhoej, ref="F-0001", start_date=date(2026, 2, 2),
                             end_date=date(2026, 3, 1), outcome="unemployed")
    db.session.commit()
    return pl


def test_a_follow_up_dated_tomorrow_is_refused(db, client, staff, ended, fixed_today):
    body = client.post(f"/placements/{ended.id}/follow-ups/new", data={
        "months": "3", "status": "employed", "follow_up_date": "2026-06-11"}
    ).get_data(as_text=True)
    assert "En opfølgning kan ikke dateres i fremtiden (i dag er det 10.06.2026)." in body
    assert db.session.scalar(select(func.count(FollowUp.id))) == 0


def test_a_follow_up_dated_today_is_saved(db, client, staff, ended, fixed_today):
    response = client.post(f"/placements/{ended.id}/follow-ups/new", data={
        "months": "3", "status": "employed", "follow_up_date": "2026-06-10"})
    assert response.status_code == 302
    assert db.session.scalar(select(FollowUp.follow_up_date)) == date(2026, 6, 10)


def test_a_future_follow_up_stored_before_the_rule_stays_editable(db, client, staff, ended,
                                                                  fixed_today):
    f = follow_up(db, ended, months=3, status="unknown", on=date(2026, 7, 1))
    db.session.commit()
    response = client.post(f"/follow-ups/{f.id}/edit", data={
        "months": "3", "status": "employed", "follow_up_date": "2026-07-01", "version": 1})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(FollowUp, f.id).status == "employed"
    body = client.post(f"/follow-ups/{f.id}/edit", data={
        "months": "3", "status": "employed", "follow_up_date": "2026-06-30", "version": 2}
    ).get_data(as_text=True)
    assert "En opfølgning kan ikke dateres i fremtiden (i dag er det 10.06.2026)." in body


def test_an_assessment_dated_tomorrow_is_refused(db, client, staff, person, fixed_today):
    body = client.post(f"/participants/{person.id}/assessments/new", data={
        "assessed_on": "2026-06-11", "attendance": "5"}).get_data(as_text=True)
    assert "En progressionsmåling kan ikke dateres i fremtiden (i dag er det 10.06.2026)." in body
    assert db.session.scalar(select(func.count(ProgressAssessment.id))) == 0
    response = client.post(f"/participants/{person.id}/assessments/new", data={
        "assessed_on": "2026-06-10", "attendance": "5"})
    assert response.status_code == 302


def test_a_future_assessment_stored_before_the_rule_stays_editable(db, client, staff, person,
                                                                   fixed_today):
    a = assessment(db, person, date(2026, 9, 1), attendance=4)
    db.session.commit()
    response = client.post(f"/assessments/{a.id}/edit", data={
        "assessed_on": "2026-09-01", "attendance": "6", "version": 1})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProgressAssessment, a.id).attendance == 6
    body = client.post(f"/assessments/{a.id}/edit", data={
        "assessed_on": "2026-08-31", "attendance": "6", "version": 2}).get_data(as_text=True)
    assert "En progressionsmåling kan ikke dateres i fremtiden (i dag er det 10.06.2026)." in body
