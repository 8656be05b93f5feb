"""Pseudonyms that hold: random, stored, stable, never derived from the id or the reference;
given by every way a participant comes in; shown to those who may know them and to nobody
who also holds the reference. And the access history as another organisation may read it."""
import re
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests import factories
from tests.participants.test_enrolment import _form
from tracker.models import Participant
from tracker.models import participants as participant_models

PATTERN = re.compile(r"P-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6}")


def test_enrolment_gives_a_random_pseudonym_that_stays(db, client, world, staff):
    client.post("/participants/new", data=_form(world))
    person = db.session.scalar(select(Participant))
    pseudonym = person.pseudonym
    assert PATTERN.fullmatch(pseudonym)
    # Not the id or the reference in another dress (P-0001 was the participant with id 1).
    assert pseudonym != f"P-{person.id:04d}" and person.ref.split("-")[-1] not in pseudonym
    client.post(f"/participants/{person.id}/edit",
                data=_form(world, name="Amina Hassan Ali", version=1))
    db.session.refresh(person)
    assert (person.name, person.pseudonym) == ("Amina Hassan Ali", pseudonym)


def test_many_participants_get_different_pseudonyms(db):
    people = [factories.participant() for _ in range(50)]
    db.session.commit()
    pseudonyms = {p.pseudonym for p in people}
    assert len(pseudonyms) == 50 and all(PATTERN.fullmatch(p) for p in pseudonyms)


def test_a_pseudonym_already_taken_is_drawn_again(db, monkeypatch):
    first = factories.participant()
    db.session.commit()
    draws = iter([first.pseudonym, first.pseudonym, "P-NEW234"])
    monkeypatch.setattr(participant_models, "random_pseudonym", lambda: next(draws))
    second = factories.participant()
    db.session.commit()
    assert second.pseudonym == "P-NEW234"
    # Bulk inserts draw for many at once, none taken and no two alike.
    draws = iter(["P-NEW234", "P-AAAAAA", "P-AAAAAA", "P-BBBBBB"])
    assert participant_models.unused_pseudonyms(db.session.connection(), 2) == [
        "P-AAAAAA", "P-BBBBBB"]


def test_the_database_refuses_a_second_participant_with_the_same_pseudonym(db):
    first = factories.participant()
    db.session.commit()
    with pytest.raises(IntegrityError):
        factories.participant(pseudonym=first.pseudonym)
        db.session.commit()
    db.session.rollback()


def test_an_imported_participant_gets_a_pseudonym(db, runner, tmp_path):
    from tests.imports.conftest import HAPPY, write_xlsx

    result = runner.invoke(args=["import-workbook", str(write_xlsx(tmp_path / "a.xlsx", HAPPY))])
    assert result.exit_code == 0, result.output
    pseudonyms = db.session.scalars(select(Participant.pseudonym)).all()
    assert len(pseudonyms) == len(HAPPY["participants"]) - 1  # without the header row
    assert len(set(pseudonyms)) == len(pseudonyms)
    assert all(PATTERN.fullmatch(p) for p in pseudonyms)


