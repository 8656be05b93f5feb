"""The Danish demo data set behind `flask --app tracker seed-demo`.

Four real municipalities (with their real CVR and kommunekode), five housing areas,
six building projects, partnership agreements with clauses, 40 residents and 80
placements forming pathways, contractor reports, follow-ups, progress assessments,
evaluations and one user per role. Every other CVR is fictitious (modulus-11 valid).

Dates are relative to today so the demo always looks current; everything else is
drawn from `random.Random(2026)` (one generator per part). Every row is looked up by
its natural key first, so running the seed again adds nothing. The caller commits.
"""
import random
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from sqlalchemy import select

from tracker.auth.passwords import hash_password, password_problem
from tracker.counting.clauses import Window, as_decimal, registered, window_sums
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

SEED = 2026

# --- Organisations ---------------------------------------------------------------------

# name, kommunekode, real CVR
MUNICIPALITIES = [
    ("Københavns Kommune", "101", "64942212"),
    ("Odense Kommune", "461", "35209115"),
    ("Aarhus Kommune", "751", "55133018"),
    ("Aalborg Kommune", "851", "29189420"),
]
BUILDERS = [
    "Brabrand Boligforening",
    "Østjysk Bolig",
    "Civica",
    "fsb",
    "Himmerland Boligforening",
]
# Fictitious contractor firms and the trades (fag) they hire in.
CONTRACTORS = {
    "Kærhøj Byg A/S": ("murer", "tømrer", "anlægsgartner"),
    "Fjordbyg Entreprise A/S": ("murer", "tømrer", "anlægsgartner"),
    "Valbyhøj Totalentreprise A/S": ("murer", "tømrer", "stilladsmontør"),
    "Nørrelyng Entreprise A/S": ("tømrer", "murer"),
    "Ravnsbjerg Murer & Tømrer ApS": ("murer", "tømrer"),
    "Lindekrog Malerfirma ApS": ("maler",),
    "Bølgeby VVS & Energi ApS": ("VVS",),
    "Stjernelys El-service ApS": ("elektriker",),
    "Grønspir Anlægsgartnere ApS": ("anlægsgartner",),
    "Højstillads Montage ApS": ("stilladsmontør",),
}
SECRETARIAT = "Sekretariatet for Sociale Partnerskaber"
EDUCATION_PROVIDER = "Erhvervsskolen for Byg og Anlæg"

# --- Housing areas and projects --------------------------------------------------------

HOUSING_AREAS = {
    "Gellerup": "Aarhus Kommune",
    "Bispehaven": "Aarhus Kommune",
    "Vollsmose": "Odense Kommune",
    "Tingbjerg": "Københavns Kommune",
    "Aalborg Øst": "Aalborg Kommune",
}


@dataclass(frozen=True)
class ProjectSpec:
    case_number: str
    name: str
    area: str
    builder: str
    started_months_ago: int
    ends_in_months: int
    contract_sum: int
    craft_cost: int
    contractors: tuple[tuple[str, str], ...]  # (firm, main/sub)


