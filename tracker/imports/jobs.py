"""Import jobs: an uploaded workbook between its check and its import, and their progress.

The upload (`StoredFile`) and the job (`ImportJob`) are database rows, so any process can
show a job's progress and take its confirmation, and any worker can run it; the check and
the import run on the job queue (tracker.jobs), or in the request when there is none.

Job rows are written with SQL statements outside the session, so they stay out of the audit
trail, each in a short transaction of its own that the polling page sees at once while the
import's transaction stays open. A successful import's outcome is committed in the import's
own transaction, so the rows and "imported" come together.
"""
import fcntl
import hashlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from redis.exceptions import RedisError
from sqlalchemy import Select, false, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, joinedload, undefer

from tracker import jobs as queue
from tracker.access import SECRETARIAT
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.imports.reader import SourceError, open_bytes
from tracker.imports.report import Problem, Report
from tracker.imports.service import concurrent_change_message, import_workbook, max_rows
from tracker.models import StoredFile, User
from tracker.models.base import utcnow
from tracker.models.imports import IMPORT_JOB_RUNNING, ImportJob

log = logging.getLogger(__name__)

RUNNING = IMPORT_JOB_RUNNING
# RQ's states of a job that will still run and record its outcome in the row (a started
# job whose worker stopped beating is "abandoned", see tracker.jobs.state).
ALIVE = ("queued", "started", "deferred", "scheduled")
# A job run in a request (no RQ job) holds its run lock while it runs (`holding`); the lock
# goes with its process, however that ends (gunicorn's timeout kills it with SIGKILL). The
# job has stopped when nobody holds the lock and its row has not moved for STALE_AFTER: the
# row is fresh from the moment it is created until the lock is taken.
STALE_AFTER = timedelta(minutes=1)
# The first key of a job's advisory lock on PostgreSQL (the second is the job's id): "IJ".
LOCK_SPACE = 0x494A
KEEP_FOR = timedelta(days=1)
PROGRESS_EVERY = 1.0  # seconds between progress writes

TABLE = ImportJob.__table__


def _our_error() -> str:
    return _("The import stopped because of an error on our side; nothing was imported. "
             "The error has been logged.")


def _out_of_memory() -> str:
    return _("The workbook needed more memory than a check or import may use; nothing was "
             "imported. Split it into several workbooks, or ask an administrator to import it "
             "with the command flask import-workbook.")


def visible(user) -> Select:
    """The jobs a user may see: every job for the secretariat, none for anyone else."""
    query = select(ImportJob)
    return query if user.role in SECRETARIAT else query.where(false())


def read(job_id: int, user=None) -> ImportJob | None:
    """A job as the database holds it now, never an older copy from the session (with its
    preview and result), within the user's scope when a user is given; None if there is
    no such job."""
    query = select(ImportJob) if user is None else visible(user)
    return db.session.scalars(
        query.where(ImportJob.id == job_id)
        .options(undefer(ImportJob.preview), undefer(ImportJob.result),
                 joinedload(ImportJob.started_by))
        .execution_options(populate_existing=True)).first()


def update(job_id: int, *conditions, **changes) -> None:
    """Change a job (when the conditions hold) in its own short transaction on its own
    connection: committed at once, seen by every process, and untouched by the rollback of
    an import that fails.

    Never while this process's session holds uncommitted changes to the job (or, on
    SQLite, any uncommitted write): the write would wait for ourselves. It then fails
    after 5 s (SQLite's busy timeout, PostgreSQL's lock_timeout below) instead of hanging."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
        connection.execute(
            TABLE.update().where(TABLE.c.id == job_id, *conditions).values(**changes))


def claim_import(job_id: int) -> bool:
    """Move a checked job without problems to "importing"; False when it is not (any
    more) in that state, e.g. when the import was confirmed twice at the same time."""
    with db.engine.begin() as connection:
        moved = connection.execute(
            TABLE.update()
            .where(TABLE.c.id == job_id, TABLE.c.state == "checked",
                   TABLE.c.problem_count == 0, TABLE.c.stored_file_id.is_not(None))
            .values(state="importing", phase="reading", rows_done=0, rows_total=None,
                    error=None, rq_id=None))
    return moved.rowcount == 1


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite: naive UTC


def _lock_file(job_id: int) -> Path | None:
    """The file whose lock a job run in a request holds on SQLite: beside the database, which
    only processes of one machine share. None for a database in memory."""
    database = db.engine.url.database
    if db.engine.dialect.name != "sqlite" or not database or database == ":memory:" or \
            database.startswith("file:"):
        return None
    path = Path(database)
    return path.with_name(f"{path.name}-import-{job_id}.lock")


@contextmanager
def holding(job_id: int) -> Iterator[None]:
    """Hold the job's run lock while it runs in this process (see STALE_AFTER)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            # A session lock on a connection of its own, outside any transaction.
            connection.execution_options(isolation_level="AUTOCOMMIT")
            keys = {"space": LOCK_SPACE, "id": job_id}
            connection.execute(text("SELECT pg_advisory_lock(:space, :id)"), keys)
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:space, :id)"), keys)
        return
    path = _lock_file(job_id)
    if path is None:
        yield
        return
    with path.open("ab") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            path.unlink(missing_ok=True)


