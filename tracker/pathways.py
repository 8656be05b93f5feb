"""The pathway rules of DESIGN §4 under their former names; they live in tracker.counting."""
from datetime import date

from tracker.counting.municipality import SUMMARY_FIELDS
from tracker.counting.municipality import municipality_summary as _summary
from tracker.counting.pathways import (  # noqa: F401
    MOVING_KINDS,
    MOVING_OUTCOMES,
    moved_into_work_or_education,
    moving,
)


def municipality_summary(municipality_id: int, date_from: date, date_to: date) -> dict:
    """The DESIGN §6 fields of `tracker.counting.municipality_summary`."""
    summary = _summary(municipality_id, date_from, date_to)
    return {field: summary[field] for field in SUMMARY_FIELDS}
