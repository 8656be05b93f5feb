"""Issuing on the job queue: the request is stored and queued, a worker issues it and
records the outcome, and the request's page (only the requester's and the secretariat's)
shows how it stands. Without Redis the job runs in the request."""
import pytest
from rq.timeouts import JobTimeoutException
from sqlalchemy import func, select

from tests.conftest import work_off
from tracker import jobs as queue_jobs
from tracker.documents import render
from tracker.models import Document, DocumentJob, Project

REFRESHING = "Siden opdaterer sig selv"
FAILED = "Dokumentet blev ikke udstedt."


def _post_clause_status(client, world):
    return client.post("/documents/new", data={"kind": "clause-status",
                                                "project_id": world.project.id,
                                                "as_of": "2026-06-30"})


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def _the_job(db) -> DocumentJob:
    db.session.expire_all()
    return db.session.scalars(select(DocumentJob)).one()


def test_without_redis_the_document_is_issued_in_the_request(db, client, login, world):
    login(world.users["builder"])
    response = _post_clause_status(client, world)
    job = _the_job(db)
    document = db.session.scalar(select(Document))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/documents/{document.id}")
    assert (job.state, job.document_id, job.error) == ("done", document.id, None)
    assert job.requested_by_id == world.users["builder"].id and job.rq_id is None
    assert job.kind == "clause-status"
    assert job.parameters == {"project_id": world.project.id, "as_of": "2026-06-30"}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Dokument {document.number} (Klausulstatus) er udstedt og arkiveret." in page


def _figures_versions(db):
    return db.session.execute(select(Project.id, Project.figures_version)
                              .order_by(Project.id)).all()


def test_on_the_queue_the_page_waits_for_the_worker(db, client, login, world, redis_queue):
    login(world.users["builder"])
    version = _figures_versions(db)
    response = _post_clause_status(client, world)
    job = _the_job(db)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/documents/requests/{job.id}")
    assert job.state == "queued" and queue_jobs.state(job.rq_id) == "queued"
    assert _count(db, Document) == 0
    waiting = client.get(f"/documents/requests/{job.id}")
    assert waiting.status_code == 200 and waiting.headers["Refresh"] == "2"
    assert "Dokumentet venter på at blive dannet." in waiting.get_data(as_text=True)
    assert REFRESHING in waiting.get_data(as_text=True)
    work_off(redis_queue)
    job = _the_job(db)
    document = db.session.scalar(select(Document))
    assert (job.state, job.document_id) == ("done", document.id)
    assert document.issued_by_id == world.users["builder"].id
    assert document.parameters == {"kind": "clause-status", "as_of": "2026-06-30",
                                   "project": "T-100"}
    done = client.get(f"/documents/requests/{job.id}")
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/documents/{document.id}")
    # A request and a document are no counted data: no project counts as changed.
    assert _figures_versions(db) == version


@pytest.mark.parametrize("error, message", [
    (MemoryError(), "Dokumentet krævede mere hukommelse end tilladt og blev stoppet."),
    (JobTimeoutException("Task exceeded maximum timeout value (300 seconds)"),
     "Dokumentet tog for lang tid at danne og blev stoppet."),
    (ValueError("a WeasyPrint error"), "Dokumentet kunne ikke dannes. Intet er udstedt"),
])
def test_a_failing_render_is_recorded_as_failed_with_its_message(
        db, client, login, world, redis_queue, monkeypatch, error, message):
    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(render, "write_pdf", failing)
    login(world.users["staff"])
    _post_clause_status(client, world)
    work_off(redis_queue)
    job = _the_job(db)
    assert job.state == "failed" and job.error.startswith(message)
    assert job.document_id is None and _count(db, Document) == 0
    page = client.get(f"/documents/requests/{job.id}")
    assert page.status_code == 200 and "Refresh" not in page.headers
    assert FAILED in page.get_data(as_text=True) and message in page.get_data(as_text=True)


def test_the_job_checks_the_request_again(db, client, login, world, redis_queue):
    """Access lost between the request and its issue: refused, and said why."""
    builder = world.users["builder"]
    login(builder)
    _post_clause_status(client, world)
    db.session.refresh(builder)  # the sign-in changed the row
    builder.organisation_id = world.other_project.builder_id
    db.session.commit()
    work_off(redis_queue)
    job = _the_job(db)
    assert job.state == "failed"
    assert job.error == "Ingen byggesag T-100 inden for din adgang."
    assert _count(db, Document) == 0


