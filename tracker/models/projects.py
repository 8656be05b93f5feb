"""Building projects (byggesager) and the contractors on them."""
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, Timestamped, one_of
from tracker.models.codes import CONTRACTOR_ROLES, PROJECT_STATUSES
from tracker.models.organisations import HousingArea, Organisation

Money = Numeric(15, 2)


class Project(Timestamped, Base):
    __tablename__ = "projects"
    __table_args__ = (
        one_of("status", PROJECT_STATUSES),
        CheckConstraint("end_date >= start_date", name="end_after_start"),
        CheckConstraint("contract_sum IS NULL OR contract_sum >= 0", name="contract_sum_positive"),
        CheckConstraint("craft_cost IS NULL OR craft_cost >= 0", name="craft_cost_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    housing_area_id: Mapped[int] = mapped_column(ForeignKey("housing_areas.id"), index=True)
    builder_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date]
    contract_sum: Mapped[Decimal | None] = mapped_column(Money)
    craft_cost: Mapped[Decimal | None] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    # Raised by every change to the data its clauses count (tracker.changes): the row lock
    # makes two changes to one project's data wait for each other.
    figures_version: Mapped[int] = mapped_column(default=0, server_default="0")

    housing_area: Mapped[HousingArea] = relationship()
    builder: Mapped[Organisation] = relationship()
    contractors: Mapped[list["ProjectContractor"]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return f"{self.case_number} {self.name}"


class ProjectContractor(Timestamped, Base):
    __tablename__ = "project_contractors"
    __table_args__ = (
        UniqueConstraint("project_id", "contractor_id"),
        one_of("role", CONTRACTOR_ROLES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"),
                                            active_history=True)  # as Agreement.project_id
    contractor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="main")

    project: Mapped[Project] = relationship(back_populates="contractors")
    contractor: Mapped[Organisation] = relationship()
