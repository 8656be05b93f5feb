"""Work that leaves the request (issuing a PDF, checking or importing a workbook) as jobs on
RQ with Redis.

With `TRACKER_REDIS_URL` set, `enqueue` puts the job on the queue and returns its id; an
`rq worker` process (`flask --app tracker worker`, on any number of machines) runs it in a
fresh work horse with a time limit and an address-space limit. With no Redis configured (the
embedded default of `make run`) the job runs at once, in the request, so nothing but Python
is needed.

A job is a plain function of the application called with JSON-like arguments; it records its
own outcome in the database (the page polls that row), so a job needs no result store.
"""
import importlib
import logging
import resource
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, current_app, has_app_context
from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job

from tracker.models.base import utcnow

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "tracker"
# RQ keeps a finished or failed job's record this long; our own rows hold the outcome.
KEEP_RECORD = 24 * 60 * 60
# While a work horse runs a job, its worker writes the job's heartbeat every HEARTBEAT
# seconds (rq's job monitoring interval, set by `flask worker`). A worker killed outright
# (SIGKILL, its machine gone) leaves the job "started" until another worker cleans RQ's
# registries, long after; a started job silent for SILENT_AFTER seconds has lost its worker.
HEARTBEAT = 15
SILENT_AFTER = 60

# The app a worker built once before forking its work horses (see `worker_app`).
_worker_app: Flask | None = None


def configured(app: Flask | None = None) -> bool:
    """Whether jobs go on a queue (TRACKER_REDIS_URL is set) rather than run in the request."""
    return bool((app or current_app).config.get("TRACKER_REDIS_URL"))


def connection(app: Flask | None = None) -> Redis:
    """The Redis connection of the configured queue."""
    return Redis.from_url((app or current_app).config["TRACKER_REDIS_URL"])


def queue(app: Flask | None = None) -> Queue:
    """The application's queue (TRACKER_QUEUE, default "tracker")."""
    app = app or current_app
    return Queue(app.config.get("TRACKER_QUEUE", DEFAULT_QUEUE), connection=connection(app))


def enqueue(function: Callable, *args, timeout: int, memory: int | None = None,
            description: str | None = None) -> str | None:
    """Run `function(*args)` as a job: on the queue when Redis is configured (the RQ job id
    is returned), otherwise at once in this request (None is returned).

    `timeout` is the job's wall-clock limit in seconds and `memory` its address-space limit
    in bytes; both apply on the queue only, where the work horse is a process of its own."""
    if not configured():
        function(*args)
        return None
    job = queue().enqueue(
        run, _path(function), list(args), memory, job_timeout=timeout,
        result_ttl=KEEP_RECORD, failure_ttl=KEEP_RECORD,
        description=description or _path(function))
    return job.id


def _path(function: Callable) -> str:
    return f"{function.__module__}:{function.__qualname__}"


def run(path: str, args: list, memory: int | None = None):
    """In the work horse: limit its memory, then call the function in an app context.

    A test that runs the jobs in its own process (rq's SimpleWorker inside the test's app
    context) gets the function called in that context, without a memory limit on the run."""
    module, name = path.split(":")
    function = getattr(importlib.import_module(module), name)
    if _worker_app is None and has_app_context():
        return function(*args)
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    app = _worker_app or _fresh_app()
    with app.app_context():
        from tracker.extensions import db

        # Connections inherited from the worker across fork are the worker's, not ours.
        db.engine.dispose(close=False)
        try:
            return function(*args)
        finally:
            db.session.remove()


def _fresh_app() -> Flask:
    from tracker import create_app

    return create_app()


def worker_app(app: Flask | None) -> None:
    """Build the app once in the worker, before it forks a work horse per job (None when the
    worker stops)."""
    global _worker_app
    _worker_app = app


def state(job_id: str | None, app: Flask | None = None) -> str | None:
    """RQ's state of a queued job ("queued", "started", "finished", "failed", "stopped",
    "canceled", …), "abandoned" for a started job whose worker no longer beats (see
    SILENT_AFTER), or None when RQ no longer knows it (expired or never queued)."""
    if not job_id or not configured(app):
        return None
    try:
        job = Job.fetch(job_id, connection=connection(app))
        status = job.get_status(refresh=True)
    except NoSuchJobError:
        return None
    status = getattr(status, "value", status)
    if status == "started" and job.last_heartbeat is not None and \
            utcnow() - job.last_heartbeat > timedelta(seconds=SILENT_AFTER):
        return "abandoned"
    return status
