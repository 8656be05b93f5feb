"""Uploaded files (signed agreements, consent forms, evidence), kept in the database.

Keeping the bytes in the database keeps every app process and machine alike
(no shared disk) and puts them outside static/ by construction.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from tracker.models.base import Base, utcnow


class StoredFile(Base):
    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    # None once withdrawn for data protection (tracker.retention); the record stays.
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    withdrawn_at: Mapped[datetime | None]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
