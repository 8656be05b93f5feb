"""A small world for the project tests: Aarhus with Gellerup, a builder, two contractors."""
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests import factories
from tracker.models import Document


@pytest.fixture()
def site(db):
    """Organisations and places a building project needs, committed."""
    aarhus = factories.organisation("municipality", name="Aarhus Kommune")
    odense = factories.organisation("municipality", name="Odense Kommune")
    gellerup = factories.housing_area(aarhus, name="Gellerup")
    vollsmose = factories.housing_area(odense, name="Vollsmose")
    builder = factories.organisation("builder", name="Brabrand Boligforening")
    other_builder = factories.organisation("builder", name="fsb")
    main = factories.organisation("contractor", name="Kærhøj Byg A/S")
    sub = factories.organisation("contractor", name="Lindekrog Malerfirma ApS")
    db.session.commit()
    return SimpleNamespace(aarhus=aarhus, odense=odense, gellerup=gellerup, vollsmose=vollsmose,
                           builder=builder, other_builder=other_builder, main=main, sub=sub)


def project_form(site, **overrides) -> dict:
    """A valid project form as a browser posts it."""
    data = {"case_number": "2026-017", "name": "Helhedsplan Gellerup, etape 2",
            "housing_area_id": site.gellerup.id, "builder_id": site.builder.id,
            "start_date": "2026-01-01", "end_date": "2027-12-31",
            "contract_sum": "85.000.000", "craft_cost": "", "status": "active"}
    data.update(overrides)
    return data


@pytest.fixture()
def project(db, site):
    """Helhedsplan Gellerup: 2026-2027, contract sum 85 million, Kærhøj as main contractor."""
    p = factories.project(case_number="2026-017", name="Helhedsplan Gellerup",
                          area=site.gellerup, builder=site.builder, contractors=[site.main],
                          start_date=date(2026, 1, 1), end_date=date(2027, 12, 31),
                          contract_sum=85_000_000)
    db.session.commit()
    return p


@pytest.fixture()
def busy_project(db, site, project):
    """One weeks clause with a placement and an approved report, one clause not yet begun.

    Clause K-1 (weeks, target 10) runs 1 March – 31 August 2026: 184 days. Kærhøj's
    placement runs 1 March – 11 April: 42 days = 6 weeks. As of 31 May 92 of 184 days
    (50 %) have passed and 6 / 10 = 60,0 % is reached: on track. An approved report
    for March says 5 weeks; 6 and 5 differ by 1 > 10 % of 6: a discrepancy.
    """
    agreement = factories.agreement(project, ref="PA-1", title="Socialt partnerskab Gellerup")
    k1 = factories.clause(agreement, ref="K-1", unit="weeks", target="10",
                          responsible_contractor=site.main, start_date=date(2026, 3, 1),
                          end_date=date(2026, 8, 31))
    factories.clause(agreement, ref="K-2", unit="persons", target="2",
                     start_date=date(2026, 7, 1))
    person = factories.participant(name="Amina Hassan")
    factories.placement(person, site.main, project=project, start_date=date(2026, 3, 1),
                        end_date=date(2026, 4, 11), trade="murer")
    factories.report(k1, site.main, period_start=date(2026, 3, 1),
                     period_end=date(2026, 3, 31), status="approved", weeks=Decimal("5"))
    db.session.add(Document(number="D-2026-0001", kind="clause-status", scope="2026-017",
                            project_id=project.id, as_of=date(2026, 5, 31), sha256="0" * 64,
                            size=4, content=b"%PDF"))
    db.session.commit()
    return project