PROJECTS = [
    ProjectSpec("BB-2207", "Helhedsplan Gellerup, etape 2", "Gellerup", "Brabrand Boligforening",
                22, 20, 412_500_000, 286_400_000,
                (("Kærhøj Byg A/S", "main"), ("Ravnsbjerg Murer & Tømrer ApS", "sub"),
                 ("Højstillads Montage ApS", "sub"), ("Grønspir Anlægsgartnere ApS", "sub"))),
    ProjectSpec("BB-2311", "Gellerup, nye byrum og stiforbindelser", "Gellerup",
                "Brabrand Boligforening", 10, 8, 68_200_000, 41_750_000,
                (("Fjordbyg Entreprise A/S", "main"), ("Grønspir Anlægsgartnere ApS", "sub"))),
    ProjectSpec("OJB-0412", "Bispehaven, renovering og fortætning, etape 1", "Bispehaven",
                "Østjysk Bolig", 18, 14, 356_000_000, 239_800_000,
                (("Kærhøj Byg A/S", "main"), ("Lindekrog Malerfirma ApS", "sub"),
                 ("Bølgeby VVS & Energi ApS", "sub"))),
    ProjectSpec("CIV-1187", "Fremtidens Vollsmose, renovering af Bøgeparken", "Vollsmose",
                "Civica", 15, 18, 298_500_000, 201_300_000,
                (("Fjordbyg Entreprise A/S", "main"), ("Stjernelys El-service ApS", "sub"),
                 ("Ravnsbjerg Murer & Tømrer ApS", "sub"))),
    ProjectSpec("FSB-0935", "Tingbjerg, helhedsplan for boligblokkene", "Tingbjerg", "fsb",
                8, 24, 187_000_000, 132_600_000,
                (("Valbyhøj Totalentreprise A/S", "main"), ("Lindekrog Malerfirma ApS", "sub"),
                 ("Højstillads Montage ApS", "sub"))),
    ProjectSpec("HB-1120", "Aalborg Øst, ombygning af Kildeparken blok 1-4", "Aalborg Øst",
                "Himmerland Boligforening", 12, 10, 143_800_000, 97_400_000,
                (("Nørrelyng Entreprise A/S", "main"), ("Stjernelys El-service ApS", "sub"),
                 ("Kærhøj Byg A/S", "sub"))),
]

# --- Agreements and clauses ------------------------------------------------------------


@dataclass(frozen=True)
class ClauseSpec:
    ref: str
    kind: str
    unit: str
    text: str
    target: str | None = None  # a fixed target, or None when derived from basis and rate
    basis: str | None = None
    rate: str | None = None  # units per DKK 1 million of the basis
    responsible: str | None = None  # None: every contractor on the project
    frequency: str = "quarterly"
    months: tuple[int, int] | None = None  # own period, months after the project start


@dataclass(frozen=True)
class AgreementSpec:
    ref: str
    case_number: str
    title: str
    status: str
    clauses: tuple[ClauseSpec, ...]
    with_education_provider: bool = False


