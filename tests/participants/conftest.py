"""Builders for the participant tests: a small world of one municipality, one project with
one contractor, a second contractor elsewhere, and a signed-in secretariat worker."""
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests import factories
from tracker.models import BenefitGroup, FollowUp, ProgressAssessment


def benefit(db, code: str) -> BenefitGroup:
    """A benefit group seeded by the initial migration (dagpenge, kontanthjaelp, …)."""
    return db.session.scalar(select(BenefitGroup).where(BenefitGroup.code == code))


def follow_up(db, placement, months=3, status="employed", on=date(2026, 6, 1), note=""):
    f = FollowUp(placement=placement, months=months, status=status, follow_up_date=on, note=note)
    db.session.add(f)
    db.session.flush()
    return f


def assessment(db, participant, on, note="", **scores):
    a = ProgressAssessment(participant=participant, assessed_on=on, note=note, **scores)
    db.session.add(a)
    db.session.flush()
    return a


@pytest.fixture()
def world(db):
    aarhus = factories.organisation("municipality", name="Aarhus Kommune")
    odense = factories.organisation("municipality", name="Odense Kommune")
    gellerup = factories.housing_area(aarhus, name="Gellerup")
    vollsmose = factories.housing_area(odense, name="Vollsmose")
    builder = factories.organisation("builder", name="Brabrand Boligforening")
    kaerhoej = factories.organisation("contractor", name="Kærhøj Byg A/S")
    fjordbyg = factories.organisation("contractor", name="Fjordbyg Entreprise A/S")
    project = factories.project(builder=builder, area=gellerup, contractors=[kaerhoej],
                                case_number="BB-2207", name="Gellerup etape 2")
    w = SimpleNamespace(aarhus=aarhus, odense=odense, gellerup=gellerup, vollsmose=vollsmose,
                        builder=builder, kaerhoej=kaerhoej, fjordbyg=fjordbyg, project=project,
                        dagpenge=benefit(db, "dagpenge"), kontanthjaelp=benefit(db, "kontanthjaelp"))
    db.session.commit()
    return w
