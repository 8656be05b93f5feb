"""The demo data set's fixed content: organisations, projects, agreements and clauses,
residents and their pathways' shapes, evaluations and the demo users."""
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

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
    # Entered this many days before today: reports are owed from the period holding that
    # day. None: owed from the clause's first period.
    entered_days_ago: int | None = None


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
                       entered_days_ago=150,
                       text="Mindst 4 beboere ansættes i ordinære job hos entreprenørerne."),
            ClauseSpec("K-008", "apprenticeship", "hours", target="3500",
                       responsible="Kærhøj Byg A/S",
                       entered_days_ago=150,
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
                       entered_days_ago=120,
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
                       entered_days_ago=270,
                       text="Entreprenørerne på sagen beskæftiger beboere i løntilskud i mindst "
                            "80 uger."),
            ClauseSpec("K-014", "any", "persons", target="10", frequency="monthly",
                       entered_days_ago=90,
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
    "K-001": "approved",
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
# How each single-internship pathway stands today: still running, its outcome, or
# "not_closed": its planned end has passed and nobody has recorded how it ended.
SINGLE_INTERNSHIP_ENDINGS = [
    "running", "running", "not_closed", "ordinary_job", "ordinary_job", "education",
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

# role, e-mail, password, name, organisation (by name). A password may not contain the user's
# name or e-mail (tracker.auth.passwords), so none names its role.
DEMO_USERS = [
    ("admin", "admin@demo.dk", "Demo-Kalkmaling-2026!", "Mette Kjær", None),
    ("staff", "staff@demo.dk", "Demo-Vaterpas-2026!", "Jonas Holm", None),
    ("contractor", "contractor@demo.dk", "Demo-Murske-2026!", "Lone Bak", "Kærhøj Byg A/S"),
    ("builder", "builder@demo.dk", "Demo-Tagrende-2026!", "Søren Vestergaard",
     "Brabrand Boligforening"),
    ("municipality", "municipality@demo.dk", "Demo-Jobcenter-2026!", "Fatima El-Amin",
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
