"""Workbook import jobs: an upload between its check and its import, and the progress of
a check or import running on the job queue.

In the database so that any app process or machine can show a job's progress, whichever
one received the upload and whichever worker runs the work (tracker.imports.jobs writes
these rows).
"""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from tracker.models.base import Base, one_of, utcnow
from tracker.models.users import User

IMPORT_JOB_STATES = ("checking", "checked", "importing", "imported", "failed")
IMPORT_JOB_RUNNING = ("checking", "importing")


class ImportJob(Base):
    __tablename__ = "import_jobs"
    __table_args__ = (one_of("state", IMPORT_JOB_STATES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The uploaded bytes; gone (NULL) once imported or discarded, while the job's outcome
    # stays readable until the job is cleaned up.
    stored_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("stored_files.id", ondelete="SET NULL"))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    locale: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(20))
    phase: Mapped[str] = mapped_column(String(20))
    rows_done: Mapped[int] = mapped_column(default=0, server_default="0")
    rows_total: Mapped[int | None]
    # The check's problem count, so a list of jobs need not load the preview.
    problem_count: Mapped[int | None]
    # Report.to_dict() of the check and of the import (up to MAX_PROBLEMS problems).
    preview: Mapped[dict | None] = deferred(mapped_column(JSON))
    result: Mapped[dict | None] = deferred(mapped_column(JSON))
    error: Mapped[str | None] = mapped_column(Text)
    # The RQ job that runs the check or import (None when it runs in the request), so a job
    # whose worker died is told from one that still runs.
    rq_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now(),
                                                 index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow,
                                                 server_default=func.now())

    started_by: Mapped[User | None] = relationship()
