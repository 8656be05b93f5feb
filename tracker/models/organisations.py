"""Organisations (builders, contractors, municipalities, …) and housing areas."""
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, Timestamped, one_of
from tracker.models.codes import ORG_KINDS


class Organisation(Timestamped, Base):
    __tablename__ = "organisations"
    __table_args__ = (
        one_of("kind", ORG_KINDS),
        CheckConstraint("length(cvr) = 8", name="cvr_length"),
        CheckConstraint(
            "municipality_code IS NULL OR length(municipality_code) = 3",
            name="municipality_code_length",
        ),
        CheckConstraint(
            "kind = 'municipality' OR municipality_code IS NULL",
            name="municipality_code_only_for_municipalities",
        ),
        # Lists and filter options show organisations by name, a page at a time.
        Index("ix_organisations_name", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    cvr: Mapped[str] = mapped_column(String(8), unique=True)
    municipality_code: Mapped[str | None] = mapped_column(String(3), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())

    def __str__(self) -> str:
        return self.name


class HousingArea(Timestamped, Base):
    __tablename__ = "housing_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())

    municipality: Mapped[Organisation] = relationship()

    def __str__(self) -> str:
        return self.name
