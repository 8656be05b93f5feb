"""Pathway statistics of DESIGN §4 and §6: who moved into work or education, and when."""
from collections.abc import Iterable
from datetime import date

from sqlalchemy import ClauseElement, ColumnElement, Date, Select, and_, literal, or_, select

from tracker.extensions import db
from tracker.models import Participant, Placement

# A placement that ended with one of these outcomes moved its participant (dated by its end) ...
MOVING_OUTCOMES = ("ordinary_job", "education")
# ... and so did starting a placement of one of these kinds (dated by its start).
MOVING_KINDS = ("ordinary_job", "apprenticeship")


def moved_into_work_or_education(
    participant_ids_or_select: Iterable[int] | Select, date_from: date, date_to: date
) -> set[int]:
    """Ids of the given participants with a move into work or education dated in the period.

    The participants are a Select of Participant rows or of participant ids (e.g. a
    municipality's residents), or a list of ids; both period ends are inclusive. One query.
    """
    if isinstance(participant_ids_or_select, Select):
        query = participant_ids_or_select.order_by(None)
        participant_ids: Select | list[int] = (
            query if len(query.selected_columns) == 1
            else query.with_only_columns(Participant.id, maintain_column_froms=True)
        )
    else:
        participant_ids = list(participant_ids_or_select)
        if not participant_ids:
            return set()
    return set(db.session.scalars(
        select(Placement.participant_id).distinct().where(
            Placement.participant_id.in_(participant_ids), moving(date_from, date_to))))


def moving(date_from: date | ClauseElement, date_to: date | ClauseElement) -> ColumnElement[bool]:
    """True for a placement that moved its participant into work or education in the period:
    it ended with a moving outcome, or a placement of a moving kind started, in the period
    (its first and last day: dates, or SQL values such as a statement's parameters)."""
    start, end = (day if isinstance(day, ClauseElement) else literal(day, Date())
                  for day in (date_from, date_to))
    return or_(
        and_(Placement.outcome.in_(MOVING_OUTCOMES), Placement.end_date.between(start, end)),
        and_(Placement.kind.in_(MOVING_KINDS), Placement.start_date.between(start, end)),
    )


def municipality_summary(municipality_id: int, date_from: date, date_to: date) -> dict:
    """DESIGN §6 figures for the participants whose municipality it is, in a period:
    enrolled (intake in the period), placements by kind (overlapping the period),
    moved into work or education (§4, dated in the period), follow-ups by status (dated in
    the period). A fixed number of queries."""
    from sqlalchemy import case, distinct, func

    from tracker.models import FollowUp
    from tracker.models.codes import FOLLOW_UP_STATUSES, PLACEMENT_KINDS

    start, end = literal(date_from, Date()), literal(date_to, Date())
    residents = select(Participant.id).where(Participant.municipality_id == municipality_id)
    enrolled = db.session.scalar(
        select(func.count()).select_from(Participant).where(
            Participant.municipality_id == municipality_id,
            Participant.intake_date.between(start, end)))
    # Effective end as of the period's last day (DESIGN §4).
    effective_end = func.coalesce(
        Placement.end_date,
        case((Placement.planned_end < end, Placement.planned_end), else_=end), type_=Date)
    overlapping = and_(Placement.start_date <= end, effective_end >= start)
    # One pass over the residents' placements: overlapping ones by kind, and the residents
    # who moved into work or education.
    *by_kind, moved = db.session.execute(
        select(*(func.count(case((and_(overlapping, Placement.kind == kind), 1)))
                 for kind in PLACEMENT_KINDS),
               func.count(distinct(case((moving(date_from, date_to),
                                         Placement.participant_id)))))
        .where(Placement.participant_id.in_(residents))).one()
    by_status = dict(db.session.execute(
        select(FollowUp.status, func.count())
        .join(Placement, FollowUp.placement_id == Placement.id)
        .where(Placement.participant_id.in_(residents),
               FollowUp.follow_up_date.between(start, end))
        .group_by(FollowUp.status)).all())
    return {
        "enrolled": enrolled,
        "placements": dict(zip(PLACEMENT_KINDS, by_kind)),
        "moved_into_work_or_education": moved,
        "follow_ups": {status: by_status.get(status, 0) for status in FOLLOW_UP_STATUSES},
    }
