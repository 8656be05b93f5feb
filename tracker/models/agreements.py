"""Partnership agreements, their parties and clauses."""
from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, Timestamped, one_of
from tracker.models.codes import AGREEMENT_STATUSES, CLAUSE_KINDS, FREQUENCIES, TARGET_BASES, UNITS
from tracker.models.files import StoredFile
from tracker.models.organisations import Organisation
from tracker.models.projects import Project


class Agreement(Timestamped, Base):
    __tablename__ = "agreements"
    __table_args__ = (one_of("status", AGREEMENT_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(50), unique=True)
    # Its old value is loaded when changed, so the project it leaves counts again (figures).
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True,
                                            active_history=True)
    title: Mapped[str] = mapped_column(String(200))
    signed_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(10), default="draft", server_default="draft")
    signed_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))

    project: Mapped[Project] = relationship()
    signed_file: Mapped[StoredFile | None] = relationship()
    parties: Mapped[list["AgreementParty"]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementParty.id"
    )
    clauses: Mapped[list["Clause"]] = relationship(
        back_populates="agreement", order_by="Clause.ref"
    )

    def __str__(self) -> str:
        return self.title


class AgreementParty(Timestamped, Base):
    """An organisation in an agreement: its role, contributions (bidrag) and benefits (udbytte)."""

    __tablename__ = "agreement_parties"
    __table_args__ = (UniqueConstraint("agreement_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(100))
    contributions: Mapped[list[str]] = mapped_column(JSON, default=list)
    benefits: Mapped[list[str]] = mapped_column(JSON, default=list)

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    organisation: Mapped[Organisation] = relationship()


class Clause(Timestamped, Base):
    __tablename__ = "clauses"
    __table_args__ = (
        one_of("kind", CLAUSE_KINDS),
        one_of("unit", UNITS),
        one_of("frequency", FREQUENCIES),
        CheckConstraint("target > 0", name="target_positive"),
        CheckConstraint(
            "start_date IS NULL OR end_date IS NULL OR end_date >= start_date",
            name="end_after_start",
        ),
        one_of("target_basis", TARGET_BASES),  # NULL passes a CHECK
        CheckConstraint(
            "(target_basis IS NULL) = (target_rate IS NULL)", name="target_rate_with_basis"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(50), unique=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True,
                                              active_history=True)  # as Agreement.project_id
    kind: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(20))
    target: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    # A derived target: target = basis amount / 1,000,000 × rate (units per DKK 1 million).
    target_basis: Mapped[str | None] = mapped_column(String(20))
    target_rate: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    # None means all contractors on the project.
    responsible_contractor_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )
    # None means the project's start or end.
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    frequency: Mapped[str] = mapped_column(String(10), default="quarterly")
    text: Mapped[str] = mapped_column(Text, default="")
    # Reports are owed from the period holding this day (the forms set the day the clause is
    # entered); None: from the clause's first period.
    reporting_from: Mapped[date | None]

    agreement: Mapped[Agreement] = relationship(back_populates="clauses")
    responsible_contractor: Mapped[Organisation | None] = relationship()
    # For a clause of all contractors: those staff chose to report. None chosen: the
    # project's main contractors (tracker.reporting.obligations).
    reporters: Mapped[list["ClauseReporter"]] = relationship(
        back_populates="clause", cascade="all, delete-orphan")

    @property
    def period_start(self) -> date:
        return self.start_date or self.agreement.project.start_date

    @property
    def period_end(self) -> date:
        return self.end_date or self.agreement.project.end_date

    def __str__(self) -> str:
        return self.ref


class ClauseReporter(Base):
    """A contractor chosen to report on a clause of all contractors on the project."""

    __tablename__ = "clause_reporters"
    __table_args__ = (UniqueConstraint("clause_id", "contractor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"))
    contractor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)

    clause: Mapped[Clause] = relationship(back_populates="reporters")
    contractor: Mapped[Organisation] = relationship()
