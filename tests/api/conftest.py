"""A small hand-made world for the API: one project, two clauses, two residents of Aarhus."""
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests import factories
from tracker.cli import new_token
from tracker.models import FollowUp


@pytest.fixture()
def api_world(db):
    aarhus = factories.organisation("municipality", name="Aarhus Kommune", cvr="55133018",
                                    municipality_code="751")
    odense = factories.organisation("municipality", name="Odense Kommune", cvr="35209115",
                                    municipality_code="461")
    firm = factories.organisation("contractor", name="Kærhøj Byg A/S")
    other_firm = factories.organisation("contractor", name="Fremmed Byg ApS")
    builder = factories.organisation("builder", name="Brabrand Boligforening")
    area = factories.housing_area(aarhus, name="Gellerup")
    project = factories.project(builder=builder, area=area, contractors=[firm],
                                case_number="BB-2207", start_date=date(2026, 1, 1),
                                end_date=date(2026, 12, 31))
    other_project = factories.project(contractors=[other_firm], case_number="OJB-0412")
    agreement = factories.agreement(project, ref="A-1")
    persons = factories.clause(agreement, kind="any", unit="persons", target="2", ref="K-1")
    weeks = factories.clause(agreement, kind="any", unit="weeks", target="10", ref="K-2",
                             responsible_contractor=firm)
    amina = factories.participant(aarhus, name="Amina Hassan", intake_date=date(2026, 1, 10))
    bo = factories.participant(aarhus, name="Bo Jensen", intake_date=date(2025, 12, 1))
    odense_resident = factories.participant(odense, name="Ali Khan")
    internship = factories.placement(amina, firm, kind="internship", project=project,
                                     start_date=date(2026, 2, 1), end_date=date(2026, 2, 28),
                                     outcome="ordinary_job")
    wage = factories.placement(bo, firm, kind="wage_subsidy", project=project,
                               start_date=date(2026, 3, 1), planned_end=date(2026, 5, 31))
    factories.placement(odense_resident, other_firm, project=other_project)
    db.session.add(FollowUp(placement=internship, months=3, status="employed",
                            follow_up_date=date(2026, 5, 31)))
    factories.report(weeks, firm, status="approved", weeks=Decimal("12.00"),
                     period_start=date(2026, 1, 1), period_end=date(2026, 3, 31))
    users = {
        "staff": factories.user("staff"),
        "contractor": factories.user("contractor", org=firm),
        "other_contractor": factories.user("contractor", org=other_firm),
        "builder": factories.user("builder", org=builder),
        "municipality": factories.user("municipality", org=aarhus),
    }
    tokens = {role: new_token(user) for role, user in users.items()}
    db.session.commit()
    return SimpleNamespace(project=project, other_project=other_project, persons=persons,
                           weeks=weeks, amina=amina, bo=bo, odense_resident=odense_resident,
                           internship=internship, wage=wage, users=users, tokens=tokens,
                           aarhus=aarhus, odense=odense)


@pytest.fixture()
def call(client, api_world):
    def _call(role, path, **kwargs):
        headers = {"Authorization": f"Bearer {api_world.tokens[role]}"} if role else {}
        return client.get(f"/api/v1{path}", headers=headers, **kwargs)

    return _call


