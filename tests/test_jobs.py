"""The job queue (tracker.jobs): in the request without Redis, on RQ with it."""
import os
import resource
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from tests.conftest import work_off
from tracker import jobs
from tracker.models import Organisation

ROOT = Path(__file__).resolve().parent.parent


def add_organisation(cvr: str, name: str) -> None:
    """A job: add an organisation and commit."""
    from tracker.extensions import db

    db.session.add(Organisation(name=name, kind="other", cvr=cvr))
    db.session.commit()


def allocate(megabytes: int) -> None:
    """A job that needs more memory than its limit allows."""
    bytearray(megabytes * 1024 * 1024)


def _names(db):
    return db.session.scalars(select(Organisation.name).order_by(Organisation.name)).all()


def test_without_redis_a_job_runs_in_the_request(app, db):
    assert not jobs.configured()
    assert jobs.enqueue(add_organisation, "12345678", "Nu A/S", timeout=10) is None
    db.session.remove()
    assert _names(db) == ["Nu A/S"]
    assert jobs.state(None) is None


def test_with_redis_a_job_waits_for_a_worker(app, db, redis_queue):
    job_id = jobs.enqueue(add_organisation, "12345678", "Senere A/S", timeout=10)
    assert job_id
    assert jobs.state(job_id) == "queued"
    assert _names(db) == []
    work_off(redis_queue)
    db.session.remove()
    assert _names(db) == ["Senere A/S"]
    assert jobs.state(job_id) == "finished"
    assert jobs.state("no-such-job") is None


def test_a_job_over_its_memory_limit_fails_in_a_real_worker(app, db, redis_queue, migrated):
    job_id = jobs.enqueue(allocate, 400, timeout=60, memory=300 * 1024 * 1024)
    env = dict(os.environ, DATABASE_URL=migrated, TRACKER_REDIS_URL=app.config["TRACKER_REDIS_URL"],
               TRACKER_QUEUE=app.config["TRACKER_QUEUE"])
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", "worker", "--burst"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert jobs.state(job_id) == "failed"


def test_the_worker_command_needs_a_queue(app, runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "TRACKER_REDIS_URL" in result.output


def test_a_worker_run_in_this_process_leaves_no_memory_limit_behind(app, db, runner,
                                                                  redis_queue, monkeypatch):
    """The memory limit is for a work horse, a process of its own. After `flask worker` ran in
    this process, a job run here once took the work horse's path and lowered this process's
    own limit for good, and later tests crashed."""
    import rq

    class Worker:
        def __init__(self, queues, **options):
            pass

        def work(self, burst):
            return True

    monkeypatch.setattr(rq, "Worker", Worker)
    before = resource.getrlimit(resource.RLIMIT_AS)
    assert runner.invoke(args=["worker", "--burst"]).exit_code == 0
    jobs.enqueue(add_organisation, "12345678", "Bagefter A/S", timeout=10,
                 memory=64 * 1024 ** 3)
    work_off(redis_queue)
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    db.session.remove()
    assert _names(db) == ["Bagefter A/S"]
