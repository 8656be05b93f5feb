"""A deterministic national-scale data set (DESIGN §7), loaded by bulk inserts.

98 municipalities (the real kommunekoder), about 300 housing areas, 2,000 building
projects of very different sizes, 20,000 participants, 100,000 placements in pathways of
1–4 steps, contractor reports, follow-ups, progress assessments, evaluations and one
user per role. The same seed and `--today` always give the same rows.

    .venv/bin/python bench/generate.py --database-url sqlite:///bench/out/national.db
    .venv/bin/python bench/generate.py --database-url postgresql://postgres@127.0.0.1:5432/bench

The database must be empty (it is migrated first). `--scale 0.1` makes a tenth.
Users (password for all: see BENCH_PASSWORD): staff@bench.dk, admin@bench.dk,
builder@bench.dk, contractor@bench.dk, municipality@bench.dk.
"""
import argparse
import csv
import math
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402

from tracker import create_app  # noqa: E402
from tracker.auth.passwords import hash_password  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import (  # noqa: E402
    Agreement,
    AgreementParty,
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
    ReportObligation,
    User,
)
from tracker.models.codes import DIMENSIONS  # noqa: E402
from tracker.models.participants import PSEUDONYM_ALPHABET, PSEUDONYM_LENGTH  # noqa: E402
from tracker.participants import pending  # noqa: E402
from tracker.reporting import obligations  # noqa: E402
from tracker.validation import CVR_WEIGHTS  # noqa: E402

BENCH_PASSWORD = "Bench-password-2026"
BATCH = 5000
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

FIRST_NAMES = (
    "Mette Anne Kirsten Hanne Helle Susanne Lene Camilla Maria Sofie Emma Ida Freja Amalie Laura "
    "Amina Fatima Aisha Leila Zainab Hodan Sara Yasmin Mariam Nour Huda Samira Ayan "
    "Peter Michael Lars Jens Thomas Henrik Søren Martin Jesper Anders Mads Kasper Rasmus Mikkel "
    "Mohammed Ahmed Ali Hassan Omar Yusuf Ibrahim Abdi Khalid Mustafa Hamza Bilal Tariq Emre "
    "Mehmet Murat Karim Jamal Daniel Jonas Frederik Oliver Lucas William Noah Emil Magnus"
).split()
LAST_NAMES = (
    "Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen "
    "Petersen Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen Møller Mortensen "
    "Hassan Ali Ahmed Mohamed Yusuf Abdi Farah Omar Khalil Haddad Yilmaz Demir Kaya Şahin "
    "Hussein Ibrahim Warsame Nur Karimi Rahimi Hosseini Nguyen Tran Kovač Horvat Novak"
).split()
AREA_SUFFIXES = ("Vest", "Øst", "Nord", "Syd", "Parken", "Vænget", "Gården", "Højen")
FIRM_WORDS = ("Murer", "Tømrer", "Byg", "Entreprise", "Maler", "VVS", "El", "Anlæg", "Stillads",
              "Renovering", "Tag", "Beton", "Facade", "Installation")
FIRM_PLACES = ("Jysk", "Fynsk", "Sjællands", "Nord", "Syd", "Øst", "Vest", "Midt", "Kyst",
               "Fjord", "Skov", "Bakke", "Å", "Sø", "Hede", "Klit", "By", "Land")
TRADES = ("murer", "tømrer", "maler", "VVS", "elektriker", "anlægsgartner", "stilladsmontør",
          "betonarbejder", "tagdækker")
BENEFIT_WEIGHTS = (  # benefit_groups ids seeded by migration 0001, with weights
    (1, 10), (2, 40), (3, 12), (4, 10), (5, 6), (6, 4), (7, 4), (8, 2), (9, 8), (10, 4))
DURATION_WEEKS = {"internship": (4, 13), "wage_subsidy": (13, 26), "apprenticeship": (104, 208),
                  "ordinary_job": (26, 104)}
NEXT_KIND = {"internship": ("wage_subsidy", "ordinary_job", "apprenticeship"),
             "wage_subsidy": ("ordinary_job", "apprenticeship", "wage_subsidy"),
             "apprenticeship": ("ordinary_job",), "ordinary_job": ()}


