"""The import_jobs table: a job per upload, progress committed apart from the import,
outcomes, jobs that stopped, discard, clean-up, the recent list and who may see it,
migrations."""
import hashlib
import io
from datetime import timedelta

import pytest
from rq.job import Job, JobStatus
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import OperationalError

from tests import factories
from tests.conftest import scratch_database, work_off
from tests.imports.conftest import HAPPY, HAPPY_COUNTS, counts, happy_with, xlsx_bytes
from tracker import jobs as queue
from tracker.extensions import db as _db
from tracker.imports import jobs
from tracker.imports.export import XLSX_TYPE
from tracker.models import AuditEvent, ImportJob, Participant, StoredFile
from tracker.models.base import utcnow

# New rows per sheet of HAPPY in import order, summed: 4 organisations, 1 area, 1 project,
# 2 project contractors, 1 agreement, 2 clauses, 2 participants, 3 placements, 2 reports.
WRITING_TICKS = [4, 5, 6, 8, 9, 11, 13, 16, 18]
FAILURE = ("The import stopped because of an error on our side; nothing was imported. "
           "The error has been logged.")


def _new_job(user, content=None, filename="a.xlsx", locale="en") -> int:
    job_id = jobs.create(content or xlsx_bytes(HAPPY), filename, XLSX_TYPE, user, locale).id
    _db.session.commit()
    return job_id


def _run(job_id: int, mode: str) -> ImportJob:
    """Run the job here, as a worker would, and read its row."""
    jobs.run(job_id, mode)
    return jobs.read(job_id)


def _checked(user) -> int:
    job_id = _new_job(user)
    jobs.run(job_id, "check")
    return job_id


def _stored_files() -> int:
    return _db.session.scalar(select(func.count()).select_from(StoredFile))


def _elsewhere(job_id: int) -> dict:
    """The job as another connection (a page on another machine) sees it."""
    with _db.engine.connect() as other:
        row = other.execute(select(ImportJob.state, ImportJob.phase, ImportJob.rows_done,
                                   ImportJob.rows_total).where(ImportJob.id == job_id)).one()
        participants = other.scalar(select(func.count()).select_from(Participant))
    return {**row._asdict(), "participants": participants}


def test_an_upload_opens_a_job_with_its_file(db, client, staff):
    content = xlsx_bytes(HAPPY)
    response = client.post("/import/", data={"workbook": (io.BytesIO(content), "bog.xlsx")},
                           content_type="multipart/form-data")
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    job = jobs.read(job_id)
    stored = db.session.get(StoredFile, job.stored_file_id)
    assert (job.filename, job.size, job.started_by_id, job.locale) == \
        ("bog.xlsx", len(content), staff.id, "da")
    assert job.sha256 == stored.sha256 == hashlib.sha256(content).hexdigest()
    # Without a queue the check runs in the request, and no RQ job is recorded.
    assert (job.state, job.problem_count, job.preview["problem_count"]) == ("checked", 0, 0)
    assert job.rq_id is None
    assert job.created_at <= job.updated_at
    # The upload is audited; the job row, which changes every second while it runs, is not.
    entities = db.session.scalars(select(AuditEvent.entity).where(
        AuditEvent.entity != "users")).all()  # the staff user's creation and sign-in
    assert entities == ["stored_files"]


def test_a_check_records_its_problems(db, staff):
    sheets = happy_with()
    sheets["participants"][1][2] = "19x0"
    sheets["participants"][2][7] = "someday"
    job_id = _new_job(staff, xlsx_bytes(sheets))
    job = _run(job_id, "check")
    assert (job.state, job.problem_count) == ("checked", 2)
    assert [p["column"] for p in job.preview["problems"]] == ["birth_year", "intake_date"]
    assert jobs.claim_import(job_id) is False  # a workbook with problems is never imported


def test_progress_is_seen_elsewhere_while_the_import_runs_uncommitted(db, staff, monkeypatch):
    job_id = _checked(staff)
    assert jobs.claim_import(job_id)
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 0)
    seen = []
    real = jobs.import_workbook

    def observed(session, workbook, actor, *, progress, **options):
        def spy(phase, done, total):
            progress(phase, done, total)
            seen.append((phase, done, _elsewhere(job_id)))
        return real(session, workbook, actor, progress=spy, **options)

    monkeypatch.setattr(jobs, "import_workbook", observed)
    job = _run(job_id, "import")
    assert job.state == "imported"

    writing = [(done, view) for phase, done, view in seen if phase == "writing"]
    assert [done for done, _view in writing] == WRITING_TICKS
    # Another connection never sees the import's rows before its commit ...
    assert {view["participants"] for _done, view in writing} == {0}
    # ... but sees its progress, committed on a connection of its own. SQLite has one
    # writer at a time, and the import is it: there progress stands still while it writes.
    if db.engine.dialect.name == "sqlite":
        assert {(v["phase"], v["rows_done"]) for _d, v in writing} == {("reading", 18)}
    else:
        assert [(v["state"], v["phase"], v["rows_done"], v["rows_total"]) for _d, v in writing] \
            == [("importing", "writing", n, 18) for n in WRITING_TICKS]
    assert _elsewhere(job_id)["participants"] == 2