AGREEMENTS = [
    AgreementSpec(
        ref="PA-BB-2207-1", case_number="BB-2207", status="closed",
        title="Partnerskabsaftale om nedrivning og byggemodning, Gellerup etape 2",
        clauses=(
            ClauseSpec("K-001", "internship", "persons", target="1", responsible="Kærhøj Byg A/S",
                       months=(10, 16),
                       text="Under nedrivning og byggemodning etablerer hovedentreprenøren mindst "
                            "én virksomhedspraktik for ledige beboere fra Gellerup."),
        ),
    ),
    AgreementSpec(
        ref="PA-BB-2207-2", case_number="BB-2207", status="active",
        title="Social partnerskabsaftale, Helhedsplan Gellerup, etape 2",
        clauses=(
            ClauseSpec("K-002", "apprenticeship", "apprentice_years",
                       basis="craft_cost", rate="0.025",
                       text="Der beskæftiges lærlinge og elever svarende til 0,025 elevårsværk pr. "
                            "mio. kr. i håndværkerudgift i hele byggeperioden."),
            ClauseSpec("K-003", "internship", "persons", target="12", responsible="Kærhøj Byg A/S",
                       text="Hovedentreprenøren stiller mindst 12 virksomhedspraktikker til "
                            "rådighed for ledige beboere fra boligområdet."),
            ClauseSpec("K-004", "wage_subsidy", "weeks", target="150",
                       text="Entreprenørerne på sagen beskæftiger tilsammen beboere i løntilskud "
                            "svarende til mindst 150 uger."),
        ),
        with_education_provider=True,
    ),
    AgreementSpec(
        ref="PA-BB-2311-1", case_number="BB-2311", status="active",
        title="Partnerskabsaftale om byrum og stiforbindelser, Gellerup",
        clauses=(
            ClauseSpec("K-005", "any", "persons", target="6",
                       text="Mindst 6 ledige beboere får et forløb (praktik, løntilskud, læreplads "
                            "eller ordinært job) på byrumsprojektet."),
        ),
    ),
    AgreementSpec(
        ref="PA-OJB-0412-1", case_number="OJB-0412", status="active",
        title="Social partnerskabsaftale, Bispehaven etape 1",
        clauses=(
            ClauseSpec("K-006", "any", "percent_hours", target="10", responsible="Kærhøj Byg A/S",
                       text="Mindst 10 % af de samlede timer på byggepladsen udføres af lokalt "
                            "ansatte beboere i praktik, løntilskud, læreplads eller job."),
            ClauseSpec("K-007", "ordinary_job", "persons", target="4",
                       text="Mindst 4 beboere ansættes i ordinære job hos entreprenørerne."),
            ClauseSpec("K-008", "apprenticeship", "hours", target="3500",
                       responsible="Kærhøj Byg A/S",
                       text="Hovedentreprenøren beskæftiger lærlinge i mindst 3.500 timer."),
        ),
    ),
    AgreementSpec(
        ref="PA-CIV-1187-1", case_number="CIV-1187", status="active",
        title="Partnerskabsaftale, Fremtidens Vollsmose – Bøgeparken",
        clauses=(
            ClauseSpec("K-009", "any", "hours", target="8000",
                       responsible="Fjordbyg Entreprise A/S",
                       text="Hovedentreprenøren beskæftiger lokale beboere i mindst 8.000 timer "
                            "fordelt på praktik, løntilskud, læreplads og job."),
            ClauseSpec("K-010", "apprenticeship", "apprentice_years",
                       basis="contract_sum", rate="0.02",
                       text="Der beskæftiges lærlinge svarende til 0,02 elevårsværk pr. mio. kr. "
                            "af entreprisesummen."),
        ),
        with_education_provider=True,
    ),
    AgreementSpec(
        ref="PA-FSB-0935-1", case_number="FSB-0935", status="draft",
        title="Udkast: social partnerskabsaftale, Tingbjerg",
        clauses=(
            ClauseSpec("K-011", "any", "percent_hours", target="14",
                       text="Som Landsbyggefonden kræver, udføres mindst 14 % af arbejdstimerne af "
                            "personer under uddannelse eller i beskæftigelsesrettede forløb."),
            ClauseSpec("K-012", "internship", "persons", target="8",
                       responsible="Valbyhøj Totalentreprise A/S",
                       text="Hovedentreprenøren etablerer mindst 8 virksomhedspraktikker for "
                            "ledige beboere fra Tingbjerg."),
        ),
    ),
    AgreementSpec(
        ref="PA-HB-1120-1", case_number="HB-1120", status="active",
        title="Partnerskabsaftale, Kildeparken i Aalborg Øst",
        clauses=(
            ClauseSpec("K-013", "wage_subsidy", "weeks", target="80",
                       text="Entreprenørerne på sagen beskæftiger beboere i løntilskud i mindst "
                            "80 uger."),
            ClauseSpec("K-014", "any", "persons", target="10", frequency="monthly",
                       text="Mindst 10 beboere fra Aalborg Øst får et forløb på byggesagen. "
                            "Der indberettes månedligt."),
        ),
    ),
]

# Each party's role, contributions (bidrag) and benefits (udbytte), by organisation kind.
PARTY_TEXTS = {
    "builder": ("Bygherre", [
        "Stiller krav om sociale klausuler i udbud og kontrakt",
        "Finansierer en byggepladskoordinator 20 timer om ugen",
    ], [
        "Flere beboere i job og uddannelse",
        "Bedre forankring af renoveringen i boligområdet",
    ]),
    "contractor": ("Hovedentreprenør", [
        "Stiller praktik-, løntilskuds- og lærepladser til rådighed",
        "Udpeger en fast kontaktperson på byggepladsen",
        "Indberetter kvartalsvis timer og personer",
    ], [
        "Adgang til motiveret lokal arbejdskraft",
        "Opfyldelse af kontraktens sociale klausuler",
    ]),
    "municipality": ("Kommune (jobcenter)", [
        "Visiterer ledige beboere og bevilger praktik og løntilskud",
        "Afholder sikkerhedskursus og opkvalificering før opstart",
    ], [
        "Flere borgere fra offentlig forsørgelse til selvforsørgelse",
        "Tættere samarbejde med virksomhederne i byggeriet",
    ]),
    "secretariat": ("Boligsocialt sekretariat (koordinator)", [
        "Rekrutterer og forbereder beboere til forløbene",
        "Følger op på forløbene og dokumenterer effekten",
    ], [
        "Konkrete jobåbninger til områdets beboere",
        "Data til den årlige evaluering",
    ]),
    "education": ("Erhvervsskole", [
        "Indgår uddannelsesaftaler og tilrettelægger skoleforløb for lærlinge",
        "Vejleder om voksenlærlingeordningen",
    ], [
        "Flere praktikpladser til skolens elever",
    ]),
}

