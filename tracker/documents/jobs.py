"""Issuing a document as a job: the request is stored (DocumentJob), the job issues it on
the queue (or at once, in the request, without Redis) and records the outcome, which the
request's page shows."""
from flask import current_app
from flask_babel import force_locale

from tracker import jobs
from tracker.documents import service
from tracker.documents.requests import DocumentRequest
from tracker.extensions import db
from tracker.models import DocumentJob, User

ACTIVE = ("queued", "running")
# RQ's states of a job that will never record its outcome (None: RQ no longer knows it;
# "abandoned": started, but its worker stopped beating, see tracker.jobs.state).
GIVEN_UP = (None, "failed", "stopped", "canceled", "abandoned")


def submit(req: DocumentRequest, user: User) -> DocumentJob:
    """Store a checked request, commit, and issue it: on the queue, or now without one."""
    job = DocumentJob(kind=req.kind, parameters=req.ids(), requested_by_id=user.id,
                      state="queued")
    db.session.add(job)
    db.session.commit()
    config = current_app.config
    rq_id = jobs.enqueue(issue_job, job.id, timeout=config["TRACKER_DOCUMENT_TIMEOUT"],
                         memory=config["TRACKER_DOCUMENT_MEMORY"],
                         description=f"document {job.id} ({job.kind})")
    if rq_id is not None:
        job.rq_id = rq_id
        db.session.commit()
    return job


def issue_job(job_id: int) -> None:
    """The job: issue the requested document as the user who asked, and record it (done and
    the document, or failed and why, in Danish)."""
    job = db.session.get(DocumentJob, job_id)
    if job is None or job.state != "queued":
        return  # issued or given up already
    job.state = "running"
    db.session.commit()
    with force_locale("da"):
        try:
            req = DocumentRequest.from_ids(job.kind, job.parameters)
            document = service.issue(req, job.requested_by)
        except Exception as error:  # noqa: BLE001 - recorded for the user; the unexpected logged
            db.session.rollback()
            message = service.failure_message(error)
            job = db.session.get(DocumentJob, job_id)
            job.state, job.error = "failed", message
        else:
            job.state, job.document_id = "done", document.id
        db.session.commit()


def shown_state(job: DocumentJob) -> str:
    """The request's state for its page: queued or running on the queue, but given up by
    RQ (failed, stopped, or forgotten), it is failed."""
    if job.state in ACTIVE and jobs.configured() and jobs.state(job.rq_id) in GIVEN_UP:
        return "failed"
    return job.state


def shown_error(job: DocumentJob) -> str:
    """Why a failed request failed: its own words, or those for a job that never said."""
    return job.error or str(service.FAILURE_MESSAGES["failed"])
