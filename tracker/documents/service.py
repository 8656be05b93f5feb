"""Issuing a document: check, build, render, number and archive it with its SHA-256; and
finding an issued one again. No HTTP here; the caller commits."""
import hashlib
from contextlib import contextmanager
from datetime import date

from flask import current_app
from flask_babel import force_locale
from rq.timeouts import JobTimeoutException
from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tracker.documents import render
from tracker.documents.content import workbook
from tracker.documents.kinds import build
from tracker.documents.requests import DocumentRequest, IssueError, check_request
from tracker.extensions import db
from tracker.i18n import lazy_gettext as _l
from tracker.models import Document, DocumentNumberCounter, DocumentParticipant, User
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


def reserve_number(year: int) -> str:
    """Take the next document number of the year for good: D-2026-000123.

    The year's counter row is raised in a short transaction of its own (the UPDATE locks the
    row until that commit), before anything is rendered: concurrent issuers queue for a
    moment at the row, never for each other's rendering, and none is refused. A number stays
    taken when its document then fails: the series may have gaps, never a number twice."""
    table = DocumentNumberCounter.__table__
    with _reservation() as connection:
        dialect_insert = postgresql_insert if connection.dialect.name == "postgresql" \
            else sqlite_insert
        connection.execute(dialect_insert(table).values(year=year, last_serial=0)
                           .on_conflict_do_nothing(index_elements=[table.c.year]))
        serial = connection.execute(
            update(table).where(table.c.year == year)
            .values(last_serial=table.c.last_serial + 1).returning(table.c.last_serial)
        ).scalar_one()
    return f"D-{year}-{serial:06d}"


@contextmanager
def _reservation():
    """A connection in a transaction of its own, committed on leaving. On SQLite, while this
    request's session already writes (it holds the one write lock), a second connection
    would wait for that lock until it gives up: the session's own transaction is used then,
    and the number is kept only if the session commits, which it does with the document."""
    session_connection = db.session.connection()
    if session_connection.dialect.name == "sqlite" \
            and session_connection.connection.driver_connection.in_transaction:
        yield session_connection
        return
    with db.engine.begin() as connection:
        yield connection


def issue(req: DocumentRequest, user: User | None) -> Document:
    """Check, build, reserve a number, render and archive a document; the caller commits.
    `user` None is the command line (the system).

    Raises IssueError (message for the user) when it may not be issued, and whatever the
    renderer raises when it cannot (`failure_message` says that in words)."""
    check_request(req, user, date.today())
    built = build(req)
    with force_locale("da"):
        attachment = workbook(built.sheets, req.as_of)
    issued_at = utcnow()
    number = reserve_number(issued_at.year)
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
    db.session.flush()
    named = built.named_participants()
    if named:  # one statement, not an audit row per person
        db.session.execute(insert(DocumentParticipant), [
            {"participant_id": pid, "document_id": document.id} for pid in sorted(named)])
    return document


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
