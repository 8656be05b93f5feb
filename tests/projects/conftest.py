"""A small world for the project tests: Aarhus with Gellerup, a builder, two contractors."""
from datetime import date
from types import SimpleNamespace

import pytest

from tests import factories


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
