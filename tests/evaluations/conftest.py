"""Builders for evaluation tests: a 2025 project with hand-countable placements."""
from datetime import date
from types import SimpleNamespace

import pytest

from tests import factories
from tracker.models import Evaluation, EvaluationAction


@pytest.fixture()
def year_2025(db):
    """A project running through 2025 with two clauses and four participants.

    - A: internship at the project's contractor, 1-28 March 2025 (28 days = 4 weeks),
      ended with an ordinary job → counts for both clauses; moved in 2025.
    - B: ordinary job at the contractor from 1 September 2025 → counts for the persons
      clause only (kind); moved in 2025 (an ordinary job started).
    - C: internship on the project at a firm that is not a contractor there → counts for
      neither; placed on the project; moved only in 2026 (outside the year).
    - D: a placement on another project → not placed on this one.
    """
    contractor = factories.organisation("contractor", name="Kærhøj Byg A/S")
    outsider = factories.organisation("contractor", name="Anden Firma ApS")
    project = factories.project(contractors=[contractor], case_number="2025-017",
                                name="Gellerup etape 2", start_date=date(2025, 1, 1),
                                end_date=date(2025, 12, 31))
    other_project = factories.project(contractors=[contractor], start_date=date(2025, 1, 1),
                                      end_date=date(2025, 12, 31))
    agreement = factories.agreement(project, title="Partnerskab Gellerup")
    persons = factories.clause(agreement, kind="any", unit="persons", target="4", ref="K-PERS")
    weeks = factories.clause(agreement, kind="internship", unit="weeks", target="10",
                             responsible_contractor=contractor, ref="K-UGER")
    a, b, c, d = (factories.participant(name=n) for n in ("Amal", "Bo", "Cem", "Dina"))
    factories.placement(a, contractor, "internship", project, start_date=date(2025, 3, 1),
                        end_date=date(2025, 3, 28), outcome="ordinary_job")
    factories.placement(b, contractor, "ordinary_job", project, start_date=date(2025, 9, 1))
    factories.placement(c, outsider, "internship", project, start_date=date(2025, 5, 1),
                        end_date=date(2025, 5, 31), outcome="unemployed")
    factories.placement(c, outsider, "ordinary_job", None, start_date=date(2026, 1, 15))
    factories.placement(d, contractor, "ordinary_job", other_project, start_date=date(2025, 4, 1))
    db.session.commit()
    return SimpleNamespace(project=project, agreement=agreement, persons=persons, weeks=weeks,
                           contractor=contractor)


def evaluation(agreement, year=2025, **kw) -> Evaluation:
    from tracker.extensions import db

    ev = Evaluation(agreement=agreement, year=year, **kw)
    db.session.add(ev)
    db.session.flush()
    return ev


def action(ev, description, owner, due_date, done_on=None) -> EvaluationAction:
    from tracker.extensions import db

    act = EvaluationAction(evaluation=ev, description=description, owner=owner,
                           due_date=due_date, done_on=done_on)
    db.session.add(act)
    db.session.flush()
    return act
