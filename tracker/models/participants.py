"""Participants (residents), their placements, follow-ups and progress assessments."""
import secrets
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
    event,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.models.base import Base, Timestamped, one_of
from tracker.models.codes import (
    AGE_BANDS,
    DIMENSIONS,
    EDUCATION_LEVELS,
    FOLLOW_UP_STATUSES,
    GENDERS,
    OUTCOMES,
    PLACEMENT_KINDS,
    READINESS,
)
from tracker.models.files import StoredFile
from tracker.models.organisations import HousingArea, Organisation
from tracker.models.projects import Project
from tracker.models.reference import BenefitGroup
from tracker.validation import first_name_key

# Pseudonyms: "P-" and six characters drawn at random from letters and digits no one
# misreads (no 0 or O, no 1 or I). Random, so neither the id nor the reference gives it away.
PSEUDONYM_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
PSEUDONYM_LENGTH = 6


def random_pseudonym() -> str:
    """A fresh pseudonym, P-7KQ2MX; it may (rarely) be taken: see `unused_pseudonyms`."""
    return "P-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(PSEUDONYM_LENGTH))


def unused_pseudonyms(connection, count: int) -> list[str]:
    """`count` pseudonyms no participant has and no two alike, for inserts of many rows."""
    taken = set(connection.scalars(select(Participant.pseudonym)))
    fresh: list[str] = []
    while len(fresh) < count:
        candidate = random_pseudonym()
        if candidate not in taken:
            taken.add(candidate)
            fresh.append(candidate)
    return fresh


def _unused_pseudonym(context) -> str:
    """The column default: a pseudonym no participant has yet. With a billion to draw from
    a clash is rare, but a national register makes one likely sooner or later."""
    while True:
        candidate = random_pseudonym()
        taken = context.connection.scalar(
            select(Participant.id).where(Participant.pseudonym == candidate).limit(1))
        if taken is None:
            return candidate


def _first_name_key(context) -> str | None:
    return first_name_key(context.get_current_parameters().get("name"))


