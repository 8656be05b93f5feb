"""Benchmark of the workbook import (not a test): dry run, import, a second import of the
same workbook (nothing changes), an import with 12,000 changed rows (every 10th
participant's name and placement's hours) and the export, on SQLite and on PostgreSQL.

    .venv/bin/python bench/import_bench.py                 # both databases
    .venv/bin/python bench/import_bench.py --only sqlite
    .venv/bin/python bench/import_bench.py --regenerate    # write the workbook again

The workbook (bench/out/import_20k.xlsx) is generated deterministically from one seed:
~900 organisations (the 98 real municipalities), 300 housing areas, 2,000 projects with
3 contractors each, 2,000 agreements, 4,000 clauses, 20,000 participants, 100,000
placements (pathways of 5 linked steps) and 8,000 contractor reports — about 143,000 rows.
Each step runs in its own process (`import_bench.py step …`, shown with its exact
command), so the peak memory printed is that of the importing process alone
(resource.getrusage(RUSAGE_SELF).ru_maxrss). PostgreSQL gets a scratch database
(createdb/dropdb bench_import on 127.0.0.1, user postgres).
"""
import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
WORKBOOK = OUT / "import_20k.xlsx"
CHANGED = OUT / "import_20k_changed.xlsx"  # every 10th participant and placement changed
SEED = 2026
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_NAME = "bench_import"


# --- The workbook ------------------------------------------------------------------------

def _cvr(n: int) -> str:
    """The n-th fictitious CVR number passing the modulus-11 check."""
    from tracker.validation import cvr_is_valid

    number = 20_000_000 + n * 97
    while not cvr_is_valid(str(number)):
        number += 1
    return str(number)


def _quarters(start: date, end: date, count: int) -> list[tuple[date, date]]:
    """The first `count` calendar quarters of a period, the first starting at `start`."""
    periods, first = [], start
    while len(periods) < count and first <= end:
        month = (first.month - 1) // 3 * 3 + 4  # the first month of the next quarter
        year, month = (first.year + 1, month - 12) if month > 12 else (first.year, month)
        last = min(date(year, month, 1) - timedelta(days=1), end)
        periods.append((first, last))
        first = last + timedelta(days=1)
    return periods