# Clauses with contractor reports, and the status of their latest quarter.
REPORTED_CLAUSES = {
    "K-002": "submitted",
    "K-003": "submitted",
    "K-004": "approved",
    "K-005": "approved",
    "K-006": "returned",
    "K-009": "approved",
}
# Its second-latest quarter was returned and corrected (report_version 2).
CORRECTED_CLAUSE = "K-009"
RETURN_NOTE = "Timetallet stemmer ikke med de vedlagte timesedler. Ret venligst og indsend igen."

# --- Participants and pathways ---------------------------------------------------------

# name, gender, housing area, grew up in Denmark (no Danish-language score)
PARTICIPANTS = [
    ("Amina Hassan Ali", "f", "Gellerup", False),
    ("Mohamed Abdi Warsame", "m", "Gellerup", False),
    ("Yusuf Demir", "m", "Gellerup", False),
    ("Fatima Al-Khatib", "f", "Gellerup", False),
    ("Ahmad Rahimi", "m", "Gellerup", False),
    ("Jonas Kristensen", "m", "Gellerup", True),
    ("Hodan Farah", "f", "Gellerup", False),
    ("Bilal Hussein", "m", "Gellerup", False),
    ("Layla Ibrahim", "f", "Gellerup", False),
    ("Kasper Nørgaard", "m", "Gellerup", True),
    ("Omar Jaber", "m", "Gellerup", False),
    ("Sara Mikkelsen", "f", "Gellerup", True),
    ("Mehmet Yilmaz", "m", "Bispehaven", False),
    ("Nour El-Sayed", "f", "Bispehaven", False),
    ("Mustafa Osman", "m", "Bispehaven", False),
    ("Louise Andersen", "f", "Bispehaven", True),
    ("Ali Reza Mohammadi", "m", "Bispehaven", False),
    ("Hamza Ahmed", "m", "Bispehaven", False),
    ("Mette Thomsen", "f", "Bispehaven", True),
    ("Robel Tesfaye", "m", "Bispehaven", False),
    ("Abdullahi Mohamud", "m", "Vollsmose", False),
    ("Zainab Mahmoud", "f", "Vollsmose", False),
    ("Emre Kaya", "m", "Vollsmose", False),
    ("Mikkel Rasmussen", "m", "Vollsmose", True),
    ("Hiba Saleh", "f", "Vollsmose", False),
    ("Khalid Nasser", "m", "Vollsmose", False),
    ("Anne Marie Holm", "f", "Vollsmose", True),
    ("Sam Lund", "x", "Vollsmose", True),
    ("Ibrahim Diallo", "m", "Tingbjerg", False),
    ("Aisha Khan", "f", "Tingbjerg", False),
    ("Tariq Butt", "m", "Tingbjerg", False),
    ("Frederik Dahl", "m", "Tingbjerg", True),
    ("Rania Haddad", "f", "Tingbjerg", False),
    ("Kim Esbensen", "x", "Tingbjerg", True),
    ("Nasra Yusuf", "f", "Aalborg Øst", False),
    ("Daniel Pedersen", "m", "Aalborg Øst", True),
    ("Ahmed Karimi", "m", "Aalborg Øst", False),
    ("Dilan Aydin", "f", "Aalborg Øst", False),
    ("Mads Sørensen", "m", "Aalborg Øst", True),
    ("Sahra Abdi", "f", "Aalborg Øst", False),
]
# Pathways (kinds in order) and how many participants follow each: 40 people, 80 placements.
PATHWAY_MIX = [
    (("internship", "wage_subsidy", "ordinary_job"), 9),
    (("internship", "wage_subsidy", "apprenticeship"), 4),
    (("internship", "ordinary_job"), 7),
    (("wage_subsidy", "ordinary_job"), 4),
    (("internship", "apprenticeship"), 3),
    (("apprenticeship",), 2),
    (("internship",), 11),
]
# How each single-internship pathway stands today: still running, or its outcome.
SINGLE_INTERNSHIP_ENDINGS = [
    "running", "running", "running", "ordinary_job", "ordinary_job", "education",
    "education", "unemployed", "unemployed", "dropped_out", "dropped_out",
]
BENEFITS_BY_WEIGHT = (
    ["kontanthjaelp"] * 6 + ["dagpenge"] * 3
    + ["sygedagpenge", "jobafklaring", "ressourceforloeb", "ledighedsydelse", "none", "other"]
)
CONSENT_SCOPE = ("Deling af oplysninger om forløb, fremmøde og opfølgning mellem sekretariatet, "
                 "jobcentret og arbejdsgiveren i op til 2 år efter sidste forløb.")
