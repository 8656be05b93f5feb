"""Yearly evaluations of an agreement, with follow-up actions."""
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.agreements import Agreement
from tracker.models.base import Base, Timestamped


class Evaluation(Timestamped, Base):
    __tablename__ = "evaluations"
    __table_args__ = (
        UniqueConstraint("agreement_id", "year"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    year: Mapped[int]
    findings: Mapped[str] = mapped_column(Text, default="")
    promoting_factors: Mapped[str] = mapped_column(Text, default="")
    hindering_factors: Mapped[str] = mapped_column(Text, default="")

    agreement: Mapped[Agreement] = relationship()
    actions: Mapped[list["EvaluationAction"]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", order_by="EvaluationAction.due_date"
    )


class EvaluationAction(Timestamped, Base):
    """A follow-up action with an owner and a due date (development evaluation)."""

    __tablename__ = "evaluation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date]
    done_on: Mapped[date | None]

    evaluation: Mapped[Evaluation] = relationship(back_populates="actions")