def held(job_id: int) -> bool:
    """Whether a process holds the job's run lock (it runs the job in a request now)."""
    if db.engine.dialect.name == "postgresql":
        return bool(db.session.scalar(text(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid::bigint = :space AND objid::bigint = :id AND objsubid = 2)"),
            {"space": LOCK_SPACE, "id": job_id}))
    path = _lock_file(job_id)
    if path is None:
        return True  # a database in memory lives and dies with its only process
    try:
        lock = path.open("rb")
    except FileNotFoundError:
        return False
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
    return False


def stopped(job: ImportJob) -> bool:
    """Whether a job that says it runs never will again: RQ says its job failed, was stopped,
    lost its worker or is gone, or (run in a request, no RQ job) nobody holds its run lock and
    its row has not moved for STALE_AFTER."""
    if job.state not in RUNNING:
        return False
    if job.rq_id is not None:
        return queue.state(job.rq_id) not in ALIVE
    return utcnow() - _aware(job.updated_at) > STALE_AFTER and not held(job.id)


def settle(job: ImportJob) -> ImportJob:
    """Record a job that stopped (see `stopped`) as failed, saying so, so that the page shows
    it and it may be discarded; the job is returned as the database now holds it."""
    if not stopped(job):
        return job
    with force_locale(job.locale or "da"):
        if job.state == "checking":
            message = _("The check stopped unexpectedly; nothing was imported. Discard the "
                        "file and upload it again. If it stops again, ask an administrator "
                        "to import it with the command flask import-workbook.")
        else:
            message = _("The import stopped unexpectedly; nothing was imported. Discard the "
                        "file and upload it again. If it stops again, ask an administrator "
                        "to import it with the command flask import-workbook.")
    # Only while it still is the job found stopped (not one started again meanwhile).
    same = TABLE.c.rq_id == job.rq_id if job.rq_id is not None \
        else TABLE.c.updated_at < utcnow() - STALE_AFTER
    update(job.id, TABLE.c.state == job.state, same, state="failed", error=message)
    if job.rq_id is None and (path := _lock_file(job.id)) is not None:
        path.unlink(missing_ok=True)  # left behind by the process that died
    db.session.refresh(job)
    return job


def recent(user, limit: int = 10) -> list[ImportJob]:
    """The newest jobs the user may see, newest first (without previews and results); one
    that stopped is shown as failed."""
    return [settle(job) for job in db.session.scalars(
        visible(user).options(joinedload(ImportJob.started_by))
        .order_by(ImportJob.created_at.desc(), ImportJob.id.desc()).limit(limit))]


def create(content: bytes, filename: str, content_type: str, user, locale: str) -> ImportJob:
    """Keep the uploaded bytes as a StoredFile and open a job for them (the caller commits)."""
    sha256 = hashlib.sha256(content).hexdigest()
    stored = StoredFile(filename=filename, content_type=content_type, size=len(content),
                        sha256=sha256, content=content, uploaded_by_id=user.id)
    db.session.add(stored)
    db.session.flush()
    job_id = db.session.scalar(TABLE.insert().values(
        stored_file_id=stored.id, sha256=sha256, filename=filename, size=len(content),
        started_by_id=user.id, locale=locale, state="checking", phase="reading",
    ).returning(TABLE.c.id))
    return db.session.get(ImportJob, job_id)


def discard(job_id: int) -> bool:
    """Forget a job and its upload's bytes; False (and nothing forgotten) while it runs
    (`settle` a job that stopped first). The caller commits."""
    gone = db.session.execute(
        TABLE.delete().where(TABLE.c.id == job_id, TABLE.c.state.not_in(RUNNING))
        .returning(TABLE.c.stored_file_id)).first()
    if gone is None:
        return False
    if gone.stored_file_id is not None:
        stored = db.session.get(StoredFile, gone.stored_file_id)
        if stored is not None:
            db.session.delete(stored)
    return True


def clean_up() -> None:
    """Drop jobs (and their uploads, if never imported) older than KEEP_FOR, unless they
    still run; the caller commits."""
    old = db.session.scalars(select(ImportJob).where(
        ImportJob.created_at < utcnow() - KEEP_FOR)).all()
    # All settled before the first delete: settling writes on a connection of its own.
    for job in [settle(job) for job in old]:
        discard(job.id)