def generate(path: Path, changed: bool = False) -> dict[str, int]:
    """Write the benchmark workbook; the same seed always gives the same cells. `changed`:
    the same workbook with every 10th participant's name and placement's hours changed."""
    from openpyxl import Workbook

    from tracker.imports.sheets import SHEETS
    from tracker.validation import municipalities

    rng = random.Random(SEED)
    sheets: dict[str, list[list]] = {s.name: [] for s in SHEETS}
    orgs = sheets["organisations"]
    munis = []
    serial = 0
    for code, row in sorted(municipalities().items()):
        serial += 1
        cvr = row["cvr"] or _cvr(serial)
        munis.append(cvr)
        orgs.append([cvr, f"{row['name']} Kommune", "municipality", code])
    builders, contractors = [], []
    for kind, count, word, bucket in (("builder", 150, "Boligforening", builders),
                                      ("contractor", 600, "Byg A/S", contractors),
                                      ("education", 20, "Erhvervsskole", None),
                                      ("other", 30, "Service ApS", None),
                                      ("secretariat", 1, "Sekretariat", None)):
        for i in range(1, count + 1):
            serial += 1
            cvr = _cvr(serial)
            orgs.append([cvr, f"{word} {i:03d}", kind, None])
            if bucket is not None:
                bucket.append(cvr)
    areas = []
    for i in range(300):
        name, muni = f"Boligområde {i + 1:03d}", munis[i % len(munis)]
        areas.append((name, muni))
        sheets["housing_areas"].append([name, muni])
    projects = []
    for i in range(2000):
        case = f"BS-{i + 1:04d}"
        start = date(2023, 1, 2) + timedelta(days=rng.randint(0, 900))
        end = start + timedelta(days=rng.randint(365, 1460))
        firms = rng.sample(contractors, 3)
        area = rng.choice(areas)
        projects.append((case, start, end, firms, area))
        amount = rng.randint(20, 500) * 1_000_000
        sheets["projects"].append([case, f"Renovering {i + 1:04d}", area[0], rng.choice(builders),
                                   start, end, amount, amount * 7 // 10])
        for j, firm in enumerate(firms):
            sheets["project_contractors"].append([case, firm, "main" if j == 0 else "sub"])
        sheets["agreements"].append([f"PA-{i + 1:04d}", case, f"Partnerskabsaftale {case}",
                                     start - timedelta(days=30), "active"])
        sheets["clauses"].append([f"K-{i + 1:04d}-1", f"PA-{i + 1:04d}", "internship",
                                  "persons", rng.randint(4, 20), firms[0], None, None,
                                  "quarterly", "Virksomhedspraktik for ledige beboere."])
        sheets["clauses"].append([f"K-{i + 1:04d}-2", f"PA-{i + 1:04d}", "any",
                                  "percent_hours", 10, None, None, None, "quarterly", None])
        for n, (p_start, p_end) in enumerate(_quarters(start, end, 2), start=1):
            sheets["contractor_reports"].append([
                f"R-{i + 1:04d}-1-{n}", f"K-{i + 1:04d}-1", firms[0], p_start, p_end,
                rng.randint(0, 6), None, None, None, "approved"])
            hours = rng.randint(0, 2000)
            sheets["contractor_reports"].append([
                f"R-{i + 1:04d}-2-{n}", f"K-{i + 1:04d}-2", firms[0], p_start, p_end, None,
                None, hours, hours * rng.randint(8, 15), "submitted"])
    benefits = ["kontanthjaelp", "dagpenge", "uddannelseshjaelp", "integrationsydelse",
                "sygedagpenge", "none"]
    kinds = ("internship", "wage_subsidy", "internship", "apprenticeship", "ordinary_job")
    placement = 0
    for i in range(20000):
        ref = f"D-{i + 1:05d}"
        case, p_start, p_end, firms, (area, muni) = rng.choice(projects)
        intake = p_start + timedelta(days=rng.randint(0, 60))
        sheets["participants"].append([ref, f"Deltager {i + 1:05d}", rng.randint(1960, 2005),
                                       rng.choice("fmx"), area, muni, rng.choice(benefits),
                                       intake, intake])
        start = intake + timedelta(days=14)
        for step, kind in enumerate(kinds):
            placement += 1
            planned = start + timedelta(weeks=8) - timedelta(days=3)
            last = step == len(kinds) - 1
            sheets["placements"].append([
                f"F-{placement:06d}", ref, kind, rng.choice(firms), case,
                rng.choice(("murer", "tømrer", "maler", "VVS", "elektriker")), start,
                planned, None if last else planned, rng.choice((37, 37, 30)),
                None if last else "next_placement",
                None if last else f"F-{placement + 1:06d}"])
            start = planned + timedelta(days=3)

    if changed:
        for row in sheets["participants"][::10]:
            row[1] += " Jensen"
        for row in sheets["placements"][::10]:
            row[9] = 30 if row[9] == 37 else 37
    book = Workbook(write_only=True)
    for spec in SHEETS:
        sheet = book.create_sheet(spec.name)
        sheet.append(spec.names)
        for row in sheets[spec.name]:
            sheet.append(row)
    OUT.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return {name: len(rows) for name, rows in sheets.items()}


# --- One step, in its own process -----------------------------------------------------------

def step(name: str, path: Path) -> dict:
    """Run one step against DATABASE_URL; returns seconds, peak memory and the counts."""
    from tracker import create_app
    from tracker.extensions import db
    from tracker.imports.export import write_workbook
    from tracker.imports.reader import open_path
    from tracker.imports.service import import_workbook

    app = create_app()
    with app.app_context():
        started = time.perf_counter()
        if name == "export":
            counts = write_workbook(str(path), db.session)
            result = {"rows": sum(counts.values())}
        else:
            with open_path(path) as workbook:
                report = import_workbook(db.session, workbook, (None, "bench"),
                                         dry_run=name == "dry-run")
            if report.written:
                db.session.commit()
            else:
                db.session.rollback()
            result = {"problems": report.problem_count, **report.totals}
        result["seconds"] = round(time.perf_counter() - started, 1)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return result


def _run(command: list[str], env: dict) -> str:
    return subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


def bench(database: str, url: str) -> list[tuple]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    python = sys.executable
    _run([python, "-m", "flask", "--app", "tracker", "db", "upgrade"], env)
    rows = []
    export = OUT / f"import_bench_export_{database}.xlsx"
    for name, path in (("dry-run", WORKBOOK), ("import", WORKBOOK),
                       ("import again", WORKBOOK), ("import changed", CHANGED),
                       ("export", export)):
        command = [python, "bench/import_bench.py", "step", name.split()[0],
                   str(path.relative_to(ROOT))]
        result = json.loads(_run(command, env).strip().splitlines()[-1])
        print(f"  {database:<10} {name:<13} {result['seconds']:>6} s  {result['peak_mb']:>5} MB  "
              f"{json.dumps({k: v for k, v in result.items() if k not in ('seconds', 'peak_mb')})}")
        print(f"             DATABASE_URL={url} {' '.join(command)}")
        rows.append((database, name, result))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    one = sub.add_parser("step")
    one.add_argument("name", choices=("dry-run", "import", "export"))
    one.add_argument("path", type=Path)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    if args.command == "step":
        print(json.dumps(step(args.name, ROOT / args.path)))
        return

    OUT.mkdir(parents=True, exist_ok=True)
    for path, changed in ((WORKBOOK, False), (CHANGED, True)):
        if args.regenerate or not path.exists():
            started = time.perf_counter()
            counts = generate(path, changed)
            print(f"Generated {path.relative_to(ROOT)} ({sum(counts.values())} rows, "
                  f"{path.stat().st_size // 1024} kB) in {time.perf_counter() - started:.0f} s: "
                  f"{counts}")
    results = []
    if args.only in (None, "sqlite"):
        db_path = OUT / "import_bench.db"
        db_path.unlink(missing_ok=True)
        results += bench("sqlite", f"sqlite:///{db_path}")
    if args.only in (None, "postgresql"):
        pg = ["-h", "127.0.0.1", "-U", "postgres"]
        subprocess.run(["dropdb", *pg, "--if-exists", PG_NAME], check=True)
        subprocess.run(["createdb", *pg, PG_NAME], check=True)
        try:
            results += bench("postgresql", f"{PG_SERVER}/{PG_NAME}")
        finally:
            subprocess.run(["dropdb", *pg, "--if-exists", PG_NAME], check=True)
    print("\n| database | step | seconds | peak memory (MB) | rows new / changed / unchanged |")
    print("|---|---|---:|---:|---|")
    for database, name, r in results:
        counts = (f"{r['new']:,} / {r['changed']:,} / {r['unchanged']:,}" if "new" in r
                  else f"{r['rows']:,} rows written")
        print(f"| {database} | {name} | {r['seconds']} | {r['peak_mb']} | {counts} |")


if __name__ == "__main__":
    main()