def test_a_failed_import_keeps_its_progress_and_writes_nothing(db, staff, monkeypatch):
    job_id = _checked(staff)
    assert jobs.claim_import(job_id)
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 0)
    real = jobs.import_workbook

    def breaking(session, workbook, actor, *, progress, **options):
        def spy(phase, done, total):
            progress(phase, done, total)
            if phase == "writing" and done == 8:
                raise RuntimeError("the disk is full")
        return real(session, workbook, actor, progress=spy, **options)

    monkeypatch.setattr(jobs, "import_workbook", breaking)
    job = _run(job_id, "import")
    assert (job.state, job.error) == ("failed", FAILURE)
    # The progress written before the failure was not rolled back with the import.
    expected = ("reading", 18) if db.engine.dialect.name == "sqlite" else ("writing", 8)
    assert (job.phase, job.rows_done) == expected
    assert {k: v for k, v in counts(db).items() if k != "audit_events"} == \
        {name: 0 for name in HAPPY_COUNTS}
    assert job.stored_file_id is not None and _stored_files() == 1  # may be discarded


def test_an_import_stores_its_outcome_with_its_rows(db, staff):
    job_id = _checked(staff)
    assert jobs.claim_import(job_id)
    assert jobs.claim_import(job_id) is False  # a second confirmation finds it importing
    job = _run(job_id, "import")
    assert (job.state, job.stored_file_id, _stored_files()) == ("imported", None, 0)
    assert sum(sheet["new"] for sheet in job.result["sheets"]) == 18
    assert job.preview["problem_count"] == 0  # the check's preview stays
    assert counts(db)["participants"] == 2


def test_a_vanished_upload_fails_the_job(db, staff):
    job_id = _checked(staff)
    assert jobs.claim_import(job_id)
    db.session.execute(text("UPDATE stored_files SET sha256 = :other"), {"other": "0" * 64})
    db.session.commit()
    job = _run(job_id, "import")
    assert (job.state, job.error) == ("failed", "The uploaded file is no longer there. "
                                                "Upload it again.")
    assert counts(db)["participants"] == 0


def test_a_progress_write_that_would_wait_for_ourselves_fails_instead_of_hanging(db, staff):
    job_id = _new_job(staff)
    db.session.execute(ImportJob.__table__.update().values(phase="writing"))  # uncommitted
    with pytest.raises(OperationalError):
        jobs.update(job_id, rows_done=1)
    db.session.rollback()
    assert jobs.read(job_id).rows_done == 0


@pytest.mark.parametrize(("state", "seconds", "stopped"), [
    ("importing", 61, True), ("checking", 61, True), ("importing", 59, False),
    ("checked", 61, False), ("failed", 60 * 60 * 24, False),
])
def test_a_job_run_in_a_request_that_stopped_moving_has_failed(db, client, staff, clock, state,
                                                                 seconds, stopped):
    """Without a queue a job runs in a request; one whose row has not moved for a minute, with
    no process holding its run lock, died with its process."""
    job_id = _new_job(staff, locale="da")
    jobs.update(job_id, state=state, updated_at=clock.now)
    clock.now += timedelta(seconds=seconds)
    assert jobs.stopped(jobs.read(job_id)) is stopped
    page = client.get(f"/import/jobs/{job_id}")
    assert ("Refresh" in page.headers) is (state in ("checking", "importing") and not stopped)
    job = jobs.read(job_id)
    assert job.state == ("failed" if stopped else state)
    if stopped:
        assert job.error.startswith(("Kontrollen" if state == "checking" else "Importen")
                                    + " stoppede uventet; intet blev importeret.")
        assert job.error in page.get_data(as_text=True)
    # A job that runs cannot be discarded; one that has stopped can.
    running = state in ("checking", "importing") and not stopped
    assert jobs.discard(job_id) is not running
    db.session.commit()
    assert (jobs.read(job_id) is None) is not running


