"""Issuing a document: check, build, render, number and archive it with its SHA-256; and
finding an issued one again. No HTTP here; the caller commits."""
import hashlib
from datetime import date

from flask import current_app
from flask_babel import force_locale
from rq.timeouts import JobTimeoutException
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tracker.documents import render
from tracker.documents.content import workbook
from tracker.documents.kinds import build
from tracker.documents.requests import DocumentRequest, IssueError, check_request
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.models import Document, User
from tracker.models.base import utcnow

SHORT_NAMES = {"clause-status": "klausulstatus", "compliance": "opfyldelseserklaering",
               "municipality": "kommunerapport", "pathway": "forloebsbeskrivelse",
               "annual": "aarsrapport", "training": "laerlingeindberetning"}
FAILURE_MESSAGES = {
    "timeout": _l("The document took too long to produce and was stopped. Choose a smaller "
                  "scope (e.g. a shorter period) or issue it from the command line."),
    "memory": _l("The document needed more memory than allowed and was stopped. Choose a "
                 "smaller scope (e.g. a shorter period)."),
    "failed": _l("The document could not be produced. Nothing was issued; please try again. "
                 "If it keeps failing, tell the secretariat."),
}


def next_number(year: int) -> str:
    """The next free document number of the year: D-2026-000123."""
    prefix = f"D-{year}-"
    last = db.session.scalar(select(func.max(Document.number))
                             .where(Document.number.like(prefix + "%")))
    serial = int(last[len(prefix):]) + 1 if last else 1
    return f"{prefix}{serial:06d}"


def issue(req: DocumentRequest, user: User | None) -> Document:
    """Check, build, render and archive a document; the caller commits. `user` None is the
    command line (the system).

    Raises IssueError (message for the user) when it may not be issued, and whatever the
    renderer raises when it cannot (`failure_message` says that in words)."""
    check_request(req, user, date.today())
    built = build(req)
    with force_locale("da"):
        attachment = workbook(built.sheets, req.as_of)
    for _attempt in range(3):
        issued_at = utcnow()
        number = next_number(issued_at.year)
        html = render.render_html(req.kind, built, req, number, issued_at, user)
        pdf = render.write_pdf(html, current_app.static_folder, identifier=number)
        document = Document(
            number=number, kind=req.kind, scope=built.scope[:300], project_id=built.project_id,
            organisation_id=built.organisation_id, participant_id=built.participant_id,
            year=built.year, as_of=req.as_of, parameters=req.parameters(),
            issued_by_id=user.id if user else None, issued_at=issued_at,
            sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), content=pdf,
            attachment=attachment)
        db.session.add(document)
        try:
            db.session.flush()
        except IntegrityError:  # someone took the number meanwhile: take the next one
            db.session.rollback()
            continue
        return document
    raise IssueError(_("No document number could be reserved. Please try again."))


def failure_message(error: Exception) -> str:
    """Why a document was not issued, for the user; an unexpected error is logged."""
    if isinstance(error, IssueError):
        return str(error)
    if isinstance(error, JobTimeoutException):
        reason = "timeout"
    elif isinstance(error, MemoryError):
        reason = "memory"
    else:
        reason = "failed"
    current_app.logger.error("A document was not issued (%s)", reason, exc_info=error)
    return str(FAILURE_MESSAGES[reason])


def find_issued(sha256: str, number: str | None = None) -> Document | None:
    """The document with these bytes (and this number, when given), or None."""
    query = select(Document).where(Document.sha256 == sha256.strip().lower())
    if number is not None:
        query = query.where(Document.number == number.strip().upper())
    return db.session.scalars(query.limit(1)).first()


def file_name(document: Document, attachment: bool = False) -> str:
    """D-2026-000123-klausulstatus.pdf (or .xlsx)."""
    suffix = "xlsx" if attachment else "pdf"
    return f"{document.number}-{SHORT_NAMES.get(document.kind, 'dokument')}.{suffix}"
