"""The demo data set: `flask seed-demo` loads it complete, once, and its users can sign in."""
from decimal import Decimal

import pytest
from sqlalchemy import String, Text, func, select

from tracker.i18n import today as app_today
from tracker.models import (
    Clause,
    ContractorReport,
    Evaluation,
    EvaluationAction,
    FollowUp,
    HousingArea,
    Organisation,
    Participant,
    Placement,
    ProgressAssessment,
    Project,
    ProjectContractor,
    User,
)
from tracker.validation import contains_cpr, cvr_is_valid

LOGINS = [
    ("admin", "admin@demo.dk", "Demo-Kalkmaling-2026!"),
    ("staff", "staff@demo.dk", "Demo-Vaterpas-2026!"),
    ("contractor", "contractor@demo.dk", "Demo-Murske-2026!"),
    ("builder", "builder@demo.dk", "Demo-Tagrende-2026!"),
    ("municipality", "municipality@demo.dk", "Demo-Jobcenter-2026!"),
]
REAL_MUNICIPALITIES = {
    "64942212": ("Københavns Kommune", "101"),
    "35209115": ("Odense Kommune", "461"),
    "55133018": ("Aarhus Kommune", "751"),
    "29189420": ("Aalborg Kommune", "851"),
}


@pytest.fixture()
def seeded(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _row_counts(db) -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def test_output_lists_the_five_logins(seeded):
    lines = seeded.output.splitlines()
    for role, email, password in LOGINS:
        assert any(line.split() == [role, email, password] for line in lines), seeded.output


def test_organisations_and_projects(db, seeded):
    municipalities = db.session.scalars(
        select(Organisation).where(Organisation.kind == "municipality")).all()
    assert len(municipalities) >= 3
    found = {m.cvr: (m.name, m.municipality_code) for m in municipalities}
    assert found == REAL_MUNICIPALITIES
    assert _count(db, Organisation, Organisation.kind == "builder") >= 5
    assert _count(db, Organisation, Organisation.kind == "contractor") >= 4
    assert _count(db, Organisation, Organisation.kind == "secretariat") == 1
    assert _count(db, Organisation, Organisation.kind == "education") == 1
    cvrs = db.session.scalars(select(Organisation.cvr)).all()
    assert all(cvr_is_valid(cvr) for cvr in cvrs) and len(set(cvrs)) == len(cvrs)

    assert _count(db, HousingArea) == 5
    assert _count(db, Project) == 6
    areas = dict(db.session.execute(
        select(HousingArea.name, Organisation.name).join(HousingArea.municipality)).all())
    assert areas == {"Gellerup": "Aarhus Kommune", "Bispehaven": "Aarhus Kommune",
                     "Vollsmose": "Odense Kommune", "Tingbjerg": "Københavns Kommune",
                     "Aalborg Øst": "Aalborg Kommune"}
    busiest = db.session.execute(
        select(ProjectContractor.contractor_id, func.count())
        .group_by(ProjectContractor.contractor_id).order_by(func.count().desc())).first()
    assert busiest[1] >= 2
    contractor_user = db.session.scalar(select(User).where(User.role == "contractor"))
    assert _count(db, ProjectContractor,
                  ProjectContractor.contractor_id == contractor_user.organisation_id) >= 2


def test_clauses_cover_every_unit_and_kind(db, seeded):
    units = set(db.session.scalars(select(Clause.unit)))
    assert units == {"persons", "weeks", "hours", "apprentice_years", "percent_hours"}
    kinds = set(db.session.scalars(select(Clause.kind)))
    assert kinds == {"internship", "wage_subsidy", "apprenticeship", "ordinary_job", "any"}
    assert _count(db, Clause, Clause.responsible_contractor_id.is_(None)) >= 1
    assert _count(db, Clause, Clause.responsible_contractor_id.is_not(None)) >= 1
    # Helhedsplan Gellerup, etape 2: craft cost 286.4 million × 0.025 per million.
    derived = db.session.scalar(select(Clause).where(Clause.ref == "K-002"))
    assert (derived.target_basis, derived.target_rate) == ("craft_cost", Decimal("0.025"))
    assert derived.target == Decimal("7.16")


def test_participants_and_pathways(db, seeded):
    assert _count(db, Participant) == 40
    assert _count(db, Placement) == 80
    for person in db.session.scalars(select(Participant)):
        assert person.housing_area.municipality_id == person.municipality_id
        assert 1965 <= person.birth_year <= 2006 and person.benefit_group is not None
    for placement in db.session.scalars(select(Placement).where(
            Placement.next_placement_id.is_not(None))):
        assert placement.next_placement.participant_id == placement.participant_id
        assert placement.outcome == "next_placement"
        assert placement.next_placement.start_date > placement.end_date
    outcomes = set(db.session.scalars(select(Placement.outcome)))
    assert {"next_placement", "ordinary_job", "education", "unemployed", "dropped_out"} <= outcomes
    assert _count(db, Placement, Placement.end_date.is_(None),
                  Placement.planned_end.is_not(None)) >= 1
    assert _count(db, Placement, Placement.end_date.is_(None), Placement.planned_end.is_(None)) >= 1
    on_project = db.session.scalars(select(Placement).where(Placement.project_id.is_not(None)))
    for placement in on_project:
        assert placement.employer_id in {pc.contractor_id for pc in placement.project.contractors}


def test_reports_follow_ups_assessments_evaluations(db, seeded):
    for status in ("approved", "submitted", "returned"):
        assert _count(db, ContractorReport, ContractorReport.status == status) >= 1
    assert _count(db, ContractorReport, ContractorReport.report_version == 2) >= 1
    assert _count(db, ContractorReport, ContractorReport.site_hours < ContractorReport.hours) == 0
    assert _count(db, ContractorReport, ContractorReport.status == "returned",
                  ContractorReport.review_note.is_(None)) == 0
    assert _count(db, FollowUp) >= 10
    assert _count(db, ProgressAssessment) >= 30
    assessed = db.session.scalar(select(func.count(ProgressAssessment.participant_id.distinct())))
    assert assessed >= 10
    assert _count(db, Evaluation) >= 1 and _count(db, EvaluationAction) >= 2


def test_follow_ups_only_after_a_pathway_ended_and_one_placement_to_close(db, seeded):
    from datetime import date

    from tracker.counting.pathways import ends_pathway, to_close

    followed = db.session.scalars(select(Placement).join(
        FollowUp, FollowUp.placement_id == Placement.id).distinct()).all()
    assert followed and all(p.outcome not in (None, "next_placement")
                            and p.next_placement_id is None for p in followed)
    assert _count(db, FollowUp, ~FollowUp.placement_id.in_(
        select(Placement.id).where(ends_pathway()))) == 0
    # The single internship whose planned end passed with nothing recorded, at least.
    assert _count(db, Placement, to_close(date.today()), Placement.kind == "internship",
                  Placement.next_placement_id.is_(None)) >= 1


def test_the_demo_dates_are_plausible(db, seeded):
    """No placement before its participant's intake or consent, no follow-up or progress
    assessment after today: the demo passes the rules the forms and the import apply."""
    before_intake = select(func.count()).select_from(Placement).join(Participant).where(
        (Placement.start_date < Participant.intake_date)
        | (Placement.start_date < Participant.consent_date))
    assert db.session.scalar(before_intake) == 0
    today = app_today()
    assert db.session.scalar(select(func.max(FollowUp.follow_up_date))) <= today
    assert db.session.scalar(select(func.max(ProgressAssessment.assessed_on))) <= today


def test_one_user_per_role(db, seeded):
    assert _count(db, User) == 5
    assert sorted(db.session.scalars(select(User.role))) == sorted(r for r, _e, _p in LOGINS)
    bound = dict(db.session.execute(
        select(User.role, Organisation.name).join(User.organisation)).all())
    assert bound["builder"] == "Brabrand Boligforening"
    assert bound["municipality"] == "Aarhus Kommune"


def test_no_text_looks_like_a_cpr_number(db, seeded):
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
        for row in db.session.execute(select(*columns)) if columns else ():
            assert not any(contains_cpr(value) for value in row), (table.name, row)


def test_second_run_adds_nothing(db, runner, seeded):
    before = _row_counts(db)
    assert before["participants"] == 40
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _row_counts(db) == before
    for _role, email, password in LOGINS:
        assert email in result.output and password in result.output


def test_every_demo_user_can_sign_in(app, seeded):
    for _role, email, password in LOGINS:
        client = app.test_client()  # a signed-in client is redirected whatever it posts
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, (email, response.get_data(as_text=True)[:300])
        assert response.headers["Location"] != "/login"
    wrong = app.test_client().post("/login", data={"email": LOGINS[0][1], "password": "forkert"})
    assert wrong.status_code == 200


def test_the_printed_address_is_where_make_run_serves(runner, monkeypatch):
    """`PORT=5089 make run` serves on 5089 (Makefile), so the sign-in address says 5089."""
    monkeypatch.setenv("PORT", "5089")
    result = runner.invoke(args=["seed-demo"])
    assert "Sign in at http://127.0.0.1:5089 " in result.output
    monkeypatch.delenv("PORT")
    assert "Sign in at http://127.0.0.1:5000 " in runner.invoke(args=["seed-demo"]).output
