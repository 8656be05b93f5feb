"""The figures of one municipality's residents in a period: what the API's summary (DESIGN
§6), the municipality dashboard and the municipality report (§5.3) show, from one place."""
from datetime import date

from sqlalchemy import and_, case, distinct, func, select

from tracker.counting.pathways import chain_steps, moving
from tracker.counting.placements import overlaps, sql_date
from tracker.extensions import db
from tracker.models import FollowUp, Participant, Placement
from tracker.models.codes import FOLLOW_UP_MONTHS, FOLLOW_UP_STATUSES, OUTCOMES, PLACEMENT_KINDS

# The fields of the API's summary (DESIGN §6); `municipality_summary` gives more.
SUMMARY_FIELDS = ("enrolled", "placements", "moved_into_work_or_education", "follow_ups")


def municipality_summary(municipality_id: int, date_from: date, date_to: date) -> dict:
    """For the participants whose municipality it is, in the period (both ends inclusive):

    - `enrolled`: intake date in the period;
    - `placements`: by kind, placements overlapping the period (as of its last day);
    - `moved_into_work_or_education`: residents with such a move dated in the period (§4);
    - `follow_ups`: by status, follow-ups dated in the period, and `follow_ups_by_months`:
      the same for 3, 6 and 12 months, one dict each with its `months`;
    - `steps`: residents at each step of the chain internship → wage subsidy → ordinary job,
      and with an internship that led straight to an ordinary job (`pathways.chain_steps`);
    - `outcomes`: by outcome, placements that ended in the period, and
      `ended_without_outcome`: those of them without one.

    Every key is a string, so the figures come back the same from JSON. Three statements."""
    start, end = sql_date(date_from), sql_date(date_to)
    residents = select(Participant.id).where(Participant.municipality_id == municipality_id)
    resident_placements = Placement.participant_id.in_(residents)
    enrolled = db.session.scalar(
        select(func.count()).select_from(Participant).where(
            Participant.municipality_id == municipality_id,
            Participant.intake_date.between(start, end)))

    def placements(condition):
        return func.count(case((condition, 1)))

    def residents_with(condition):
        return func.count(distinct(case((condition, Placement.participant_id))))

    in_period, ended = overlaps(start, end), Placement.end_date.between(start, end)
    columns = {("placements", kind): placements(and_(in_period, Placement.kind == kind))
               for kind in PLACEMENT_KINDS}
    columns["moved"] = residents_with(moving(start, end))
    columns |= {("steps", step): residents_with(condition)
                for step, condition in chain_steps(start, end).items()}
    columns |= {("outcomes", outcome): placements(and_(ended, Placement.outcome == outcome))
                for outcome in OUTCOMES}
    columns["no_outcome"] = placements(and_(ended, Placement.outcome.is_(None)))
    row = dict(zip(columns, db.session.execute(
        select(*columns.values()).where(resident_placements)).one()))
    figures = {"placements": {}, "steps": {}, "outcomes": {}}
    for key, n in row.items():
        if isinstance(key, tuple):
            figures[key[0]][key[1]] = n

    by_months = {months: dict.fromkeys(FOLLOW_UP_STATUSES, 0) for months in FOLLOW_UP_MONTHS}
    for months, status, n in db.session.execute(
            select(FollowUp.months, FollowUp.status, func.count())
            .join(Placement, FollowUp.placement_id == Placement.id)
            .where(resident_placements, FollowUp.follow_up_date.between(start, end))
            .group_by(FollowUp.months, FollowUp.status)):
        by_months[months][status] = n
    return {
        "enrolled": enrolled,
        "placements": figures["placements"],
        "moved_into_work_or_education": row["moved"],
        "follow_ups": {status: sum(counts[status] for counts in by_months.values())
                       for status in FOLLOW_UP_STATUSES},
        "follow_ups_by_months": [{"months": months, **counts}
                                 for months, counts in by_months.items()],
        "steps": figures["steps"],
        "outcomes": figures["outcomes"],
        "ended_without_outcome": row["no_outcome"],
    }
