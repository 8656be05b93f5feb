"""The demo's residents and their pathways, drawn before anything is written."""
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from tracker.demo.data import (
    BENEFITS_BY_WEIGHT,
    CONTRACTORS,
    HOUSING_AREAS,
    PARTICIPANTS,
    PATHWAY_MIX,
    PROJECTS,
    SHORTEST_WEEKS,
    SINGLE_INTERNSHIP_ENDINGS,
    ProjectSpec,
)


@dataclass
class PlacementPlan:
    ref: str
    kind: str
    employer: str
    case_number: str | None
    trade: str
    start: date
    planned_end: date | None
    end_date: date | None
    hours_per_week: int
    outcome: str | None


@dataclass
class ParticipantPlan:
    ref: str
    name: str
    gender: str
    area: str
    grew_up_in_denmark: bool
    birth_year: int
    benefit: str
    readiness: str | None
    months_unemployed: int
    education_level: str
    intake_date: date
    placements: list[PlacementPlan] = field(default_factory=list)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _pick_date(rng: random.Random, earliest: date, latest: date) -> date:
    """A date in [earliest, latest] from one draw, whatever the span (keeps the stream stable)."""
    span = max((latest - earliest).days, 0)
    return earliest + timedelta(days=int(rng.random() * (span + 1)))


def project_period(spec: ProjectSpec, today: date) -> tuple[date, date]:
    """Start (a Monday) and end (a Friday) of a project, relative to today."""
    start = _monday(today - timedelta(days=round(spec.started_months_ago * 30.44)))
    end = _monday(today + timedelta(days=round(spec.ends_in_months * 30.44))) + timedelta(days=4)
    return start, end


def _internship_weeks(rng: random.Random, benefit: str, readiness: str | None) -> int:
    """Four weeks where the law allows no more (dagpenge, job-ready kontanthjælp)."""
    draw = rng.randint(6, 13)
    if benefit == "dagpenge" or (benefit == "kontanthjaelp" and readiness == "job_ready"):
        return 4
    return draw


def _profile(rng: random.Random, n: int, today: date) -> ParticipantPlan:
    """A participant's personal data (the intake date is set by the pathway)."""
    name, gender, area, grew_up_in_denmark = PARTICIPANTS[n - 1]
    birth_year = rng.randint(1965, 2006)
    draw, benefit = rng.random(), rng.choice(BENEFITS_BY_WEIGHT)
    if not grew_up_in_denmark and draw < 0.3:
        benefit = "integrationsydelse"
    elif birth_year >= today.year - 29 and draw < 0.6:
        benefit = "uddannelseshjaelp"
    draw = rng.random()
    if benefit in ("kontanthjaelp", "uddannelseshjaelp", "integrationsydelse"):
        readiness = "job_ready" if draw < 0.55 else "activity_ready"
    elif benefit == "dagpenge":
        readiness = "job_ready"
    elif benefit in ("sygedagpenge", "jobafklaring", "ressourceforloeb"):
        readiness = "activity_ready"
    else:
        readiness = None
    months = rng.randint(2, 18) if benefit == "dagpenge" else rng.randint(3, 72)
    levels = (["primary", "upper_secondary", "vocational", "primary"] if grew_up_in_denmark
              else ["foreign", "primary", "foreign", "unknown", "upper_secondary"])
    return ParticipantPlan(
        ref=f"D-{n:04d}", name=name, gender=gender, area=area,
        grew_up_in_denmark=grew_up_in_denmark, birth_year=birth_year, benefit=benefit,
        readiness=readiness, months_unemployed=months, education_level=rng.choice(levels),
        intake_date=today,
    )


def _hours_per_week(rng: random.Random, kind: str, readiness: str | None) -> int:
    """37 mostly; fewer for activity-ready people in internships and a few part-timers."""
    draw, reduced = rng.random(), rng.choice((20, 25, 30))
    if kind == "internship" and readiness == "activity_ready" and draw < 0.6:
        return reduced
    return 30 if draw < 0.08 else 37


