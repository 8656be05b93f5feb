"""Issued PDF documents: immutable, archived with their SHA-256."""
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
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
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    attachment: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))

    issued_by: Mapped[User | None] = relationship()
