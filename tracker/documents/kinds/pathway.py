"""Participant pathway (forløbsbeskrivelse) for the job centre (DESIGN §5.4)."""
from datetime import date
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.counting import moved_into_work_or_education, overlap_days
from tracker.counting.clauses import DAYS_PER_WEEK
from tracker.counting.placements import sql_date
from tracker.documents.content import Built, rounded
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.models import FollowUp, Participant, Placement, ProgressAssessment
from tracker.models.codes import DIMENSIONS


def pathway(participant: Participant, as_of: date) -> Built:
    """The person, consent, the chain of placements, follow-ups and progression, as of the
    date (consent is checked before: `check_request`)."""
    participant = db.session.scalars(
        select(Participant).where(Participant.id == participant.id)
        .options(joinedload(Participant.housing_area), joinedload(Participant.municipality),
                 joinedload(Participant.benefit_group))).one()
    # Each with its days so far: its overlap with the days from its start to the as-of date.
    placements = db.session.execute(
        select(Placement, overlap_days(Placement.start_date.expression, as_of, as_of))
        .where(Placement.participant_id == participant.id,
               Placement.start_date <= sql_date(as_of))
        .options(joinedload(Placement.employer), joinedload(Placement.project))
        .order_by(Placement.start_date, Placement.id)).all()
    follow_ups = db.session.scalars(
        select(FollowUp).join(Placement, FollowUp.placement_id == Placement.id)
        .where(Placement.participant_id == participant.id,
               FollowUp.follow_up_date <= sql_date(as_of))
        .order_by(FollowUp.follow_up_date, FollowUp.months)).all()
    assessments = db.session.scalars(
        select(ProgressAssessment).where(ProgressAssessment.participant_id == participant.id,
                                         ProgressAssessment.assessed_on <= sql_date(as_of))
        .order_by(ProgressAssessment.assessed_on, ProgressAssessment.id)).all()
    changes = []
    for dimension in DIMENSIONS:
        scores = [getattr(a, dimension) for a in assessments if getattr(a, dimension) is not None]
        changes.append({"dimension": dimension, "first": scores[0] if scores else None,
                        "latest": scores[-1] if scores else None,
                        "change": scores[-1] - scores[0] if scores else None})
    steps = []
    for p, days in placements:
        ended = p.end_date is not None and p.end_date <= as_of
        steps.append({"placement": p, "end": p.end_date if ended else None,
                      "outcome": p.outcome if ended else None,
                      "weeks": rounded(Fraction(days, DAYS_PER_WEEK), 1), "running": not ended})
    moved = moved_into_work_or_education([participant.id], date(1900, 1, 1), as_of)
    context = {"participant": participant, "steps": steps, "follow_ups": follow_ups,
               "assessments": assessments, "changes": changes,
               "moved": participant.id in moved}
    return Built(
        title=_("Participant pathway"),
        # Scope words are shown on the public verification page: never the person's name.
        # The job centre knows the participant by reference; a document addressed outside
        # the secretariat never prints the pseudonym beside it, which would link the two.
        scope=_("Participant %(ref)s", ref=participant.ref),
        context=context, sheets=[], participant_id=participant.id)