def valid_cvrs(start: int, taken: set[str]):
    """Modulus-11-valid CVR numbers from `start` upwards, skipping those taken."""
    n = start
    while True:
        digits = f"{n:08d}"
        if digits not in taken and sum(int(d) * w for d, w in zip(digits, CVR_WEIGHTS)) % 11 == 0:
            yield digits
        n += 1


class Generator:
    """Builds the rows of every table in memory (plain dicts with explicit ids)."""

    def __init__(self, seed: int, scale: float, today: date):
        self.rng = random.Random(seed)
        # Pseudonyms come from their own stream, so the rest of the data set stays as it was.
        self.pseudonym_rng = random.Random(f"{seed}-pseudonyms")
        self.scale = scale
        self.today = today
        self.rows: dict[str, list[dict]] = {}

    def n(self, full: int) -> int:
        return max(1, round(full * self.scale))

    def add(self, table: str, row: dict) -> int:
        rows = self.rows.setdefault(table, [])
        row["id"] = len(rows) + 1
        rows.append(row)
        return row["id"]

    def stamped(self, row: dict) -> dict:
        return row | {"created_at": NOW, "updated_at": NOW, "version": 1}

    # --- organisations and places -------------------------------------------------------

    def organisations(self) -> None:
        path = Path(__file__).resolve().parent.parent / "tracker" / "reference" / "municipalities.csv"
        with path.open(encoding="utf-8") as fh:
            municipalities = list(csv.DictReader(fh))
        taken = {m["cvr"] for m in municipalities if m["cvr"]}
        cvrs = valid_cvrs(20_000_000, taken)
        self.municipalities = []
        for m in municipalities:
            self.municipalities.append(self.add("organisations", self.stamped({
                "name": f"{m['name']} Kommune", "kind": "municipality",
                "cvr": m["cvr"] or next(cvrs), "municipality_code": m["kommunekode"],
                "email": None, "is_active": True})))
        # Bigger cities build more: weight by a rough size (the four large ones first).
        big = {"101": 12, "751": 8, "461": 5, "851": 5}
        self.municipality_weight = [big.get(m["kommunekode"], 1) for m in municipalities]
        self.add("organisations", self.stamped({
            "name": "Landssekretariatet for Sociale Partnerskaber", "kind": "secretariat",
            "cvr": next(cvrs), "municipality_code": None, "email": None, "is_active": True}))
        self.builders = [self.add("organisations", self.stamped({
            "name": f"Boligforeningen {self.rng.choice(FIRM_PLACES)}bo {i + 1}", "kind": "builder",
            "cvr": next(cvrs), "municipality_code": None, "email": None, "is_active": True}))
            for i in range(self.n(60))]
        self.contractors = [self.add("organisations", self.stamped({
            "name": f"{self.rng.choice(FIRM_PLACES)} {self.rng.choice(FIRM_WORDS)} "
                    f"{i + 1} {self.rng.choice(('A/S', 'ApS'))}",
            "kind": "contractor", "cvr": next(cvrs), "municipality_code": None,
            "email": f"indberetning{i + 1}@firma.example", "is_active": True}))
            for i in range(self.n(400))]
        for i in range(5):
            self.add("organisations", self.stamped({
                "name": f"Erhvervsskole {i + 1}", "kind": "education", "cvr": next(cvrs),
                "municipality_code": None, "email": None, "is_active": True}))
        self.area_municipality: dict[int, int] = {}
        self.areas_of: dict[int, list[int]] = {}
        for org_id, m in zip(self.municipalities, municipalities):
            for suffix in self.rng.sample(AREA_SUFFIXES, 3):
                area = self.add("housing_areas", self.stamped({
                    "name": f"{m['name']} {suffix}", "municipality_id": org_id,
                    "is_active": True}))
                self.area_municipality[area] = org_id
                self.areas_of.setdefault(org_id, []).append(area)

    # --- projects, agreements, clauses ----------------------------------------------------

    def projects(self) -> None:
        self.project_rows = []
        for i in range(self.n(2000)):
            municipality = self.rng.choices(self.municipalities, self.municipality_weight)[0]
            area = self.rng.choice(self.areas_of[municipality])
            start = date(2022, 1, 1) + timedelta(days=self.rng.randrange(0, 1700))
            end = start + timedelta(days=self.rng.randrange(365, 1460))
            contract_sum = Decimal(round(math.exp(self.rng.gauss(18.3, 0.8)), -3))
            status = "planned" if start > self.today else ("completed" if end < self.today
                                                            else "active")
            project_id = self.add("projects", self.stamped({
                "case_number": f"NS-{i + 1:05d}", "name": f"Helhedsplan, etape {i % 4 + 1}",
                "housing_area_id": area, "builder_id": self.rng.choice(self.builders),
                "start_date": start, "end_date": end, "contract_sum": contract_sum,
                "craft_cost": (contract_sum * Decimal("0.6")).quantize(Decimal(1)),
                "status": status}))
            firms = self.rng.sample(self.contractors, min(len(self.contractors), self.rng.randint(2, 8)))
            for j, firm in enumerate(firms):
                self.add("project_contractors", self.stamped({
                    "project_id": project_id, "contractor_id": firm,
                    "role": "main" if j == 0 else "sub"}))
            self.project_rows.append((project_id, municipality, start, end, firms, contract_sum))
        # Projects per municipality, for placing residents near home.
        self.projects_of: dict[int, list[tuple]] = {}
        for row in self.project_rows:
            self.projects_of.setdefault(row[1], []).append(row)

    def agreements(self) -> None:
        self.clauses_of: dict[int, list[tuple]] = {}
        clause_no = 0
        for project_id, municipality, start, end, firms, contract_sum in self.project_rows:
            agreement = self.add("agreements", self.stamped({
                "ref": f"PA-{project_id:05d}", "project_id": project_id,
                "title": "Social partnerskabsaftale", "signed_on": start,
                "status": "closed" if end < self.today else "active", "signed_file_id": None}))
            builder = self.rows["projects"][project_id - 1]["builder_id"]
            for org, role in ((builder, "Bygherre"), (firms[0], "Hovedentreprenør"),
                              (municipality, "Jobcenter")):
                self.add("agreement_parties", self.stamped({
                    "agreement_id": agreement, "organisation_id": org, "role": role,
                    "contributions": ["Praktikpladser", "Opfølgning"],
                    "benefits": ["Lokal arbejdskraft"]}))
            specs = [("any", "persons", None, Decimal(self.rng.randint(4, 30)), None, None),
                     ("internship", "weeks", firms[0], Decimal(self.rng.randint(20, 200)), None, None),
                     ("apprenticeship", "apprentice_years", None,
                      max(Decimal("0.5"), (contract_sum / 10_000_000).quantize(Decimal("0.01"))),
                      "contract_sum", Decimal("0.1"))]
            if project_id % 5 == 0:
                specs.append(("any", "percent_hours", None, Decimal(14), None, None))
            if project_id % 3 == 0:
                specs.append(("wage_subsidy", "hours", firms[0],
                              Decimal(self.rng.randint(500, 5000)), None, None))
            for kind, unit, firm, target, basis, rate in specs:
                clause_no += 1
                clause = self.add("clauses", self.stamped({
                    "ref": f"K-{clause_no:06d}", "agreement_id": agreement, "kind": kind,
                    "unit": unit, "target": target, "target_basis": basis, "target_rate": rate,
                    "responsible_contractor_id": firm, "start_date": None, "end_date": None,
                    "frequency": "quarterly", "text": "Entreprenøren forpligter sig til ..."}))
                self.clauses_of.setdefault(project_id, []).append((clause, kind, unit, firm))

    # --- people ----------------------------------------------------------------------------

    def pseudonym(self, taken: set[str]) -> str:
        """A pseudonym as the app draws them (random, unique), from the seeded stream."""
        while True:
            candidate = "P-" + "".join(self.pseudonym_rng.choice(PSEUDONYM_ALPHABET)
                                       for _ in range(PSEUDONYM_LENGTH))
            if candidate not in taken:
                taken.add(candidate)
                return candidate

    def participants(self) -> None:
        self.participant_rows = []
        pseudonyms: set[str] = set()
        benefit_ids, weights = zip(*BENEFIT_WEIGHTS)
        for i in range(self.n(20000)):
            municipality = self.rng.choices(self.municipalities, self.municipality_weight)[0]
            first = date(2022, 1, 1)
            intake = first + timedelta(days=self.rng.randrange(0, (self.today - first).days))
            pid = self.add("participants", self.stamped({
                "ref": f"D-{i + 1:06d}", "pseudonym": self.pseudonym(pseudonyms),
                "name": f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}",
                "email": None, "phone": None, "birth_year": self.rng.randint(1965, 2006),
                "gender": self.rng.choices("fmx", (48, 50, 2))[0],
                "housing_area_id": self.rng.choice(self.areas_of[municipality]),
                "municipality_id": municipality,
                "benefit_group_id": self.rng.choices(benefit_ids, weights)[0],
                "readiness": self.rng.choice(("job_ready", "activity_ready", None)),
                "months_unemployed": self.rng.randint(0, 60),
                "education_level": self.rng.choice(("primary", "upper_secondary", "vocational",
                                                    "higher", "foreign", "unknown")),
                "intake_date": intake, "consent_date": intake,
                "consent_scope": "Deling af oplysninger om forløb med jobcentret.",
                "consent_file_id": None, "anonymised_at": None}))
            self.participant_rows.append((pid, municipality, intake))

    def placements(self) -> None:
        target = self.n(100_000)
        self.ended = []
        count = 0
        # Some projects are far larger than others (a long tail): weight by a Pareto draw.
        project_weight = {row[0]: self.rng.paretovariate(1.2) for row in self.project_rows}
        largest = max(project_weight, key=project_weight.get)
        project_weight[largest] *= 40  # one very large case, as national data has
        weighted = {m: ([p for p in rows], [project_weight[p[0]] for p in rows])
                    for m, rows in self.projects_of.items()}
        all_projects = (self.project_rows, [project_weight[p[0]] for p in self.project_rows])
        while count < target:
            for pid, municipality, intake in self.participant_rows:
                if count >= target:
                    break
                rows, weights = weighted.get(municipality, all_projects)
                project = self.rng.choices(rows, weights)[0]
                count += self._pathway(pid, project, intake, target - count)

    def _pathway(self, pid: int, project: tuple, intake: date, room: int) -> int:
        project_id, _m, p_start, p_end, firms, _sum = project
        start = max(intake, p_start) + timedelta(days=self.rng.randrange(0, 120))
        # A later pathway of the same person starts after the previous one.
        start = max(start, self._free_from.get(pid, start))
        kind, previous, made = "internship", None, 0
        employer = self.rng.choice(firms)
        for step in range(self.rng.choices((1, 2, 3, 4), (25, 35, 28, 12))[0]):
            if start > self.today or made >= room:
                break
            low, high = DURATION_WEEKS[kind]
            planned_end = start + timedelta(weeks=self.rng.randint(low, high)) - timedelta(days=1)
            ended = planned_end < self.today and self.rng.random() < 0.9
            end = planned_end if ended else None
            last = step == 3 or not NEXT_KIND[kind]
            if ended:
                outcome = ("next_placement" if not last and self.rng.random() < 0.75 else
                           self.rng.choices(("ordinary_job", "education", "unemployed",
                                             "dropped_out"), (35, 15, 35, 15))[0])
            else:
                outcome = None
            placement = self.add("placements", self.stamped({
                "ref": f"F-{len(self.rows.get('placements', [])) + 1:07d}", "participant_id": pid,
                "kind": kind, "employer_id": employer, "project_id": project_id,
                "trade": self.rng.choice(TRADES), "start_date": start,
                "planned_end": None if kind == "ordinary_job" and self.rng.random() < 0.5
                else planned_end, "end_date": end,
                "hours_per_week": Decimal(37 if self.rng.random() < 0.8 else self.rng.randint(15, 32)),
                "outcome": outcome, "next_placement_id": None}))
            made += 1
            if previous is not None:
                self.rows["placements"][previous - 1]["next_placement_id"] = placement
            if ended:
                self.ended.append((placement, pid, end, outcome))
            if outcome != "next_placement":
                break
            previous, start = placement, end + timedelta(days=1)
            kind = self.rng.choice(NEXT_KIND[kind])
            employer = self.rng.choice(firms)
        self._free_from[pid] = start + timedelta(days=30)
        return made

    def follow_ups(self) -> None:
        status_after = {"ordinary_job": "employed", "education": "education",
                        "unemployed": "unemployed", "dropped_out": "unknown"}
        for placement, _pid, end, outcome in self.ended:
            if outcome == "next_placement":
                continue
            for months in (3, 6, 12):
                due = end + timedelta(days=round(months * 30.44))
                if due > self.today or self.rng.random() > 0.85:
                    continue
                status = status_after[outcome] if self.rng.random() < 0.75 else \
                    self.rng.choice(("employed", "education", "unemployed", "unknown"))
                self.add("follow_ups", self.stamped({
                    "placement_id": placement, "months": months, "status": status,
                    "follow_up_date": due, "note": ""}))

    def assessments(self) -> None:
        for pid, _m, intake in self.participant_rows:
            score = {d: self.rng.randint(2, 6) for d in DIMENSIONS}
            day = intake
            for _ in range(self.rng.choice((1, 2, 2, 3))):
                day = day + timedelta(days=self.rng.randint(30, 180))
                if day > self.today:
                    break
                self.add("progress_assessments", self.stamped(
                    {"participant_id": pid, "assessed_on": day, "note": ""} | score))
                score = {d: min(10, s + self.rng.choice((0, 1, 1, 2))) for d, s in score.items()}

    def reports(self) -> None:
        report_no = 0
        for project_id, _m, start, end, firms, _sum in self.project_rows:
            for clause, _kind, _unit, firm in self.clauses_of.get(project_id, []):
                quarter = date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
                while True:
                    q_end = date(quarter.year + quarter.month // 10,
                                 (quarter.month + 2) % 12 + 1, 1) - timedelta(days=1)
                    if q_end >= self.today or quarter > end:
                        break
                    report_no += 1
                    hours = Decimal(self.rng.randint(0, 2000))
                    status = self.rng.choices(("approved", "submitted", "returned"), (88, 8, 4))[0]
                    self.add("contractor_reports", self.stamped({
                        "ref": f"R-{report_no:07d}", "clause_id": clause,
                        "contractor_id": firm or firms[0],
                        "period_start": max(quarter, start), "period_end": min(q_end, end),
                        "report_version": 1, "persons": self.rng.randint(0, 12),
                        "weeks": Decimal(self.rng.randint(0, 60)), "hours": hours,
                        "site_hours": hours * Decimal(self.rng.randint(5, 12)), "comment": "",
                        "status": status, "submitted_by_id": None, "submitted_at": NOW,
                        "reviewed_by_id": None, "reviewed_at": None if status == "submitted" else NOW,
                        "review_note": "Timesedler mangler." if status == "returned" else None}))
                    quarter = q_end + timedelta(days=1)

    def evaluations(self) -> None:
        for agreement in self.rows["agreements"]:
            project = self.rows["projects"][agreement["project_id"] - 1]
            for year in range(project["start_date"].year, min(project["end_date"].year,
                                                              self.today.year - 1) + 1):
                evaluation = self.add("evaluations", self.stamped({
                    "agreement_id": agreement["id"], "year": year,
                    "findings": "Flere deltagere gik fra praktik til løntilskud.",
                    "promoting_factors": "Fast kontaktperson.", "hindering_factors": "Sprog."}))
                for n in range(2):
                    due = date(year + 1, 3 + n * 3, 1)
                    self.add("evaluation_actions", self.stamped({
                        "evaluation_id": evaluation, "description": "Opfølgning på fund",
                        "owner": "Sekretariatet", "due_date": due,
                        "done_on": due if due < self.today and self.rng.random() < 0.7 else None}))

    def users(self) -> None:
        password = hash_password(BENCH_PASSWORD)
        sizes: dict[int, int] = {}
        for row in self.rows["placements"]:
            sizes[row["project_id"]] = sizes.get(row["project_id"], 0) + 1
        largest = max(sizes, key=sizes.get)
        project = self.rows["projects"][largest - 1]
        firms = [r["contractor_id"] for r in self.rows["project_contractors"]
                 if r["project_id"] == largest]
        residents: dict[int, int] = {}
        for row in self.rows["participants"]:
            residents[row["municipality_id"]] = residents.get(row["municipality_id"], 0) + 1
        for role, org in (("admin", None), ("staff", None), ("builder", project["builder_id"]),
                          ("contractor", firms[0]),
                          ("municipality", max(residents, key=residents.get))):
            self.add("users", self.stamped({
                "email": f"{role}@bench.dk", "name": f"Bench {role}", "password_hash": password,
                "role": role, "organisation_id": org, "active": True, "locale": None,
                "last_login_at": None}))
        self.largest_project = project["case_number"]

    def build(self) -> None:
        self._free_from: dict[int, date] = {}
        for step in (self.organisations, self.projects, self.agreements, self.participants,
                     self.placements, self.follow_ups, self.assessments, self.reports,
                     self.evaluations, self.users):
            step()