def _request_of(db, world, state, rq_id):
    job = DocumentJob(kind="clause-status", parameters={"project_id": world.project.id},
                      requested_by_id=world.users["staff"].id, state=state, rq_id=rq_id)
    db.session.add(job)
    db.session.commit()
    return job


def _broken():
    """A job that fails before it can record anything."""
    raise RuntimeError("the work horse died")


def test_a_request_rq_gave_up_on_is_shown_as_failed(db, client, login, world, redis_queue):
    failed_id = queue_jobs.enqueue(_broken, timeout=10)
    work_off(redis_queue)
    assert queue_jobs.state(failed_id) == "failed"
    waiting_id = queue_jobs.enqueue(_broken, timeout=10)  # never worked off: still queued
    failed = _request_of(db, world, "running", failed_id)
    forgotten = _request_of(db, world, "queued", "no-such-job")
    waiting = _request_of(db, world, "queued", waiting_id)
    login(world.users["staff"])
    for job in (failed, forgotten):
        page = client.get(f"/documents/requests/{job.id}")
        assert "Refresh" not in page.headers, job.rq_id
        text = page.get_data(as_text=True)
        assert FAILED in text and "Dokumentet kunne ikke dannes" in text
    page = client.get(f"/documents/requests/{waiting.id}")
    assert page.headers["Refresh"] == "2" and FAILED not in page.get_data(as_text=True)


@pytest.mark.parametrize("role, status", [
    ("builder", 200), ("staff", 200), ("admin", 200),
    ("other_builder", 404), ("contractor", 404), ("municipality", 404),
])
def test_only_the_requester_and_the_secretariat_see_a_request(db, client, login, world,
                                                              redis_queue, role, status):
    login(world.users["builder"])
    _post_clause_status(client, world)
    job = _the_job(db)
    client.post("/logout")
    login(world.users[role])
    assert client.get(f"/documents/requests/{job.id}").status_code == status
    assert client.get(f"/documents/requests/{job.id + 1}").status_code == 404


def test_a_refused_request_is_not_stored(db, client, login, world, redis_queue):
    login(world.users["other_municipality"])  # Fie's municipality; Fie gave no consent
    response = client.post("/documents/new", data={"kind": "pathway",
                                                   "participant_id": world.fie.id})
    assert response.status_code == 400
    assert _count(db, DocumentJob) == 0 and len(redis_queue) == 0


def test_the_command_line_issues_at_once_even_with_a_queue(db, runner, world, tmp_path,
                                                            redis_queue):
    result = runner.invoke(args=["document", "clause-status", "--project", "T-100",
                                 "--as-of", "2026-06-30", "-o", str(tmp_path / "k.pdf")])
    assert result.exit_code == 0, result.output
    assert _count(db, Document) == 1 and (tmp_path / "k.pdf").read_bytes()[:5] == b"%PDF-"
    assert _count(db, DocumentJob) == 0 and len(redis_queue) == 0


def test_a_failing_render_on_the_command_line_says_why(db, runner, world, tmp_path,
                                                       monkeypatch):
    def failing(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(render, "write_pdf", failing)
    result = runner.invoke(args=["document", "clause-status", "--project", "T-100",
                                 "--as-of", "2026-06-30", "-o", str(tmp_path / "k.pdf")])
    assert result.exit_code == 1
    assert "Dokumentet krævede mere hukommelse end tilladt" in result.output
    assert _count(db, Document) == 0 and not (tmp_path / "k.pdf").exists()


def test_a_request_whose_worker_stopped_beating_is_shown_as_failed(db, client, login, world,
                                                                   redis_queue):
    """A worker killed mid-job (SIGKILL, its machine gone) leaves RQ's job "started" with a
    heartbeat that no longer moves: after a minute without one the request is failed; a job
    that beats is still waited for."""
    from datetime import timedelta

    from rq.job import Job, JobStatus

    from tracker.models.base import utcnow

    pages = {}
    for name, silent in (("dead", 120), ("alive", 0)):
        rq_id = queue_jobs.enqueue(_broken, timeout=10)
        rq_job = Job.fetch(rq_id, connection=redis_queue.connection)
        rq_job.set_status(JobStatus.STARTED)
        rq_job.heartbeat(utcnow() - timedelta(seconds=silent), ttl=3_600)
        pages[name] = _request_of(db, world, "running", rq_id).id
    login(world.users["staff"])
    dead = client.get(f"/documents/requests/{pages['dead']}")
    assert "Refresh" not in dead.headers and FAILED in dead.get_data(as_text=True)
    alive = client.get(f"/documents/requests/{pages['alive']}")
    assert alive.headers["Refresh"] == "2" and FAILED not in alive.get_data(as_text=True)
