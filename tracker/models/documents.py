"""Issued PDF documents: immutable, archived with their SHA-256; and the requests to issue
one, with their outcome (tracker.documents.jobs writes these rows)."""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from tracker.models.base import Base, one_of, utcnow
from tracker.models.codes import DOCUMENT_KINDS
from tracker.models.users import User


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (one_of("kind", DOCUMENT_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    # What the document covers, as words for the verification page ("Byggesag 2024-017").
    scope: Mapped[str] = mapped_column(String(300))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), index=True)
    year: Mapped[int | None] = mapped_column(Integer)
    as_of: Mapped[date]
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    # None once withdrawn for data protection (tracker.retention): the record keeps its
    # number, kind, date and checksum, so /verify can still say it was issued.
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    attachment: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    withdrawn_at: Mapped[datetime | None]
    attachment_withdrawn_at: Mapped[datetime | None]

    issued_by: Mapped[User | None] = relationship()


class DocumentParticipant(Base):
    """A participant an issued document names: the subject of a pathway document, or one
    of the persons in its spreadsheet's person-level rows (by pseudonym). Written when the
    document is issued, so that a resident's access request (and erasure) finds every
    document about them without opening the archived files. Keyed by participant first:
    it is read by participant."""

    __tablename__ = "document_participants"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), primary_key=True,
                                                autoincrement=False)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True,
                                             autoincrement=False)


class DocumentNumberCounter(Base):
    """The last document number taken in a year. A number is taken by raising it in a short
    transaction of its own, before the document is rendered: concurrent issuers wait a moment
    for the row, never for each other's rendering, and a number stays taken even when its
    document then fails (a gap in the series, never a number used twice)."""

    __tablename__ = "document_number_counters"
    __table_args__ = (CheckConstraint("last_serial >= 0", name="last_serial_not_negative"),)

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_serial: Mapped[int]


DOCUMENT_JOB_STATES = ("queued", "running", "done", "failed")


class DocumentJob(Base):
    """A request to issue a document: in the database so that any app process shows how it
    stands, whichever worker issues it."""

    __tablename__ = "document_jobs"
    __table_args__ = (one_of("kind", DOCUMENT_KINDS), one_of("state", DOCUMENT_JOB_STATES))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    # The request's objects by id and its dates (DocumentRequest.ids()).
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(20), default="queued")
    # Why it failed, in Danish, for the user.
    error: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    rq_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow,
                                                 server_default=func.now())

    requested_by: Mapped[User] = relationship()
    document: Mapped[Document | None] = relationship()