TABLE_ORDER = (
    Organisation, HousingArea, Project, ProjectContractor, Agreement, AgreementParty, Clause,
    Participant, Placement, FollowUp, ProgressAssessment, ContractorReport, Evaluation,
    EvaluationAction, User,
)


def load(generator: Generator) -> dict[str, int]:
    """Insert every table in batches; placements' next links are set after all exist."""
    counts = {}
    conn = db.session.connection()
    for model in TABLE_ORDER:
        table = model.__table__
        rows = generator.rows.get(table.name, [])
        links = []
        if table.name == "placements":
            links = [(r["id"], r["next_placement_id"]) for r in rows if r["next_placement_id"]]
            rows = [r | {"next_placement_id": None} for r in rows]
        for i in range(0, len(rows), BATCH):
            conn.execute(insert(table), rows[i:i + BATCH])
        for i in range(0, len(links), BATCH):
            conn.execute(table.update().where(table.c.id == db.bindparam("pid"))
                         .values(next_placement_id=db.bindparam("nid")),
                         [{"pid": a, "nid": b} for a, b in links[i:i + BATCH]])
        counts[table.name] = len(rows)
        if conn.dialect.name == "postgresql" and rows:
            conn.execute(text(f"SELECT setval('{table.name}_id_seq', {len(rows)})"))
    return counts


