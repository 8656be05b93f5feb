"""Writing the demo data set: each function looks its rows up by natural key and adds what
is missing."""
import random
import zlib
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from sqlalchemy import select

from tracker.auth.passwords import hash_password, password_problem
from tracker.counting.clauses import Window, as_decimal, registered, window_sums
from tracker.counting.pathways import add_months, ends_pathway
from tracker.demo.data import (
    AGREEMENTS,
    ASCII,
    ASSESSMENT_NOTES,
    BUILDERS,
    CENT,
    CONSENT_SCOPE,
    CONTRACTORS,
    CORRECTED_CLAUSE,
    DEMO_USERS,
    EDUCATION_PROVIDER,
    EVALUATIONS,
    FOLLOW_UP_GRACE,
    FOLLOW_UP_NOTES,
    HOUSING_AREAS,
    MILLION,
    MUNICIPALITIES,
    PARTY_TEXTS,
    PROJECTS,
    REPORTED_CLAUSES,
    RETURN_NOTE,
    SECRETARIAT,
    SEED,
    STATUS_AFTER,
    STATUS_DURING,
    AgreementSpec,
    ClauseSpec,
)
from tracker.demo.plans import ParticipantPlan, plan_participants, project_period
from tracker.extensions import db
from tracker.models import (
    Agreement,
    AgreementParty,
    BenefitGroup,
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
from tracker.models.codes import DIMENSIONS, FOLLOW_UP_MONTHS
from tracker.validation import cvr_is_valid


def fictitious_cvr(name: str) -> str:
    """A stable CVR number that passes the modulus-11 check, derived from the name."""
    number = 10_000_000 + zlib.crc32(name.encode()) % 89_000_000
    while not cvr_is_valid(str(number)):
        number += 1
    return str(number)


def _organisation(kind: str, name: str, cvr: str, code: str | None = None) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.cvr == cvr))
    if org is None:
        # Contractors get a (fictitious) address so `flask send-reminders` has someone to mail.
        email = f"indberetning@{name.split()[0].lower().translate(ASCII)}.example" \
            if kind == "contractor" else None
        org = Organisation(kind=kind, name=name, cvr=cvr, municipality_code=code, email=email)
        db.session.add(org)
    return org


def seed_organisations() -> dict[str, Organisation]:
    """Municipalities, builders, contractors, the secretariat and the school, by name."""
    orgs = {name: _organisation("municipality", name, cvr, code)
            for name, code, cvr in MUNICIPALITIES}
    for kind, names in (("builder", BUILDERS), ("contractor", list(CONTRACTORS)),
                        ("secretariat", [SECRETARIAT]), ("education", [EDUCATION_PROVIDER])):
        for name in names:
            orgs[name] = _organisation(kind, name, fictitious_cvr(name))
    return orgs


def seed_housing_areas(orgs: dict[str, Organisation]) -> dict[str, HousingArea]:
    areas = {}
    for name, municipality in HOUSING_AREAS.items():
        area = db.session.scalar(select(HousingArea).where(HousingArea.name == name))
        if area is None:
            area = HousingArea(name=name, municipality=orgs[municipality])
            db.session.add(area)
        areas[name] = area
    return areas


def seed_projects(orgs: dict[str, Organisation], areas: dict[str, HousingArea],
                  today: date) -> dict[str, Project]:
    """The building projects and their contractors, by case number."""
    projects = {}
    for spec in PROJECTS:
        project = db.session.scalar(select(Project).where(Project.case_number == spec.case_number))
        if project is None:
            start, end = project_period(spec, today)
            project = Project(
                case_number=spec.case_number, name=spec.name, housing_area=areas[spec.area],
                builder=orgs[spec.builder], start_date=start, end_date=end,
                contract_sum=Decimal(spec.contract_sum), craft_cost=Decimal(spec.craft_cost),
                status="active",
            )
            db.session.add(project)
        present = {pc.contractor for pc in project.contractors}
        for firm, role in spec.contractors:
            if orgs[firm] not in present:
                project.contractors.append(ProjectContractor(contractor=orgs[firm], role=role))
        projects[spec.case_number] = project
    return projects


def _clause_target(spec: ClauseSpec, project: Project) -> Decimal:
    """The fixed target, or basis amount / 1,000,000 × rate rounded to two decimals."""
    if spec.basis is None:
        return Decimal(spec.target)
    amount = project.craft_cost if spec.basis == "craft_cost" else project.contract_sum
    return (amount / MILLION * Decimal(spec.rate)).quantize(CENT, rounding=ROUND_HALF_UP)