class Participant(Timestamped, Base):
    """A resident followed by the secretariat. No CPR number is ever stored."""

    __tablename__ = "participants"
    __table_args__ = (
        one_of("gender", GENDERS),
        one_of("readiness", READINESS),
        one_of("education_level", EDUCATION_LEVELS),
        CheckConstraint("birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100", name="birth_year"),
        CheckConstraint("months_unemployed IS NULL OR months_unemployed >= 0", name="months_unemployed"),
        one_of("intake_age_band", AGE_BANDS),
        CheckConstraint("consent_withdrawn_on IS NULL OR consent_withdrawn_on >= consent_date",
                        name="withdrawn_after_consent"),
        CheckConstraint("consent_withdrawal_note IS NULL OR consent_withdrawn_on IS NOT NULL",
                        name="withdrawal_note_with_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(50), unique=True)
    # What builders and contractors see instead of the person (DESIGN §3).
    pseudonym: Mapped[str] = mapped_column(String(12), unique=True, default=_unused_pseudonym)
    # Indexed: the participant list is sorted by name and paged.
    name: Mapped[str] = mapped_column(String(200), index=True)
    # The name's first word as tracker.names looks for names in text (first_name_key): a
    # text's names are looked up by its words, not by reading every participant's name.
    # Set from the name on every insert, by `_name_set` on an ORM change, and by hand where
    # an UPDATE statement changes names (imports, anonymisation).
    first_name_key: Mapped[str | None] = mapped_column(String(200), index=True,
                                                       default=_first_name_key)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    birth_year: Mapped[int | None]
    gender: Mapped[str | None] = mapped_column(String(1))
    housing_area_id: Mapped[int | None] = mapped_column(ForeignKey("housing_areas.id"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    benefit_group_id: Mapped[int | None] = mapped_column(ForeignKey("benefit_groups.id"))
    readiness: Mapped[str | None] = mapped_column(String(20))
    months_unemployed: Mapped[int | None]
    education_level: Mapped[str | None] = mapped_column(String(20))
    intake_date: Mapped[date] = mapped_column(index=True)
    consent_date: Mapped[date | None]
    consent_scope: Mapped[str | None] = mapped_column(Text)
    consent_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    # From this day no new placement, assessment or pathway document (issue #20); what was
    # registered before stays, so the figures do not change.
    consent_withdrawn_on: Mapped[date | None]
    consent_withdrawal_note: Mapped[str | None] = mapped_column(Text)
    anonymised_at: Mapped[datetime | None]
    # Set when the participant is anonymised and the birth year goes: the age band the
    # statistics need (tracker.retention).
    intake_age_band: Mapped[str | None] = mapped_column(String(5))

    housing_area: Mapped[HousingArea | None] = relationship()
    municipality: Mapped[Organisation | None] = relationship()
    benefit_group: Mapped[BenefitGroup | None] = relationship()
    consent_file: Mapped[StoredFile | None] = relationship()
    placements: Mapped[list["Placement"]] = relationship(
        back_populates="participant", order_by="Placement.start_date"
    )
    assessments: Mapped[list["ProgressAssessment"]] = relationship(
        back_populates="participant", order_by="ProgressAssessment.assessed_on"
    )

    def __str__(self) -> str:
        return self.name


@event.listens_for(Participant.name, "set")
def _name_set(target: Participant, value: str | None, _old, _initiator) -> None:
    target.first_name_key = first_name_key(value)


class Placement(Timestamped, Base):
    """One step (forløb) of a participant's pathway at an employer."""

    __tablename__ = "placements"
    __table_args__ = (
        one_of("kind", PLACEMENT_KINDS),
        one_of("outcome", OUTCOMES),
        CheckConstraint("planned_end IS NULL OR planned_end >= start_date", name="planned_end_after_start"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
        CheckConstraint("hours_per_week > 0 AND hours_per_week <= 60", name="hours_per_week"),
        CheckConstraint("outcome IS NULL OR end_date IS NOT NULL", name="outcome_when_ended"),
        CheckConstraint("next_placement_id IS NULL OR next_placement_id <> id", name="next_not_self"),
        # A project page lists its placements newest first; the reports count placements per
        # project and per participant. Each index holds the columns those reads need.
        Index("ix_placements_by_project", "project_id", "start_date", "id", "participant_id",
              "end_date", "planned_end"),
        Index("ix_placements_by_participant", "participant_id", "start_date", "end_date",
              "planned_end", "kind", "outcome", "next_placement_id", "id"),
        # The work list of placements to close (counting.pathways.to_close) reads the few
        # that still lack an end or an outcome, not every placement.
        Index("ix_placements_to_close", "planned_end",
              postgresql_where=text("end_date IS NULL OR outcome IS NULL"),
              sqlite_where=text("end_date IS NULL OR outcome IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(50), unique=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    kind: Mapped[str] = mapped_column(String(20))
    employer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id"), active_history=True)  # as Agreement.project_id
    trade: Mapped[str | None] = mapped_column(String(100))
    start_date: Mapped[date]
    planned_end: Mapped[date | None]
    end_date: Mapped[date | None]
    hours_per_week: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    outcome: Mapped[str | None] = mapped_column(String(20))
    next_placement_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id"), unique=True)

    participant: Mapped[Participant] = relationship(back_populates="placements")
    employer: Mapped[Organisation] = relationship()
    project: Mapped[Project | None] = relationship()
    next_placement: Mapped["Placement | None"] = relationship(remote_side=[id])


class FollowUp(Timestamped, Base):
    """Where a participant stood 3, 6 or 12 months after a placement ended."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        UniqueConstraint("placement_id", "months"),
        one_of("status", FOLLOW_UP_STATUSES),
        CheckConstraint("months IN (3, 6, 12)", name="months_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"))
    months: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    follow_up_date: Mapped[date] = mapped_column(index=True)
    note: Mapped[str] = mapped_column(Text, default="")

    placement: Mapped[Placement] = relationship()


class PendingFollowUp(Base):
    """A follow-up due after a placement that ended a pathway and not registered yet, with
    the day it is due: kept in step by tracker.participants.pending, so the work list
    and the dashboard read it in the order of the due dates."""

    __tablename__ = "pending_follow_ups"
    __table_args__ = (
        UniqueConstraint("placement_id", "months"),
        Index("ix_pending_follow_ups_due", "due_date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"))
    months: Mapped[int]
    due_date: Mapped[date]

    placement: Mapped[Placement] = relationship()


def _score(name: str) -> CheckConstraint:
    return CheckConstraint(f"{name} IS NULL OR {name} BETWEEN 1 AND 10", name=f"{name}_range")


class ProgressAssessment(Timestamped, Base):
    """Dated 1-10 scores on the fixed dimensions: the "small steps"."""

    __tablename__ = "progress_assessments"
    __table_args__ = tuple(_score(d) for d in DIMENSIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    assessed_on: Mapped[date]
    work_readiness: Mapped[int | None]
    danish_language: Mapped[int | None]
    professional_skills: Mapped[int | None]
    attendance: Mapped[int | None]
    well_being: Mapped[int | None]
    network: Mapped[int | None]
    self_confidence: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")

    participant: Mapped[Participant] = relationship(back_populates="assessments")

    def scores(self) -> dict[str, int | None]:
        return {d: getattr(self, d) for d in DIMENSIONS}
