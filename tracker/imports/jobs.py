"""Import jobs: an uploaded workbook between its preview and its import, and the progress of
a check or import running in a background process.

The uploaded bytes are a `StoredFile` row (in the database, so the confirming request
need not hit the same process); the job's state is a small JSON file per upload,
`<jobs folder>/<file id>.json` (default `instance/imports/`), written atomically. A job
runs in the request for small files and in a child process (`python -m
tracker.imports.worker`) for large ones, so no web request works for a minute.

Limitation: with several machines the JSON file lives on the machine that received the
upload; a table of import jobs would lift that (see the issue's notes).
"""
import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from tracker.extensions import db
from tracker.imports.reader import SourceError, open_bytes
from tracker.imports.report import Problem, Report
from tracker.imports.service import concurrent_change_message, import_workbook
from tracker.models import StoredFile, User

log = logging.getLogger(__name__)

RUNNING = ("checking", "importing")
# A running job whose file has not changed for this long has died (killed, out of memory).
STALE_AFTER = timedelta(minutes=10)
KEEP_FOR = timedelta(days=1)
PROGRESS_EVERY = 1.0  # seconds between progress writes


def folder() -> Path:
    path = Path(current_app.config.get("TRACKER_IMPORT_JOBS_DIR")
                or Path(current_app.instance_path) / "imports")
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _path(file_id: int) -> Path:
    return folder() / f"{int(file_id)}.json"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def read(file_id: int) -> dict | None:
    """The job of an upload, or None."""
    try:
        return json.loads(_path(file_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write(file_id: int, job: dict) -> dict:
    """Replace the job file atomically (readers never see half a file)."""
    job["updated_at"] = _now()
    path = _path(file_id)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(job, fh, ensure_ascii=False, default=str)
    os.replace(tmp, path)
    return job


def update(file_id: int, **changes) -> dict:
    job = read(file_id) or {}
    job.update(changes)
    return write(file_id, job)


def is_stale(job: dict) -> bool:
    """A job that says it runs but has not moved for STALE_AFTER."""
    if job.get("state") not in RUNNING:
        return False
    updated = datetime.fromisoformat(job["updated_at"])
    return datetime.now(timezone.utc) - updated > STALE_AFTER


def recent(limit: int = 10) -> list[dict]:
    """The newest jobs first."""
    jobs = []
    for path in folder().glob("*.json"):
        try:
            jobs.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    jobs.sort(key=lambda j: j.get("created_at", ""), reverse=True)
    return jobs[:limit]


def create(content: bytes, filename: str, content_type: str, user, locale: str) -> dict:
    """Keep the uploaded bytes as a StoredFile and open a job for them (the caller commits)."""
    stored = StoredFile(filename=filename, content_type=content_type, size=len(content),
                        sha256=hashlib.sha256(content).hexdigest(), content=content,
                        uploaded_by_id=user.id)
    db.session.add(stored)
    db.session.flush()
    job = {"file_id": stored.id, "sha256": stored.sha256, "filename": filename,
           "size": len(content), "user_id": user.id, "user_name": user.name,
           "locale": locale, "created_at": _now(), "state": "checking", "phase": "reading",
           "done": 0, "total": None, "preview": None, "result": None, "error": None}
    return write(stored.id, job)


def discard(file_id: int) -> None:
    """Forget an upload: its bytes and its job file."""
    stored = db.session.get(StoredFile, file_id)
    if stored is not None:
        db.session.delete(stored)
    _path(file_id).unlink(missing_ok=True)


def clean_up() -> None:
    """Drop jobs (and their uploads, if never imported) older than KEEP_FOR; the caller commits."""
    cutoff = datetime.now(timezone.utc) - KEEP_FOR
    for path in folder().glob("*.json"):
        try:
            job = json.loads(path.read_text(encoding="utf-8"))
            created = datetime.fromisoformat(job["created_at"])
        except (OSError, ValueError, KeyError):
            continue
        if created < cutoff and (job.get("state") not in RUNNING or is_stale(job)):
            discard(job["file_id"])


# --- Running a job ----------------------------------------------------------------------

class _Progress:
    """Writes the job's progress at most once a second."""

    def __init__(self, file_id: int):
        self.file_id, self.last = file_id, 0.0

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY:
            self.last = now
            update(self.file_id, phase=phase, done=done, total=total)


def _failure(job: dict, message: str) -> Report:
    report = Report(source=job["filename"], dry_run=True)
    report.problems.append(Problem("", None, None, "", message))
    report.problem_count = 1
    return report


def run(file_id: int, mode: str) -> dict:
    """Check (mode "check") or import (mode "import") an upload, recording the outcome in
    its job file; commits an import and deletes its upload. Used in the request for small
    files and by the background worker for large ones."""
    job = read(file_id)
    if job is None:
        raise LookupError(file_id)
    dry_run = mode == "check"
    job = update(file_id, state="checking" if dry_run else "importing", phase="reading",
                 done=0, error=None)
    stored = db.session.get(StoredFile, file_id)
    user = db.session.get(User, job["user_id"])
    actor = (user.id, user.email) if user else (None, "import")
    with force_locale(job.get("locale") or "da"):
        if stored is None or stored.sha256 != job["sha256"]:
            return update(file_id, state="failed", error=_(
                "The uploaded file is no longer there. Upload it again."))
        try:
            with open_bytes(stored.content, job["filename"]) as workbook:
                report = import_workbook(db.session, workbook, actor, dry_run=dry_run,
                                         sha256=job["sha256"], progress=_Progress(file_id))
            if report.written:
                db.session.delete(stored)
                db.session.commit()
            else:
                db.session.rollback()
        except SourceError as error:
            db.session.rollback()
            report = _failure(job, str(error))
        except IntegrityError:
            db.session.rollback()
            report = _failure(job, concurrent_change_message())
            report.dry_run = dry_run
        except Exception:
            db.session.rollback()
            log.exception("Import job %s failed", file_id)
            return update(file_id, state="failed", error=_(
                "The import stopped because of an error on our side; nothing was imported. "
                "The error has been logged."))
    if dry_run:
        return update(file_id, state="checked", preview=report.to_dict())
    return update(file_id, state="imported" if report.written else "checked",
                  result=report.to_dict() if report.written else None,
                  preview=report.to_dict() if not report.written else job.get("preview"))


def start(file_id: int, mode: str) -> dict:
    """Run the job in a child process; the page polls the job file for its progress."""
    job = update(file_id, state="checking" if mode == "check" else "importing",
                 phase="reading", done=0, total=None, error=None)
    env = dict(os.environ)
    env["DATABASE_URL"] = db.engine.url.render_as_string(hide_password=False)
    root = Path(current_app.root_path).parent
    log_path = folder() / f"{int(file_id)}.log"
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "tracker.imports.worker", str(int(file_id)), mode,
             "--jobs-dir", str(folder())],
            cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file,
            start_new_session=True)
    # Reap the child when it ends, so it does not linger as a zombie of the web worker.
    threading.Thread(target=process.wait, daemon=True).start()
    job["pid"] = process.pid
    return job