def _upload(client, filename="bog.xlsx") -> int:
    response = client.post("/import/", data={"workbook": (io.BytesIO(xlsx_bytes(HAPPY)),
                                                           filename)},
                           content_type="multipart/form-data")
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _worker_dies(rq_id: str, connection, how: str) -> None:
    """What RQ records when a work horse dies (killed, out of memory), or forgets a job."""
    rq_job = Job.fetch(rq_id, connection=connection)
    if how == "forgotten":
        rq_job.delete()
    else:
        rq_job.set_status(JobStatus(how))


@pytest.mark.parametrize("how", ["failed", "stopped", "forgotten"])
def test_a_check_whose_worker_died_is_shown_as_failed_and_can_be_discarded(
        db, client, staff, redis_queue, how):
    job_id = _upload(client)
    job = jobs.read(job_id)
    assert job.state == "checking" and queue.state(job.rq_id) == "queued"
    # While RQ holds the job it runs: it shows its progress and cannot be discarded.
    assert client.get(f"/import/jobs/{job_id}").headers["Refresh"] == "2"
    client.post(f"/import/jobs/{job_id}/discard")
    assert jobs.read(job_id).state == "checking"

    _worker_dies(job.rq_id, redis_queue.connection, how)
    page = client.get(f"/import/jobs/{job_id}")
    assert "Refresh" not in page.headers
    assert ("Kontrollen stoppede uventet; intet blev importeret. Kassér filen, og upload den "
            "igen.") in page.get_data(as_text=True)
    assert jobs.read(job_id).state == "failed"
    assert "<td>Afbrudt</td>" in client.get("/import/").get_data(as_text=True)

    response = client.post(f"/import/jobs/{job_id}/discard")
    assert response.headers["Location"] == "/import/"
    assert jobs.read(job_id) is None
    assert _stored_files() == 0


def test_an_import_whose_worker_died_is_shown_as_failed_and_writes_nothing(
        db, client, staff, redis_queue):
    job_id = _upload(client)
    work_off(redis_queue)
    job = jobs.read(job_id)
    check_id = job.rq_id
    assert job.state == "checked"
    client.post(f"/import/jobs/{job_id}/confirm", data={"sha256": job.sha256})
    job = jobs.read(job_id)
    assert job.state == "importing" and job.rq_id not in (None, check_id)
    # The finished check's RQ job says nothing about the import.
    assert queue.state(check_id) == "finished"

    _worker_dies(job.rq_id, redis_queue.connection, "failed")
    page = client.get(f"/import/jobs/{job_id}").get_data(as_text=True)
    assert "Importen stoppede uventet; intet blev importeret." in page
    assert counts(db)["participants"] == 0
    client.post(f"/import/jobs/{job_id}/discard")
    assert jobs.read(job_id) is None and _stored_files() == 0


def test_a_job_that_cannot_be_queued_fails_at_once(app, db, client, staff):
    app.config["TRACKER_REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing answers there
    job_id = _upload(client)
    job = jobs.read(job_id)
    assert (job.state, job.rq_id) == ("failed", None)
    assert job.error == ("Importen stoppede på grund af en fejl hos os; intet blev importeret. "
                         "Fejlen er logget.")
    client.post(f"/import/jobs/{job_id}/discard")
    assert jobs.read(job_id) is None


def test_a_job_that_the_queue_runs_is_not_taken_for_dead(db, staff, redis_queue):
    """Queued for an hour with its row unchanged: RQ still holds it, so it has not stopped."""
    job_id = _new_job(staff)
    jobs.start(job_id, "check")
    jobs.update(job_id, updated_at=utcnow() - timedelta(hours=1))
    job = jobs.read(job_id)
    assert (job.state, queue.state(job.rq_id)) == ("checking", "queued")
    assert jobs.stopped(job) is False
    assert jobs.settle(job).state == "checking"
    work_off(redis_queue)
    assert jobs.read(job_id).state == "checked"


def test_discard_removes_the_bytes_and_the_job(db, staff):
    kept = _checked(staff)
    job_id = _checked(staff)
    assert _stored_files() == 2
    assert jobs.discard(job_id)
    db.session.commit()
    assert jobs.read(job_id) is None
    assert _stored_files() == 1
    assert jobs.read(kept).stored_file_id is not None
    deleted = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "stored_files", AuditEvent.action == "delete"))
    assert deleted == 1
    assert jobs.discard(job_id) is False  # already gone


