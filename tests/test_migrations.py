"""The migrations are the schema: the models match them (flask db check), and they go
down to nothing and up again."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from tracker.extensions import db


def test_models_match_the_migrated_schema(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_downgrade_to_base_and_upgrade_again(tmp_path):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'updown.db'}")
    with app.app_context():
        upgrade()
        assert "participants" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert "placements" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def _firm_and_participant(conn) -> None:
    """Organisation 1 and participant 1, written as plain statements: the models change with
    later revisions."""
    from sqlalchemy import text

    conn.execute(text("INSERT INTO organisations (id, name, kind, cvr) "
                      "VALUES (1, 'Kærhøj Byg A/S', 'contractor', '12345678')"))
    conn.execute(text("INSERT INTO participants (id, ref, name, intake_date) "
                      "VALUES (1, 'D-0001', 'Amina Hassan', '2025-08-01')"))


def test_0016_removes_the_empty_follow_ups_of_placements_that_led_on(tmp_path):
    """Of the follow-ups of placements that led on, those with nothing recorded (status
    'unknown', an empty note) go; one with a status or a note stays, and so does every
    follow-up of a placement that ended a pathway."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import make_app, scratch_database

    with scratch_database("tracker_0016", tmp_path) as url:
        app = make_app(url)
        with app.app_context():
            upgrade(revision="0016-1")
            with db.engine.begin() as conn:
                _firm_and_participant(conn)
                # 1 → 2 by the link; 3 says 'next placement' with no link yet; 4 ended the
                # pathway.
                for pid, outcome, next_id in ((2, "ordinary_job", None),
                                              (1, "next_placement", 2),
                                              (3, "next_placement", None),
                                              (4, "unemployed", None)):
                    conn.execute(text(
                        "INSERT INTO placements (id, ref, participant_id, kind, employer_id, "
                        "start_date, end_date, hours_per_week, outcome, next_placement_id) "
                        "VALUES (:id, :ref, 1, 'internship', 1, '2025-09-01', '2025-10-31', 37, "
                        ":outcome, :next)"),
                        {"id": pid, "ref": f"F-000{pid}", "outcome": outcome, "next": next_id})
                rows = [  # id, placement, months, status, note
                    (1, 1, 3, "unknown", ""),            # led on, nothing recorded: goes
                    (2, 1, 6, "unknown", "  "),          # a blank note is nothing: goes
                    (3, 1, 12, "employed", ""),          # a status: stays
                    (4, 3, 3, "unknown", ""),            # led on by its outcome: goes
                    (5, 3, 6, "unknown", "Ikke truffet"),  # a note: stays
                    (6, 2, 3, "unknown", ""),            # the job the pathway led to: stays
                    (7, 4, 3, "unknown", ""),            # ended a pathway: stays
                ]
                for fid, pid, months, status, note in rows:
                    conn.execute(text(
                        "INSERT INTO follow_ups (id, placement_id, months, status, "
                        "follow_up_date, note) VALUES (:id, :pid, :months, :status, "
                        "'2026-02-01', :note)"),
                        {"id": fid, "pid": pid, "months": months, "status": status,
                         "note": note})
            upgrade(revision="0016")
            with db.engine.connect() as conn:
                left = conn.execute(text("SELECT id FROM follow_ups ORDER BY id")).scalars()
                assert list(left) == [3, 5, 6, 7]
            db.engine.dispose()


def test_0017_gives_existing_tokens_ninety_days(tmp_path):
    """Tokens issued before 0017 never expired; after it they expire 90 days after it ran."""
    from datetime import UTC, datetime, timedelta

    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'tokens.db'}")
    with app.app_context():
        upgrade(revision="0016")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (id, email, name, password_hash, role) "
                "VALUES (1, 'a@example.dk', 'A', 'x', 'staff')"))
            connection.execute(text(
                "INSERT INTO api_tokens (user_id, token_hash, created_at) "
                "VALUES (1, :hash, '2025-01-01 00:00:00')"), {"hash": "a" * 64})
        before = datetime.now(UTC).replace(tzinfo=None)
        upgrade(revision="0017")
        with db.engine.connect() as connection:
            name, expires = connection.execute(text(
                "SELECT name, expires_at FROM api_tokens")).one()
        expires = datetime.fromisoformat(expires)
        assert name == ""
        assert before + timedelta(days=90) <= expires <= datetime.now(UTC).replace(
            tzinfo=None) + timedelta(days=90)
        db.engine.dispose()


