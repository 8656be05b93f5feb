"""Two parallel worlds, A and B: every external user belongs to A and must not see B."""
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests import factories
from tracker.models import (
    AgreementParty,
    ApiToken,
    Document,
    Evaluation,
    EvaluationAction,
    FollowUp,
    ProgressAssessment,
    ReportObligation,
)


def _side(db, tag: str) -> SimpleNamespace:
    municipality = factories.organisation("municipality", name=f"Kommune {tag}")
    builder = factories.organisation("builder", name=f"Boligforening {tag}")
    contractor = factories.organisation("contractor", name=f"Entreprenør {tag}")
    area = factories.housing_area(municipality, name=f"Område {tag}")
    project = factories.project(builder=builder, area=area, contractors=[contractor])
    agreement = factories.agreement(project)
    clause = factories.clause(agreement, responsible_contractor=contractor)
    participant = factories.participant(municipality, housing_area=area)
    placement = factories.placement(participant, contractor, project=project,
                                    end_date=date(2026, 3, 1), outcome="ordinary_job")
    report = factories.report(clause, contractor)
    follow_up = FollowUp(placement=placement, months=3, status="employed",
                         follow_up_date=date(2026, 6, 1))
    assessment = ProgressAssessment(participant=participant, assessed_on=date(2026, 2, 1),
                                    work_readiness=4)
    documents = {
        kind: Document(number=f"{tag}-{kind}", kind=kind, scope=tag, as_of=date(2026, 6, 1),
                       project_id=(project.id if kind in ("clause-status", "training", "compliance")
                                   else None),
                       organisation_id={"compliance": contractor.id,
                                        "municipality": municipality.id}.get(kind),
                       participant_id=participant.id if kind == "pathway" else None,
                       sha256="0" * 64, size=1, content=b"%PDF")
        for kind in ("clause-status", "compliance", "municipality", "pathway", "annual", "training")
    }
    party = AgreementParty(agreement=agreement, organisation=builder, role="Bygherre",
                           contributions=["Praktikpladser"], benefits=["Lokal beskæftigelse"])
    evaluation = Evaluation(agreement=agreement, year=2026, findings="Fund")
    action = EvaluationAction(evaluation=evaluation, description="Handling", owner="Sekretariatet",
                              due_date=date(2026, 12, 1))
    db.session.add_all([follow_up, assessment, party, evaluation, action, *documents.values()])
    db.session.flush()
    return SimpleNamespace(
        municipality=municipality, builder=builder, contractor=contractor, area=area,
        project=project, agreement=agreement, clause=clause, participant=participant,
        placement=placement, report=report, follow_up=follow_up, assessment=assessment,
        documents=documents, document=documents["clause-status"], party=party,
        evaluation=evaluation, action=action, file=None,
    )


@pytest.fixture()
def world(db):
    a, b = _side(db, "A"), _side(db, "B")
    users = {
        "admin": factories.user("admin"),
        "staff": factories.user("staff"),
        "contractor": factories.user("contractor", org=a.contractor),
        "builder": factories.user("builder", org=a.builder),
        "municipality": factories.user("municipality", org=a.municipality),
    }
    # Another user's API token: nobody but its owner (and administrators) may revoke it.
    now = datetime.now(UTC)
    b.token = ApiToken(user=users["staff"], token_hash="b" * 64, created_at=now,
                       expires_at=now + timedelta(days=90))
    db.session.add(b.token)
    db.session.commit()
    for side in (a, b):  # the obligations the commit made for each side's clause
        side.obligation = db.session.scalar(select(ReportObligation).where(
            ReportObligation.clause_id == side.clause.id).order_by(ReportObligation.id))
    return SimpleNamespace(a=a, b=b, users=users)