# --- Running a job ----------------------------------------------------------------------

def _holds_write_lock(session: Session) -> bool:
    """Whether the import's own connection holds SQLite's only write lock (it has written):
    a progress write on another connection would then wait for it, that is for ourselves."""
    connection = session.connection()
    return connection.dialect.name == "sqlite" and \
        connection.connection.dbapi_connection.in_transaction


class _Progress:
    """Writes the job's progress at most once a second. On SQLite nothing is written while
    the import writes its rows (a few seconds; see _holds_write_lock). A write that fails
    is skipped: progress is worth less than the import."""

    def __init__(self, job_id: int, session: Session):
        self.job_id, self.session, self.last = job_id, session, 0.0

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY or _holds_write_lock(self.session):
            return
        self.last = now
        try:
            update(self.job_id, phase=phase, rows_done=done, rows_total=total)
        except OperationalError:
            log.warning("Progress of import job %s not written", self.job_id, exc_info=True)


def _failure(filename: str, message: str) -> Report:
    report = Report(source=filename, dry_run=True)
    report.problems.append(Problem("", None, None, "", message))
    report.problem_count = 1
    return report


def start(job_id: int, mode: str) -> None:
    """Check (mode "check") or import (mode "import") an upload: on the job queue when one is
    configured (the job's row keeps the RQ job id), otherwise at once in this request."""
    config = current_app.config
    # Without a queue the job runs here and now, holding its run lock (see STALE_AFTER).
    try:
        with nullcontext() if queue.configured() else holding(job_id):
            rq_id = queue.enqueue(run, job_id, mode,
                                  timeout=int(config["TRACKER_IMPORT_TIMEOUT"]),
                                  memory=int(config["TRACKER_IMPORT_MEMORY"]),
                                  description=f"import job {job_id}: {mode}")
    except RedisError:
        log.exception("Import job %s could not be queued", job_id)
        update(job_id, state="failed", error=_our_error())
        return
    if rq_id is not None:
        update(job_id, rq_id=rq_id)


def run(job_id: int, mode: str) -> None:
    """The job: check or import an upload, recording the outcome in its row; commits an
    import and deletes its upload. Nothing happens when the job was discarded meanwhile."""
    job = db.session.execute(select(
        TABLE.c.stored_file_id, TABLE.c.sha256, TABLE.c.filename, TABLE.c.started_by_id,
        TABLE.c.locale).where(TABLE.c.id == job_id)).first()
    if job is None:
        return
    dry_run = mode == "check"
    update(job_id, state="checking" if dry_run else "importing", phase="reading",
           rows_done=0, rows_total=None, error=None)
    stored = db.session.get(StoredFile, job.stored_file_id) \
        if job.stored_file_id is not None else None
    user = db.session.get(User, job.started_by_id) if job.started_by_id is not None else None
    actor = (user.id, user.email) if user else (None, "import")
    with force_locale(job.locale or "da"):
        if stored is None or stored.sha256 != job.sha256:
            update(job_id, state="failed",
                   error=_("The uploaded file is no longer there. Upload it again."))
            return
        try:
            with open_bytes(stored.content, job.filename, max_rows()) as workbook:
                report = import_workbook(db.session, workbook, actor, dry_run=dry_run,
                                         sha256=job.sha256,
                                         progress=_Progress(job_id, db.session))
            if report.written:
                # The outcome goes into the import's own transaction: the rows and the
                # job's "imported" are committed together, or neither is.
                db.session.execute(TABLE.update().where(TABLE.c.id == job_id).values(
                    state="imported", result=report.to_dict(), stored_file_id=None))
                db.session.delete(stored)
                db.session.commit()
                return
            db.session.rollback()
        except SourceError as error:
            db.session.rollback()
            report = _failure(job.filename, str(error))
        except IntegrityError:
            db.session.rollback()
            report = _failure(job.filename, concurrent_change_message())
            report.dry_run = dry_run
        except MemoryError:
            # Over TRACKER_IMPORT_MEMORY on the queue; what filled it is gone by now.
            db.session.rollback()
            log.warning("Import job %s ran out of memory", job_id)
            update(job_id, state="failed", error=_out_of_memory())
            return
        except Exception:
            db.session.rollback()
            log.exception("Import job %s failed", job_id)
            update(job_id, state="failed", error=_our_error())
            return
    # A check, or an import that found problems after all (the database changed since the
    # check): the job is checked again, with this report as its preview.
    update(job_id, state="checked", preview=report.to_dict(),
           problem_count=report.problem_count)
