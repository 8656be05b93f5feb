"""Dated reference data that Danish law changes: benefit groups and placement rules."""
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, Timestamped, one_of
from tracker.models.codes import PLACEMENT_KINDS, READINESS


class BenefitGroup(Timestamped, Base):
    """A benefit (ydelse) a participant can receive at intake."""

    __tablename__ = "benefit_groups"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_da: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    sort_order: Mapped[int] = mapped_column(default=0, server_default="0")

    def name(self, locale: str = "da") -> str:
        return self.name_en if locale == "en" else self.name_da

    def __str__(self) -> str:
        return self.name_da


class PlacementRule(Timestamped, Base):
    """A legal maximum for one placement kind, for one benefit group or for all."""

    __tablename__ = "placement_rules"
    __table_args__ = (
        one_of("placement_kind", PLACEMENT_KINDS),
        one_of("readiness", READINESS),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_period"),
        CheckConstraint("max_weeks IS NULL OR max_weeks > 0", name="max_weeks_positive"),
        CheckConstraint(
            "max_hours_per_week IS NULL OR (max_hours_per_week > 0 AND max_hours_per_week <= 60)",
            name="max_hours_valid",
        ),
        CheckConstraint(
            "max_weeks IS NOT NULL OR max_hours_per_week IS NOT NULL", name="has_a_limit"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_kind: Mapped[str] = mapped_column(String(20))
    # None: the rule holds whatever the participant's benefit or readiness.
    benefit_group_id: Mapped[int | None] = mapped_column(ForeignKey("benefit_groups.id"))
    readiness: Mapped[str | None] = mapped_column(String(20))
    max_weeks: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    max_hours_per_week: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    description: Mapped[str] = mapped_column(Text, default="")

    benefit_group: Mapped[BenefitGroup | None] = relationship()