def absolute_sqlite(url: str) -> str:
    """Flask-SQLAlchemy reads a relative SQLite path from instance/; take it from here."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        return prefix + str(Path(url[len(prefix):]).resolve())
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        required=not os.environ.get("DATABASE_URL"))
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 24))
    args = parser.parse_args()
    app = create_app({"SQLALCHEMY_DATABASE_URI": absolute_sqlite(args.database_url),
                      "SECRET_KEY": "bench"})
    with app.app_context():
        from flask_migrate import upgrade

        started = time.perf_counter()
        upgrade()
        if db.session.scalar(select(func.count()).select_from(Organisation)):
            sys.exit("The database is not empty; give an empty one.")
        generator = Generator(args.seed, args.scale, args.today)
        generator.build()
        built = time.perf_counter()
        counts = load(generator)
        # The rows were written past the session: fill the reporting obligations and the
        # pending follow-ups as the commit of any change does.
        obligations.sync(db.session)
        pending.sync(db.session)
        db.session.commit()
        counts["report_obligations"] = db.session.scalar(
            select(func.count()).select_from(ReportObligation))
        # Planner statistics, as autovacuum (PostgreSQL) or a deployment's own ANALYZE would
        # gather them: without them PostgreSQL plans the fulfilment query 200 times slower.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
        loaded = time.perf_counter()
    print(f"built in memory in {built - started:.1f} s, loaded and analysed in "
          f"{loaded - built:.1f} s, "
          f"{loaded - started:.1f} s in all")
    for name, n in counts.items():
        print(f"  {name:<22} {n:>8,}")
    print(f"largest project: {generator.largest_project}; users *@bench.dk, "
          f"password {BENCH_PASSWORD}")
    print("command: " + " ".join([".venv/bin/python", "bench/generate.py", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
