"""The computed, quantitative part of a yearly evaluation (DESIGN §1, §3, §4).

Plain domain logic without HTTP: the evaluation page and a PDF get the same figures.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from tracker.counting import ClauseFigures, clause_figures, moved_into_work_or_education, rounded
from tracker.extensions import db
from tracker.models import Clause, Evaluation, Placement


@dataclass(frozen=True)
class ClauseLine:
    """One clause of the agreement with its figures as of the evaluation's date."""

    clause: Clause
    figures: ClauseFigures

    @property
    def percent(self):
        """Fulfilment with one decimal, rounded half-up as every page and document shows it."""
        return rounded(self.figures.percent, 1)


@dataclass(frozen=True)
class Summary:
    """The quantitative summary of one evaluation year."""

    year_start: date
    as_of: date
    lines: list[ClauseLine]
    placed: int  # participants with a placement on the project that had begun by as_of
    moved: int  # of those, participants who moved into work or education during the year

    @property
    def met(self) -> int:
        return sum(1 for line in self.lines if line.figures.status == "met")


def as_of_date(year: int, today: date) -> date:
    """31 December of the year, or today while the year is running."""
    return min(date(year, 12, 31), today)


def summary(evaluation: Evaluation, today: date) -> Summary:
    """Clause figures of the agreement and the year's moves into work or education.

    Runs a fixed number of queries whatever the number of clauses and placements.
    """
    as_of = as_of_date(evaluation.year, today)
    year_start = date(evaluation.year, 1, 1)
    clauses = db.session.scalars(
        select(Clause).where(Clause.agreement_id == evaluation.agreement_id)
        .order_by(Clause.ref)).all()
    figures = clause_figures([c.id for c in clauses], as_of)
    placed_ids = (select(Placement.participant_id)
                  .where(Placement.project_id == evaluation.agreement.project_id,
                         Placement.start_date <= as_of)
                  .distinct())
    placed = db.session.scalar(select(func.count()).select_from(placed_ids.subquery()))
    moved = moved_into_work_or_education(placed_ids, year_start, as_of)
    return Summary(
        year_start=year_start, as_of=as_of,
        lines=[ClauseLine(c, figures[c.id]) for c in clauses],
        placed=placed or 0, moved=len(moved),
    )