def test_0018_fills_the_pending_follow_ups(tmp_path):
    """The follow-ups due after placements that ended a pathway and not registered, each with
    its due date (the day clamped to the month's end), on SQLite and PostgreSQL alike."""
    from datetime import date

    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import make_app, scratch_database

    with scratch_database("tracker_0018", tmp_path) as url:
        app = make_app(url)
        with app.app_context():
            upgrade(revision="0017")
            with db.engine.begin() as conn:
                _firm_and_participant(conn)
                # 1 led on to 2; 2 ended the pathway on 31 August; 3 is running.
                for pid, end, outcome, next_id in ((2, "2026-08-31", "unemployed", None),
                                                   (1, "2026-03-31", "next_placement", 2),
                                                   (3, None, None, None)):
                    conn.execute(text(
                        "INSERT INTO placements (id, ref, participant_id, kind, employer_id, "
                        "start_date, end_date, hours_per_week, outcome, next_placement_id) "
                        "VALUES (:id, :ref, 1, 'internship', 1, '2025-09-01', :end, 37, "
                        ":outcome, :next)"),
                        {"id": pid, "ref": f"F-000{pid}", "end": end, "outcome": outcome,
                         "next": next_id})
                conn.execute(text(
                    "INSERT INTO follow_ups (id, placement_id, months, status, follow_up_date, "
                    "note) VALUES (1, 2, 6, 'employed', '2027-03-01', '')"))
            upgrade(revision="0018")
            with db.engine.connect() as conn:
                rows = conn.execute(text(
                    "SELECT placement_id, months, due_date FROM pending_follow_ups "
                    "ORDER BY months")).all()
            # 3 and 12 months after 31 August (6 is registered): 30 November, 31 August.
            assert [(r[0], r[1], date.fromisoformat(str(r[2]))) for r in rows] == [
                (2, 3, date(2026, 11, 30)), (2, 12, date(2027, 8, 31))]
            db.engine.dispose()


def test_0021_links_issued_documents_to_the_participants_they_name(tmp_path):
    """A pathway document names its participant; a spreadsheet names the persons in its
    first column, by today's random pseudonym or by one of those made from the id before
    revision 0020 (P-0002). A sheet of other rows, and a pseudonym no one has, name no one."""
    import io

    from flask_migrate import upgrade
    from openpyxl import Workbook
    from sqlalchemy import text

    from tests.conftest import make_app, scratch_database

    book = Workbook()
    people = book.active
    people.title = "Forløb"
    for row in (["Deltager (pseudonym)", "Type"], ["P-7KQ2MX", "Virksomhedspraktik"],
                ["P-0002", "Løntilskud"], ["P-0099", "Løntilskud"], ["P-ZZZZZZ", "Løntilskud"]):
        people.append(row)
    projects = book.create_sheet("Byggesager")
    projects.append(["Sagsnummer", "Navn"])
    projects.append(["P-0003", "Ikke en person"])
    buffer = io.BytesIO()
    book.save(buffer)

    with scratch_database("tracker_0021", tmp_path) as url:
        app = make_app(url)
        with app.app_context():
            upgrade(revision="0020")
            with db.engine.begin() as conn:
                for pid, pseudonym in ((1, "P-7KQ2MX"), (2, "P-AB3CDE"), (3, "P-FG4HJK")):
                    conn.execute(text(
                        "INSERT INTO participants (id, ref, name, intake_date, pseudonym) "
                        "VALUES (:id, :ref, 'Deltager', '2025-08-01', :pseudonym)"),
                        {"id": pid, "ref": f"D-000{pid}", "pseudonym": pseudonym})
                for did, kind, participant, attachment in (
                        (1, "pathway", 3, None), (2, "clause-status", None, buffer.getvalue()),
                        (3, "annual", None, None)):
                    conn.execute(text(
                        "INSERT INTO documents (id, number, kind, scope, participant_id, as_of, "
                        "parameters, issued_at, sha256, size, content, attachment) VALUES "
                        "(:id, :number, :kind, 'x', :participant, '2026-01-31', '{}', "
                        "'2026-01-31 12:00:00', :sha, 4, :content, :attachment)"),
                        {"id": did, "number": f"D-2026-00000{did}", "kind": kind,
                         "participant": participant, "sha": str(did) * 64, "content": b"%PDF",
                         "attachment": attachment})
            upgrade(revision="0021")
            with db.engine.connect() as conn:
                rows = conn.execute(text(
                    "SELECT participant_id, document_id FROM document_participants "
                    "ORDER BY participant_id, document_id")).all()
            assert [tuple(r) for r in rows] == [(1, 2), (2, 2), (3, 1)]
            db.engine.dispose()


def test_0026_keys_the_known_participants_by_their_first_name(tmp_path):
    """Every participant still known gets the folded first word of a full name; a one-word
    name and an anonymised participant get none."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import make_app, scratch_database

    with scratch_database("tracker_0026", tmp_path) as url:
        app = make_app(url)
        with app.app_context():
            upgrade(revision="0025")
            with db.engine.begin() as conn:
                for pid, name, anonymised in ((1, "Øjvind Ali Hansen", None),
                                              (2, "Ａｍｉｎａ Hassan", None),
                                              (3, "Madonna", None),
                                              (4, "Bo Jensen", "2026-01-31 12:00:00")):
                    conn.execute(text(
                        "INSERT INTO participants (id, ref, name, intake_date, pseudonym, "
                        "anonymised_at) VALUES (:id, :ref, :name, '2025-08-01', :pseudonym, "
                        ":anonymised)"),
                        {"id": pid, "ref": f"D-000{pid}", "name": name,
                         "pseudonym": f"P-00000{pid}", "anonymised": anonymised})
            upgrade(revision="0026")
            with db.engine.connect() as conn:
                rows = conn.execute(text(
                    "SELECT id, first_name_key FROM participants ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [(1, "øjvind"), (2, "amina"), (3, None),
                                                (4, None)]
            db.engine.dispose()
