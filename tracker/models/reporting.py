"""Contractor reports (indberetninger) and their evidence files."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.agreements import Clause
from tracker.models.base import Base, Timestamped, one_of, utcnow
from tracker.models.codes import OBLIGATION_STATES, REPORT_STATUSES
from tracker.models.files import StoredFile
from tracker.models.organisations import Organisation
from tracker.models.users import User


class ContractorReport(Timestamped, Base):
    """One version of a contractor's statement for one clause and period.

    A correction is a new row with the next version number; no row is ever
    overwritten with other figures.
    """

    __tablename__ = "contractor_reports"
    __table_args__ = (
        UniqueConstraint("clause_id", "contractor_id", "period_start", "report_version"),
        one_of("status", REPORT_STATUSES),
        CheckConstraint("period_end >= period_start", name="period_end_after_start"),
        CheckConstraint("report_version >= 1", name="report_version_positive"),
        CheckConstraint("persons IS NULL OR persons >= 0", name="persons_not_negative"),
        CheckConstraint("weeks IS NULL OR weeks >= 0", name="weeks_not_negative"),
        CheckConstraint("hours IS NULL OR hours >= 0", name="hours_not_negative"),
        CheckConstraint("site_hours IS NULL OR site_hours >= 0", name="site_hours_not_negative"),
        CheckConstraint(
            "site_hours IS NULL OR hours IS NULL OR site_hours >= hours",
            name="site_hours_cover_hours",
        ),
        CheckConstraint(
            "status <> 'returned' OR review_note IS NOT NULL", name="returned_has_reason"
        ),
        # The review queue (reporting.service) pages through the submitted reports in this
        # order without reading the approved ones.
        Index("ix_contractor_reports_awaiting_review", "submitted_at", "id",
              postgresql_where=text("status = 'submitted'"),
              sqlite_where=text("status = 'submitted'")),
        # The report history in its order, newest first (the index read backwards).
        Index("ix_contractor_reports_by_submission", "submitted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(50), unique=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"), index=True,
                                           active_history=True)  # as Agreement.project_id
    contractor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    report_version: Mapped[int] = mapped_column(default=1)
    persons: Mapped[int | None]
    weeks: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    hours: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    site_hours: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="submitted", index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)

    clause: Mapped[Clause] = relationship()
    contractor: Mapped[Organisation] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    evidence: Mapped[list["ReportEvidence"]] = relationship(
        back_populates="report", cascade="all, delete-orphan"
    )


class ReportEvidence(Base):
    __tablename__ = "report_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("contractor_reports.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))

    report: Mapped[ContractorReport] = relationship(back_populates="evidence")
    file: Mapped[StoredFile] = relationship()


class SentReminder(Base):
    """A reminder e-mailed to a contractor about one clause period: sent once, never again."""

    __tablename__ = "sent_reminders"
    __table_args__ = (UniqueConstraint("contractor_id", "clause_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"), index=True)
    period_start: Mapped[date]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipient: Mapped[str] = mapped_column(String(254))


class ReportObligation(Timestamped, Base):
    """Who owes which report: one clause, contractor and period, with its state.

    Kept in step with clauses, projects, contractors and reports by
    tracker.reporting.obligations; only a waiver is written by hand.
    """

    __tablename__ = "report_obligations"
    __table_args__ = (
        UniqueConstraint("clause_id", "contractor_id", "period_start"),
        one_of("state", OBLIGATION_STATES),
        CheckConstraint("period_end >= period_start", name="period_end_after_start"),
        CheckConstraint("state <> 'waived' OR waived_reason IS NOT NULL",
                        name="waived_has_reason"),
        # The outstanding lists read the unsettled periods in the order of their ends.
        Index("ix_report_obligations_open", "period_end", "id",
              postgresql_where=text("state IN ('due', 'returned')"),
              sqlite_where=text("state IN ('due', 'returned')")),
        Index("ix_report_obligations_by_contractor", "contractor_id", "state", "period_end"),
        # The outstanding ones: every returned period, and the due ones whose period ended.
        Index("ix_report_obligations_outstanding", "state", "period_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"), index=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    state: Mapped[str] = mapped_column(String(10), default="due")
    # The newest report version on the period, when there is one.
    report_id: Mapped[int | None] = mapped_column(ForeignKey("contractor_reports.id"))
    waived_reason: Mapped[str | None] = mapped_column(Text)
    waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    waived_at: Mapped[datetime | None]

    clause: Mapped[Clause] = relationship()
    contractor: Mapped[Organisation] = relationship()
    report: Mapped[ContractorReport | None] = relationship()
    waived_by: Mapped[User | None] = relationship()