FOLLOW_UP_NOTES = {
    "employed": "Telefonisk opfølgning: er fortsat i job.",
    "education": "Telefonisk opfølgning: er i gang med uddannelse.",
    "unemployed": "Opfølgning via jobcentret: er ledig igen og tilbydes nyt forløb.",
    "unknown": "Ikke truffet trods tre forsøg.",
}
ASSESSMENT_NOTES = [
    "Indledende samtale ved opstart. Motiveret, men usikker på arbejdsgangen på en byggeplads.",
    "Godt fremmøde. Har fået mere ansvar og samarbejder godt med kollegerne.",
    "Arbejder mere selvstændigt. Mentor oplever tydelig faglig udvikling.",
    "Stabil i hverdagen. Har selv taget kontakt til mulige arbejdsgivere.",
    "Fortsat fremgang. Drøfter uddannelse som voksenlærling.",
]

# --- Evaluations and users -------------------------------------------------------------

# agreement ref, years before this year, findings, promoting, hindering,
# actions: (description, owner, due in days from today, done days before today or None)
EVALUATIONS = [
    ("PA-BB-2207-2", 1,
     "Praktikforløbene har ført flere beboere videre til løntilskud, læreplads og ordinært "
     "job. Forløbene fungerer bedst, når der er en fast mentor på pladsen.",
     "Fast kontaktperson hos hovedentreprenøren; korte veje mellem byggeleder og jobcenter; "
     "sikkerhedskursus før opstart.",
     "Perioder uden egnede opgaver under råhusfasen; sprogbarrierer i sikkerhedsinstruktionen.",
     [("Ugentligt møde mellem byggeledelsen og jobcentret om kommende praktikpladser",
       "Byggeledelsen, Kærhøj Byg A/S", -45, 60),
      ("Sikkerhedsinstruktion på let dansk med billeder",
       "Sekretariatet for Sociale Partnerskaber", 30, None),
      ("Mentorordning for lærlinge med fast mentor fra hvert fag",
       "Jobcenter Aarhus", 90, None)]),
    ("PA-OJB-0412-1", 1,
     "Andelen af lokale timer lå under målet i første halvår, men steg efter at "
     "malerentreprisen kom i gang.",
     "Malerfirmaets erfaring med løntilskud; fælles opstartsdag for nye beboere.",
     "Sen indberetning fra underentreprenører gjorde det svært at følge op løbende.",
     [("Frist for kvartalsindberetning skrives ind i underentreprisekontrakterne",
       "Østjysk Bolig", -20, 25),
      ("Opfølgningsmøde om timeandelen hver måned i byggeudvalget",
       "Sekretariatet for Sociale Partnerskaber", 45, None)]),
]