def test_an_imported_job_is_discarded_without_bytes(db, staff):
    job_id = _checked(staff)
    assert jobs.claim_import(job_id)
    jobs.run(job_id, "import")
    assert jobs.discard(job_id)
    db.session.commit()
    assert jobs.read(job_id) is None


def test_clean_up_drops_old_jobs_unless_they_run(db, staff):
    day_ago = utcnow() - timedelta(days=1, minutes=1)
    old_checked, old_running, old_stale, young = (_new_job(staff) for _ in range(4))
    jobs.update(old_checked, state="checked", created_at=day_ago)
    jobs.update(old_running, state="importing", created_at=day_ago)
    jobs.update(old_stale, state="importing", created_at=day_ago,
                updated_at=utcnow() - timedelta(minutes=2))
    jobs.update(young, state="checked")
    jobs.clean_up()
    db.session.commit()
    left = set(db.session.scalars(select(ImportJob.id)))
    assert left == {old_running, young}
    assert _stored_files() == 2


def test_recent_lists_the_newest_first_for_the_secretariat_only(db, staff):
    now = utcnow()
    first, third, second = (_new_job(staff, filename=f"{n}.xlsx") for n in (1, 3, 2))
    for job_id, minutes_ago in ((first, 30), (second, 20), (third, 10)):
        jobs.update(job_id, created_at=now - timedelta(minutes=minutes_ago))
    admin = factories.user("admin")
    contractor = factories.user("contractor", org=factories.organisation("contractor"))
    db.session.commit()
    assert [j.filename for j in jobs.recent(staff)] == ["3.xlsx", "2.xlsx", "1.xlsx"]
    assert [j.filename for j in jobs.recent(admin, limit=2)] == ["3.xlsx", "2.xlsx"]
    assert jobs.recent(contractor) == []
    assert jobs.read(first, contractor) is None
    assert jobs.read(first, admin).filename == "1.xlsx"


def test_the_upload_page_lists_recent_jobs(db, client, staff):
    job_id = _checked(staff)
    page = client.get("/import/").get_data(as_text=True)
    assert f'<a href="/import/jobs/{job_id}">a.xlsx</a>' in page
    assert f"<td>{staff.name}</td>" in page
    assert "Kontrolleret, ikke importeret" in page


# --- The migration ----------------------------------------------------------------------

@pytest.fixture()
def scratch_url(tmp_path):
    """An empty database of the run's kind, dropped afterwards."""
    with scratch_database("tracker_jobs", tmp_path) as url:
        yield url


def test_the_migration_goes_down_and_up(scratch_url):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import make_app

    app = make_app(scratch_url)
    with app.app_context():
        upgrade(revision="0003")
        found = inspect(_db.engine)
        assert [i["name"] for i in found.get_indexes("import_jobs")] == \
            ["ix_import_jobs_created_at"]
        assert {fk["referred_table"]: fk["options"].get("ondelete")
                for fk in found.get_foreign_keys("import_jobs")} == \
            {"stored_files": "SET NULL", "users": "SET NULL"}
        with _db.engine.connect() as conn, pytest.raises(Exception, match="(?i)check"):
            conn.execute(text(
                "INSERT INTO import_jobs (sha256, filename, size, locale, state, phase, "
                "rows_done, created_at, updated_at) VALUES ('x', 'a.xlsx', 1, 'da', 'lost', "
                "'reading', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        downgrade(revision="0002")
        assert "import_jobs" not in inspect(_db.engine).get_table_names()
        upgrade()
        assert "import_jobs" in inspect(_db.engine).get_table_names()
        _db.engine.dispose()


def _columns() -> set[str]:
    return {c["name"] for c in inspect(_db.engine).get_columns("import_jobs")}


def test_the_rq_job_id_replaces_the_process_id_and_back(scratch_url):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import make_app

    app = make_app(scratch_url)
    with app.app_context():
        upgrade(revision="0014")
        assert "rq_id" in _columns() and "pid" not in _columns()
        # The table was rebuilt on SQLite: its check of the state still holds.
        with _db.engine.connect() as conn, pytest.raises(Exception, match="(?i)check"):
            conn.execute(text(
                "INSERT INTO import_jobs (sha256, filename, size, locale, state, phase, "
                "rows_done, created_at, updated_at) VALUES ('x', 'a.xlsx', 1, 'da', 'lost', "
                "'reading', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        downgrade(revision="0014-1")
        assert "pid" in _columns() and "rq_id" not in _columns()
        upgrade()
        assert "rq_id" in _columns()
        _db.engine.dispose()