def _parties(agreement: Agreement, spec: AgreementSpec, orgs: dict[str, Organisation]) -> None:
    """Builder, main contractor(s), municipality, secretariat and maybe the school."""
    project_spec = next(p for p in PROJECTS if p.case_number == spec.case_number)
    members = [orgs[project_spec.builder]]
    members += [orgs[firm] for firm, role in project_spec.contractors if role == "main"]
    members += [orgs[HOUSING_AREAS[project_spec.area]], orgs[SECRETARIAT]]
    if spec.with_education_provider:
        members.append(orgs[EDUCATION_PROVIDER])
    present = {party.organisation for party in agreement.parties}
    for org in members:
        if org in present:
            continue
        role, contributions, benefits = PARTY_TEXTS[org.kind]
        agreement.parties.append(AgreementParty(
            organisation=org, role=role, contributions=list(contributions),
            benefits=list(benefits)))


def seed_agreements(orgs: dict[str, Organisation], projects: dict[str, Project],
                    today: date) -> dict[str, Clause]:
    """Agreements with their parties and clauses; returns the clauses by ref."""
    clauses = {}
    for spec in AGREEMENTS:
        project = projects[spec.case_number]
        agreement = db.session.scalar(select(Agreement).where(Agreement.ref == spec.ref))
        if agreement is None:
            signed = project.start_date - timedelta(days=45) if spec.status != "draft" else None
            agreement = Agreement(ref=spec.ref, project=project, title=spec.title,
                                  signed_on=signed, status=spec.status)
            db.session.add(agreement)
        _parties(agreement, spec, orgs)
        for c in spec.clauses:
            clause = db.session.scalar(select(Clause).where(Clause.ref == c.ref))
            if clause is None:
                start = end = None
                if c.months:
                    start = add_months(project.start_date, c.months[0])
                    end = add_months(project.start_date, c.months[1]) - timedelta(days=1)
                clause = Clause(
                    ref=c.ref, agreement=agreement, kind=c.kind, unit=c.unit,
                    target=_clause_target(c, project), target_basis=c.basis,
                    target_rate=Decimal(c.rate) if c.rate else None,
                    responsible_contractor=orgs[c.responsible] if c.responsible else None,
                    start_date=start, end_date=end, frequency=c.frequency, text=c.text,
                    reporting_from=(today - timedelta(days=c.entered_days_ago)
                                    if c.entered_days_ago is not None else None),
                )
                db.session.add(clause)
            clauses[c.ref] = clause
    return clauses


def _email(name: str) -> str:
    return name.lower().translate(ASCII) + "@example.com"


def seed_participants(people: list[ParticipantPlan], areas: dict[str, HousingArea]
                      ) -> dict[str, Participant]:
    benefits = {g.code: g for g in db.session.scalars(select(BenefitGroup))}
    participants = {}
    for plan in people:
        person = db.session.scalar(select(Participant).where(Participant.ref == plan.ref))
        if person is None:
            area = areas[plan.area]
            person = Participant(
                ref=plan.ref, name=plan.name, email=_email(plan.name),
                birth_year=plan.birth_year, gender=plan.gender, housing_area=area,
                municipality=area.municipality, benefit_group=benefits.get(plan.benefit),
                readiness=plan.readiness, months_unemployed=plan.months_unemployed,
                education_level=plan.education_level, intake_date=plan.intake_date,
                consent_date=plan.intake_date, consent_scope=CONSENT_SCOPE,
            )
            db.session.add(person)
        participants[plan.ref] = person
    return participants


def seed_placements(people: list[ParticipantPlan], participants: dict[str, Participant],
                    orgs: dict[str, Organisation], projects: dict[str, Project]) -> None:
    """The placements, each chain linked through next_placement."""
    for plan in people:
        chain: list[tuple[Placement, bool]] = []
        for p in plan.placements:
            placement = db.session.scalar(select(Placement).where(Placement.ref == p.ref))
            created = placement is None
            if created:
                placement = Placement(
                    ref=p.ref, participant=participants[plan.ref], kind=p.kind,
                    employer=orgs[p.employer],
                    project=projects[p.case_number] if p.case_number else None, trade=p.trade,
                    start_date=p.start, planned_end=p.planned_end, end_date=p.end_date,
                    hours_per_week=Decimal(p.hours_per_week), outcome=p.outcome,
                )
                db.session.add(placement)
            chain.append((placement, created))
        for (placement, created), (following, _new) in zip(chain, chain[1:]):
            if created:
                placement.next_placement = following


def seed_users(orgs: dict[str, Organisation]) -> list[tuple[str, str, str]]:
    """One user per role; returns (role, e-mail, password) for each."""
    logins = []
    for role, email, password, name, org_name in DEMO_USERS:
        if db.session.scalar(select(User).where(User.email == email)) is None:
            problem = password_problem(password, name=name, email=email)
            if problem:
                raise ValueError(f"Demo password for {email}: {problem}")
            db.session.add(User(email=email, name=name, role=role,
                                organisation=orgs[org_name] if org_name else None,
                                password_hash=hash_password(password)))
        logins.append((role, email, password))
    return logins