# role, e-mail, password, name, organisation (by name)
DEMO_USERS = [
    ("admin", "admin@demo.dk", "Demo-admin-2026!", "Mette Kjær", None),
    ("staff", "staff@demo.dk", "Demo-staff-2026!", "Jonas Holm", None),
    ("contractor", "contractor@demo.dk", "Demo-contractor-2026!", "Lone Bak", "Kærhøj Byg A/S"),
    ("builder", "builder@demo.dk", "Demo-builder-2026!", "Søren Vestergaard",
     "Brabrand Boligforening"),
    ("municipality", "municipality@demo.dk", "Demo-municipality-2026!", "Fatima El-Amin",
     "Aarhus Kommune"),
]

SHORTEST_WEEKS = {"internship": 4, "wage_subsidy": 13, "apprenticeship": 156, "ordinary_job": 0}
MILLION = Decimal(1_000_000)
CENT = Decimal("0.01")
FOLLOW_UP_GRACE = timedelta(days=21)  # follow-ups that fell due recently stay on the work list
STATUS_DURING = {"ordinary_job": "employed", "wage_subsidy": "employed",
                 "apprenticeship": "education", "internship": "unemployed"}
STATUS_AFTER = {"ordinary_job": "employed", "education": "education", "unemployed": "unemployed",
                "dropped_out": "unemployed", "other": "unknown", "next_placement": "unknown"}
ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", " ": ".", "-": ""})


# --- Plans: what the demo contains, drawn before anything is written -------------------


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


def _months_from(day: date, months: int) -> date:
    """The same day `months` calendar months later (or earlier), clamped to the month's end."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


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
        elif ending not in (None, "running"):
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


# --- Writing: each function looks its rows up by natural key and adds what is missing --


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


def seed_agreements(orgs: dict[str, Organisation], projects: dict[str, Project]
                    ) -> dict[str, Clause]:
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
                    start = _months_from(project.start_date, c.months[0])
                    end = _months_from(project.start_date, c.months[1]) - timedelta(days=1)
                clause = Clause(
                    ref=c.ref, agreement=agreement, kind=c.kind, unit=c.unit,
                    target=_clause_target(c, project), target_basis=c.basis,
                    target_rate=Decimal(c.rate) if c.rate else None,
                    responsible_contractor=orgs[c.responsible] if c.responsible else None,
                    start_date=start, end_date=end, frequency=c.frequency, text=c.text,
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
            problem = password_problem(password)
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
    """Calendar quarters from the one holding `first`, ending by `last` and before today;
    the first period starts on `first`."""
    periods = []
    start = date(first.year, 3 * ((first.month - 1) // 3) + 1, 1)
    while True:
        end = _months_from(start, 3) - timedelta(days=1)
        if end >= today or end > last:
            return periods
        periods.append((max(start, first), end))
        start = end + timedelta(days=1)


def _registered(clause: Clause, periods: list[tuple[date, date]]
                ) -> list[tuple[int, Decimal, Decimal]]:
    """Persons, weeks and hours of the placements counting toward the clause in each period
    (DESIGN §4)."""
    sums = window_sums([Window(i, clause.id, start, end) for i, (start, end) in enumerate(periods)])
    return [(sums[i]["persons"], as_decimal(registered("weeks", sums[i])),
             as_decimal(registered("hours", sums[i]))) for i in range(len(periods))]


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=timezone.utc)


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
    """3/6/12-month follow-ups after placements that ended a pathway or led into a job or
    an apprenticeship, when their date has passed (the most recent are left due)."""
    refs = [p.ref for plan in people for p in plan.placements]
    ended = db.session.scalars(
        select(Placement).where(Placement.ref.in_(refs), Placement.end_date.is_not(None))
        .order_by(Placement.ref)).all()
    for placement in ended:
        following = placement.next_placement
        if following is not None and following.kind not in ("ordinary_job", "apprenticeship"):
            continue
        done = {f.months for f in db.session.scalars(
            select(FollowUp).where(FollowUp.placement_id == placement.id))}
        siblings = db.session.scalars(select(Placement).where(
            Placement.participant_id == placement.participant_id)).all()
        for months in FOLLOW_UP_MONTHS:
            due = _months_from(placement.end_date, months)
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
    clauses = seed_agreements(orgs, projects)
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