def test_migration_0020_gives_every_participant_a_pseudonym(tmp_path):
    """Participants from before the revision get a random pseudonym each; then the column
    is required and unique."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import make_app, scratch_database
    from tracker.extensions import db

    with scratch_database("tracker_0020", tmp_path) as url:
        app = make_app(url)
        with app.app_context():
            upgrade(revision="0018")
            with db.engine.begin() as conn:
                for n in range(1, 4):
                    conn.execute(text(
                        "INSERT INTO participants (id, ref, name, intake_date, created_at, "
                        "updated_at, version) VALUES (:id, :ref, :name, '2025-08-01', "
                        "'2025-08-01', '2025-08-01', 1)"),
                        {"id": n, "ref": f"D-000{n}", "name": f"Deltager {n}"})
            upgrade(revision="0020")
            with db.engine.begin() as conn:
                rows = conn.execute(text("SELECT id, pseudonym FROM participants")).all()
            assert len({p for _id, p in rows}) == 3
            assert all(PATTERN.fullmatch(p) and p != f"P-{i:04d}" for i, p in rows)
            with pytest.raises(IntegrityError), db.engine.begin() as conn:
                conn.execute(text("UPDATE participants SET pseudonym = :p WHERE id = 2"),
                             {"p": rows[0][1] if rows[0][0] != 2 else rows[1][1]})
            with pytest.raises(IntegrityError), db.engine.begin() as conn:
                conn.execute(text("UPDATE participants SET pseudonym = NULL WHERE id = 1"))
            db.engine.dispose()


# --- Who sees which key ---------------------------------------------------------------------

@pytest.fixture()
def placed(db, world):
    """Amina, placed with Kærhøj on the project, and a user of each external role."""
    amina = factories.participant(world.aarhus, name="Amina Hassan", ref="D-0042")
    factories.placement(amina, world.kaerhoej, project=world.project,
                        start_date=date(2026, 2, 1))
    users = {"contractor": factories.user("contractor", org=world.kaerhoej),
             "municipality": factories.user("municipality", org=world.aarhus),
             "staff": factories.user("staff")}
    db.session.commit()
    return amina, users


@pytest.mark.parametrize("role, sees_ref, sees_pseudonym", [
    ("staff", True, True),
    ("municipality", True, False),  # the job centre holds references: not the pseudonym too
    ("contractor", False, True),    # the firm writes the pseudonym in its reports
])
def test_who_sees_the_reference_and_who_the_pseudonym(db, client, login, placed, role,
                                                      sees_ref, sees_pseudonym):
    amina, users = placed
    login(users[role])
    pages = [client.get(url).get_data(as_text=True) for url in (
        f"/participants/{amina.id}", f"/placements/{amina.placements[0].id}")]
    for page in pages:
        assert "Amina Hassan" in page
        assert ("D-0042" in page) is sees_ref, page
        assert (amina.pseudonym in page) is sees_pseudonym
    # The list and its export travel: never the reference and the pseudonym side by side.
    listed = client.get("/participants/").get_data(as_text=True)
    exported = client.get("/participants/?export=csv").get_data(as_text=True)
    for page in (listed, exported):
        assert "Amina Hassan" in page
        assert ("D-0042" in page) is sees_ref
        assert (amina.pseudonym in page) is (sees_pseudonym and not sees_ref)


def test_the_secretariat_finds_a_participant_by_pseudonym(db, client, login, placed):
    amina, users = placed
    login(users["staff"])
    page = client.get(f"/participants/?q={amina.pseudonym.lower()}").get_data(as_text=True)
    assert "Amina Hassan" in page
    client.post("/logout")
    login(users["municipality"])  # the job centre cannot ask who stands behind a pseudonym
    page = client.get(f"/participants/?q={amina.pseudonym}").get_data(as_text=True)
    assert "Amina Hassan" not in page


def _views_by(db, client, login, amina, users, world):
    """Amina's page seen by the contractor's user, the municipality's own colleague and the
    staff (each view is logged)."""
    colleague = factories.user("municipality", org=world.aarhus, email="kollega@aarhus.dk")
    db.session.commit()
    for user in (users["contractor"], colleague, users["staff"]):
        login(user)
        assert client.get(f"/participants/{amina.id}").status_code == 200
        client.post("/logout")
    return colleague


def test_the_municipality_reads_other_organisations_users_as_organisation_and_role(
        db, client, login, world, placed):
    amina, users = placed
    factories.organisation("secretariat", name="Boligsocialt Sekretariat Aarhus")
    colleague = _views_by(db, client, login, amina, users, world)
    login(users["municipality"])
    for url in (f"/participants/{amina.id}", f"/participants/{amina.id}/history"):
        page = client.get(url).get_data(as_text=True)
        assert "Kærhøj Byg A/S (Entreprenør)" in page
        assert "Boligsocialt Sekretariat Aarhus (Sekretariatsmedarbejder)" in page
        assert colleague.email in page  # a user of the municipality's own organisation
        assert users["contractor"].email not in page and users["staff"].email not in page


def test_the_secretariat_still_reads_who(db, client, login, world, placed):
    amina, users = placed
    _views_by(db, client, login, amina, users, world)
    login(users["staff"])
    page = client.get(f"/participants/{amina.id}/history").get_data(as_text=True)
    assert users["contractor"].email in page and "(Entreprenør)" not in page