def _pathway(rng: random.Random, person: ParticipantPlan, kinds: tuple[str, ...],
             ending: str | None, spec: ProjectSpec, on_project: bool, today: date
             ) -> list[PlacementPlan]:
    """The placements of one pathway at one project's contractors, in date order."""
    project_start, _end = project_period(spec, today)
    firms = [firm for firm, _role in spec.contractors]
    # Main contractors take most of the hires.
    weights = [4 if role == "main" else 1 for _firm, role in spec.contractors]
    employer = rng.choices(firms, weights)[0]
    trade = rng.choice(CONTRACTORS[employer])
    other_firm = rng.choice(firms)
    weeks = []
    for kind in kinds:
        if kind == "internship":
            weeks.append(_internship_weeks(rng, person.benefit, person.readiness))
        elif kind == "wage_subsidy":
            weeks.append(rng.randint(13, 26))
        elif kind == "apprenticeship":
            weeks.append(rng.choice((156, 182, 208)))
        else:
            weeks.append(52 if rng.random() < 0.2 else 0)  # fixed-term or open-ended job
    gaps = [rng.choice((0, 0, 1)) for _kind in kinds]
    earliest = project_start + timedelta(days=14)
    if ending is None:  # a chain whose last step is running today
        before_last = sum(7 * (w + g) for w, g in zip(weeks[:-1], gaps[:-1]))
        if today - timedelta(days=before_last + 21) < earliest:  # a young project: shorter steps
            weeks = [SHORTEST_WEEKS[k] for k in kinds[:-1]] + weeks[-1:]
            before_last = sum(7 * (w + g) for w, g in zip(weeks[:-1], gaps[:-1]))
        latest = today - timedelta(days=before_last + 21)
    elif ending == "running":
        earliest = max(earliest, today - timedelta(days=7 * weeks[0] - 10))
        latest = today - timedelta(days=7)
    elif ending == "not_closed":  # its planned end passed some weeks ago
        latest = today - timedelta(days=7 * weeks[0] + 11)
        earliest = max(earliest, latest - timedelta(days=42))
    else:
        latest = today - timedelta(days=7 * weeks[0] + 21)
    start = _monday(_pick_date(rng, earliest, latest))
    dropout_share = rng.uniform(0.2, 0.7)

    plans = []
    for i, (kind, w) in enumerate(zip(kinds, weeks)):
        if kind == "ordinary_job" and i > 0 and rng.random() < 0.25 and other_firm != employer:
            employer, trade = other_firm, rng.choice(CONTRACTORS[other_firm])
        planned_end = start + timedelta(days=7 * w - 3) if w else None
        if kind == "ordinary_job" and planned_end and planned_end <= today:
            planned_end = None  # a fixed-term job that has run out became permanent
        last = i == len(kinds) - 1
        end_date, outcome = None, None
        if not last:
            end_date, outcome = planned_end, "next_placement"
        elif ending == "dropped_out":
            end_date = start + timedelta(days=max(5, int(dropout_share * 7 * w)))
            outcome = ending
        elif ending not in (None, "running", "not_closed"):
            end_date, outcome = planned_end, ending
        plans.append(PlacementPlan(
            ref="", kind=kind, employer=employer,
            case_number=spec.case_number if on_project else None, trade=trade, start=start,
            planned_end=planned_end, end_date=end_date,
            hours_per_week=_hours_per_week(rng, kind, person.readiness), outcome=outcome,
        ))
        if planned_end:
            start = planned_end + timedelta(days=3 + 7 * gaps[i])
    return plans


def plan_participants(rng: random.Random, today: date) -> list[ParticipantPlan]:
    """Every participant with their pathway; placement refs F-0001… in pathway order."""
    kinds_per_person = [kinds for kinds, count in PATHWAY_MIX for _n in range(count)]
    assert len(kinds_per_person) == len(PARTICIPANTS)
    rng.shuffle(kinds_per_person)
    endings = list(SINGLE_INTERNSHIP_ENDINGS)
    rng.shuffle(endings)
    projects_by_area = {area: [s for s in PROJECTS if s.area == area] for area in HOUSING_AREAS}
    people, singles, serial = [], 0, 0
    for n, kinds in enumerate(kinds_per_person, start=1):
        person = _profile(rng, n, today)
        spec = rng.choice(projects_by_area[person.area])
        ending = None
        if len(kinds) == 1 and kinds[0] == "internship":
            ending = endings[singles]
            singles += 1
        on_project = ending is None or singles % 4 != 1  # a few internships outside any project
        person.placements = _pathway(rng, person, kinds, ending, spec, on_project, today)
        person.intake_date = person.placements[0].start - timedelta(days=rng.randint(10, 60))
        for placement in person.placements:
            serial += 1
            placement.ref = f"F-{serial:04d}"
        people.append(person)
    return people