def existing_logins() -> list[tuple[str, str, str]]:
    """(role, e-mail, password) of the demo users already in the database."""
    emails = set(db.session.scalars(
        select(User.email).where(User.email.in_([u[1] for u in DEMO_USERS]))))
    return [(role, email, password) for role, email, password, _name, _org in DEMO_USERS
            if email in emails]


def _quarters(first: date, last: date, today: date) -> list[tuple[date, date]]:
    """Calendar quarters from the one holding `first` to the one holding `last`, those ended
    before today; the first starts on `first` and the last ends on `last`."""
    periods = []
    start = date(first.year, 3 * ((first.month - 1) // 3) + 1, 1)
    while True:
        end = min(add_months(start, 3) - timedelta(days=1), last)
        if end >= today or start > last:
            return periods
        periods.append((max(start, first), end))
        start = add_months(start, 3)


def _registered(clause: Clause, periods: list[tuple[date, date]]
                ) -> list[tuple[int, Decimal, Decimal]]:
    """Persons, weeks and hours of the placements counting toward the clause in each period
    (DESIGN §4)."""
    sums = window_sums([Window(i, clause.id, start, end) for i, (start, end) in enumerate(periods)])
    return [(sums[i]["persons"], as_decimal(registered("weeks", sums[i])),
             as_decimal(registered("hours", sums[i]))) for i in range(len(periods))]


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=UTC)


def _report_versions(ref: str, index: int, count: int, noise: Decimal
                     ) -> list[tuple[str, Decimal, str | None]]:
    """(status, factor on the true figures, review note) of each version of one period."""
    if index == count - 1:
        status = REPORTED_CLAUSES[ref]
        return [(status, noise, RETURN_NOTE if status == "returned" else None)]
    if ref == CORRECTED_CLAUSE and index == count - 2:
        return [("returned", Decimal("1.4"), RETURN_NOTE), ("approved", Decimal(1), None)]
    return [("approved", noise, None)]


def _report_comment(version: int, hours: Decimal) -> str:
    if version > 1:
        return "Rettet efter tilbagemelding: timerne er nu opgjort efter timesedlerne."
    if not hours:
        return "Ingen lokalt ansatte beboere på klausulen i perioden."
    return "Timer for lokalt ansatte beboere ifølge timesedler og lønsedler."


def seed_reports(rng: random.Random, clauses: dict[str, Clause], today: date) -> None:
    """Quarterly reports for the clauses in REPORTED_CLAUSES, with figures from the placements."""
    emails = {role: email for role, email, *_rest in DEMO_USERS}
    users = {u.role: u for u in db.session.scalars(
        select(User).where(User.email.in_([emails["contractor"], emails["staff"]])))}
    contractor_user, staff = users["contractor"], users["staff"]
    taken = set(db.session.scalars(select(ContractorReport.ref)))
    serial = 0
    for ref in REPORTED_CLAUSES:
        clause = clauses[ref]
        contractor = clause.responsible_contractor or next(
            pc.contractor for pc in clause.agreement.project.contractors if pc.role == "main")
        periods = _quarters(clause.period_start, clause.period_end, today)
        for index, ((start, end), (persons, weeks, hours)) in enumerate(
                zip(periods, _registered(clause, periods))):
            noise = Decimal(str(round(rng.uniform(0.97, 1.03), 3)))
            site_hours = Decimal(max(int(hours) * rng.randint(8, 12), rng.randint(500, 1200) * 10))
            submitted = min(end + timedelta(days=rng.randint(5, 15)), today - timedelta(days=5))
            for version, (status, factor, note) in enumerate(
                    _report_versions(ref, index, len(periods), noise), start=1):
                exists = db.session.scalar(select(ContractorReport.id).where(
                    ContractorReport.clause_id == clause.id,
                    ContractorReport.contractor_id == contractor.id,
                    ContractorReport.period_start == start,
                    ContractorReport.report_version == version))
                if exists:
                    continue
                serial += 1
                while f"R-{serial:04d}" in taken:
                    serial += 1
                reported = (hours * factor).quantize(CENT)
                reviewed = status != "submitted"
                db.session.add(ContractorReport(
                    ref=f"R-{serial:04d}", clause=clause, contractor=contractor,
                    period_start=start, period_end=end, report_version=version,
                    persons=persons, weeks=(weeks * factor).quantize(CENT), hours=reported,
                    site_hours=max(site_hours, reported.to_integral_value(ROUND_CEILING)),
                    comment=_report_comment(version, reported),
                    status=status,
                    submitted_by_id=(contractor_user.id
                                     if contractor_user.organisation_id == contractor.id else None),
                    submitted_at=_moment(submitted + timedelta(days=version - 1)),
                    reviewed_by_id=staff.id if reviewed else None,
                    reviewed_at=_moment(submitted + timedelta(days=version)) if reviewed else None,
                    review_note=note,
                ))


def _status_on(day: date, placements: list[Placement], rng: random.Random) -> str:
    """Where the participant stood on the day, read from their placements (or not reached)."""
    not_reached = rng.random() < 0.1
    if not_reached:
        return "unknown"
    for p in placements:
        if p.start_date <= day and (p.end_date is None or p.end_date >= day):
            return STATUS_DURING[p.kind]
    ended = [p for p in placements if p.end_date and p.end_date < day]
    return STATUS_AFTER[max(ended, key=lambda p: p.end_date).outcome] if ended else "unknown"


def seed_follow_ups(rng: random.Random, people: list[ParticipantPlan], today: date) -> None:
    """3/6/12-month follow-ups after placements that ended a pathway, when their date has
    passed (the most recent are left due)."""
    refs = [p.ref for plan in people for p in plan.placements]
    ended = db.session.scalars(
        select(Placement).where(Placement.ref.in_(refs), ends_pathway())
        .order_by(Placement.ref)).all()
    for placement in ended:
        done = {f.months for f in db.session.scalars(
            select(FollowUp).where(FollowUp.placement_id == placement.id))}
        siblings = db.session.scalars(select(Placement).where(
            Placement.participant_id == placement.participant_id)).all()
        for months in FOLLOW_UP_MONTHS:
            due = add_months(placement.end_date, months)
            status = _status_on(due, siblings, rng)  # drawn even when skipped: same stream
            if due > today - FOLLOW_UP_GRACE or months in done:
                continue
            db.session.add(FollowUp(placement=placement, months=months, status=status,
                                    follow_up_date=due, note=FOLLOW_UP_NOTES[status]))


def seed_assessments(rng: random.Random, participants: dict[str, Participant],
                     people: list[ParticipantPlan], today: date) -> None:
    """About every third month since intake for 15 participants: scores that mostly rise."""
    eligible = [plan for plan in people if plan.intake_date <= today - timedelta(days=120)]
    for plan in rng.sample(eligible, min(15, len(eligible))):
        person = participants[plan.ref]
        scores = {d: rng.randint(2, 5) for d in DIMENSIONS}
        if plan.grew_up_in_denmark:
            scores["danish_language"] = None
        steps = [rng.choice((-1, 0, 1, 1, 1, 2)) for _n in range(5 * len(DIMENSIONS))]
        if person.assessments:
            continue
        day = person.intake_date + timedelta(days=14)
        for n, note in enumerate(ASSESSMENT_NOTES):
            if day > today:
                break
            db.session.add(ProgressAssessment(participant=person, assessed_on=day, note=note,
                                              **scores))
            for i, dimension in enumerate(DIMENSIONS):
                if scores[dimension] is not None:
                    step = steps[n * len(DIMENSIONS) + i]
                    scores[dimension] = min(10, max(1, scores[dimension] + step))
            day += timedelta(days=91)


def seed_evaluations(today: date) -> None:
    """Last year's evaluation of two agreements, each with follow-up actions."""
    for ref, years_back, findings, promoting, hindering, actions in EVALUATIONS:
        agreement = db.session.scalar(select(Agreement).where(Agreement.ref == ref))
        year = today.year - years_back
        exists = db.session.scalar(select(Evaluation.id).where(
            Evaluation.agreement_id == agreement.id, Evaluation.year == year))
        if exists:
            continue
        evaluation = Evaluation(agreement=agreement, year=year, findings=findings,
                                promoting_factors=promoting, hindering_factors=hindering)
        for description, owner, due_in, done_ago in actions:
            evaluation.actions.append(EvaluationAction(
                description=description, owner=owner, due_date=today + timedelta(days=due_in),
                done_on=today - timedelta(days=done_ago) if done_ago is not None else None))
        db.session.add(evaluation)


def seed() -> list[tuple[str, str, str]]:
    """Load the demo data set (what is already there is skipped); returns the demo logins."""
    today = date.today()
    # Each part draws from its own generator, so one part's draws never shift another's.
    people = plan_participants(random.Random(SEED), today)
    orgs = seed_organisations()
    areas = seed_housing_areas(orgs)
    projects = seed_projects(orgs, areas, today)
    clauses = seed_agreements(orgs, projects, today)
    participants = seed_participants(people, areas)
    seed_placements(people, participants, orgs, projects)
    logins = seed_users(orgs)
    db.session.flush()
    seed_reports(random.Random(SEED), clauses, today)
    seed_follow_ups(random.Random(SEED), people, today)
    seed_assessments(random.Random(SEED), participants, people, today)
    seed_evaluations(today)
    db.session.flush()
    return logins
