"""Stored aggregates: counts a dashboard shows over a whole deployment, kept until any data
they count changes (tracker.stored writes and reads them)."""
from datetime import date, datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, utcnow


class DataVersion(Base):
    """One row: raised in the transaction of every change to counted data."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(default=0)


class StoredValue(Base):
    """An aggregate (JSON) of one kind, for one scope and as-of date."""

    __tablename__ = "stored_values"

    # What was computed and for which scope (a hash of the scoped query).
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    as_of: Mapped[date] = mapped_column(primary_key=True)
    # DataVersion.version when the value was computed: it counts only while that is current.
    data_version: Mapped[int]
    value: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
