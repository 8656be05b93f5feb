"""Stored clause figures: the fulfilment of a clause as of a date, kept until its project's
data changes (tracker.figures writes and reads them; tracker.counting computes them)."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models.base import Base, utcnow


class StoredFigures(Base):
    """One clause's figures as of a date, at its project's figures version."""

    __tablename__ = "clause_figures"

    clause_id: Mapped[int] = mapped_column(
        ForeignKey("clauses.id", ondelete="CASCADE"), primary_key=True)
    as_of: Mapped[date] = mapped_column(primary_key=True)
    project_id: Mapped[int]
    # Project.figures_version when the figures were computed: a row counts only while its
    # project still has that version (every change to the project's data raises it).
    project_version: Mapped[int]
    # Exact decimals as text: SQLite would round a NUMERIC through a float.
    target: Mapped[str] = mapped_column(String(60))
    registered: Mapped[str | None] = mapped_column(String(60))
    reported: Mapped[str | None] = mapped_column(String(60))
    percent: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))
    discrepancy: Mapped[bool]
    period_start: Mapped[date]
    period_end: Mapped[date]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
