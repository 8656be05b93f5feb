"""A small hand-made world for the documents, with figures worked out by hand.

Project P (1.1.–31.12.2026, craft cost 40 mio. kr.) in municipality M, builder B, main
contractor C1 and sub-contractor C2. Counted as of 30.06.2026 (181 days into the year):

- K1 internship / persons / target 4 / C1: Ada's and Bo's internships at C1 → 2 → 50,0 %.
- K2 wage subsidy / weeks / target 10 / any contractor: Ada's wage subsidy at C2,
  1.4.–12.5. = 42 days = 6 weeks → 60,0 %. C2's approved report says 3 weeks → discrepancy.
- K3 apprenticeship / apprentice years / target 1: Cai's apprenticeship at C1 from 1.1.,
  37 h → 181/365 = 0,4959 → registered 0,5, fulfilment 49,6 %.

Ada: internship (1.2.–28.2.) → wage subsidy (1.4.–12.5.) → ordinary job (from 13.5.).
Bo: internship 1.3.–28.3., outcome ordinary job (follow-up after 3 months: employed).
Cai: apprenticeship from 1.1. Dea and Eli: enrolled, no placement. All five live in M.
Fie lives in another municipality and has given no consent.
"""
import io
import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from tests import factories
from tracker.documents.commands import document as document_command
from tracker.models import AgreementParty, FollowUp, ProgressAssessment

AS_OF = date(2026, 6, 30)
NAMES = ("Ada Testesen", "Bo Prøvesen", "Cai Eksempelsen", "Dea Demosen", "Eli Mønstersen")


@pytest.fixture(autouse=True)
def document_cli(app):
    """The lead registers the command in tracker/cli.py; the tests do it themselves."""
    app.cli.add_command(document_command)


def pdf_text(content: bytes) -> str:
    """All text of a PDF, pages joined, whitespace runs made single spaces."""
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))


@pytest.fixture()
def world(db):
    m = factories.organisation("municipality", name="Testrup Kommune")
    other_m = factories.organisation("municipality", name="Andeby Kommune")
    builder = factories.organisation("builder", name="Boligselskabet Test")
    other_builder = factories.organisation("builder", name="Boligselskabet Andet")
    c1 = factories.organisation("contractor", name="Murer Test A/S")
    c2 = factories.organisation("contractor", name="Maler Test ApS")
    c3 = factories.organisation("contractor", name="Fremmed Byg A/S")
    secretariat = factories.organisation("secretariat", name="Testsekretariatet")
    area = factories.housing_area(m, name="Testparken")
    other_area = factories.housing_area(other_m, name="Andeparken")
    project = factories.project(builder=builder, area=area, contractors=[c1], case_number="T-100",
                                name="Renovering af Testparken", craft_cost=Decimal("40000000"),
                                contract_sum=Decimal("60000000"))
    project.contractors[0].role = "main"
    from tracker.models import ProjectContractor
    project.contractors.append(ProjectContractor(contractor=c2, role="sub"))
    other_project = factories.project(builder=other_builder, area=other_area, contractors=[c3],
                                      case_number="A-200", name="Andeparken etape 1")
    agreement = factories.agreement(project, title="Partnerskabsaftale for Testparken")
    agreement.parties.append(AgreementParty(
        organisation=builder, role="Bygherre", contributions=["Stiller krav om klausuler"],
        benefits=["Flere beboere i job"]))
    k1 = factories.clause(agreement, "internship", "persons", "4", ref="K1",
                          responsible_contractor=c1)
    k2 = factories.clause(agreement, "wage_subsidy", "weeks", "10", ref="K2")
    k3 = factories.clause(agreement, "apprenticeship", "apprentice_years", "1", ref="K3")
    people = [factories.participant(m, name=name, housing_area=area, gender=gender,
                                    birth_year=1990, ref=f"D-{i}")
              for i, (name, gender) in enumerate(zip(NAMES, "fmmfx"), start=1)]
    ada, bo, cai, dea, eli = people
    fie = factories.participant(other_m, name="Fie Udensamtykke", housing_area=other_area,
                                consent_date=None, ref="D-9")
    job = factories.placement(ada, c1, "ordinary_job", project, start_date=date(2026, 5, 13))
    wage = factories.placement(ada, c2, "wage_subsidy", project, start_date=date(2026, 4, 1),
                               end_date=date(2026, 5, 12), outcome="next_placement",
                               next_placement=job)
    factories.placement(ada, c1, "internship", project, start_date=date(2026, 2, 1),
                        end_date=date(2026, 2, 28), outcome="next_placement",
                        next_placement=wage)
    bo_internship = factories.placement(bo, c1, "internship", project,
                                        start_date=date(2026, 3, 1), end_date=date(2026, 3, 28),
                                        outcome="ordinary_job")
    factories.placement(cai, c1, "apprenticeship", project, start_date=date(2026, 1, 1))
    factories.placement(fie, c3, "internship", other_project, start_date=date(2026, 3, 1))
    factories.report(k2, c2, period_start=date(2026, 4, 1), period_end=date(2026, 5, 31),
                     status="approved", persons=1, weeks=Decimal("3"), hours=Decimal("111"),
                     site_hours=Decimal("10000"), comment="Timer ifølge timesedler.")
    db.session.add_all([
        FollowUp(placement=bo_internship, months=3, status="employed",
                 follow_up_date=date(2026, 6, 28), note="I job."),
        ProgressAssessment(participant=ada, assessed_on=date(2026, 2, 1), work_readiness=3,
                           danish_language=4),
        ProgressAssessment(participant=ada, assessed_on=date(2026, 6, 1), work_readiness=6,
                           danish_language=4),
    ])
    users = {
        "admin": factories.user("admin"),
        "staff": factories.user("staff"),
        "contractor": factories.user("contractor", org=c1),
        "other_contractor": factories.user("contractor", org=c3),
        "builder": factories.user("builder", org=builder),
        "other_builder": factories.user("builder", org=other_builder),
        "municipality": factories.user("municipality", org=m),
        "other_municipality": factories.user("municipality", org=other_m),
    }
    db.session.commit()
    return SimpleNamespace(
        m=m, other_m=other_m, builder=builder, c1=c1, c2=c2, c3=c3, area=area, project=project,
        other_project=other_project, agreement=agreement, k1=k1, k2=k2, k3=k3, ada=ada, bo=bo,
        cai=cai, dea=dea, eli=eli, fie=fie, users=users, secretariat=secretariat)
