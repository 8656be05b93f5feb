"""How long the six PDF documents take, and how much of it is the application's own work.

Run from the project folder:

    .venv/bin/python bench/documents.py                       # SQLite in /tmp
    .venv/bin/python bench/documents.py --database-url postgresql://postgres@127.0.0.1:5432/bench_documents

It builds a fresh database with the migrations, loads the demo data (`seed-demo`) plus one
extra building project with 60 placements, then renders, for each document of the largest
scope in the demo data and for the 60-placement clause status report: the data assembly
(queries), the template, the XLSX attachment and the PDF (WeasyPrint in its child process,
as in production). Each is repeated after one build not counted (the first compiles
the SQL statements); the median is printed, wall-clock and CPU time
(the render child's peak memory and CPU time as the renderer reports them,
`render.last_usage`). Targets (issue text):

- clause status report for a project with 60 placements: ≤ 2 s
- every document for the largest scope of the demo data: ≤ 3 s
- the application's own share, (queries + template) / pdf, ≤ 20 % (the issue's "queries,
  template" against WeasyPrint's render time; wall clock, so a PostgreSQL server's work
  counts). The XLSX attachment is written when a document is issued too; it is shown in
  its own column and counts in the total.

With `--existing` it measures a database as it is instead (the national data set of
`bench/generate.py`), each document for its largest scope, against the national targets:
≤ 5 s and ≤ 400 MB peak memory of the render, and the same share:

    .venv/bin/python bench/documents.py --existing --database-url sqlite:///bench/out/national.db

`--statements` adds one more build of each document with each SQL statement's time;
`--builds N` adds N builds and templates of each document without the PDF (medians, min, max).
"""
import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, make_url, select, text  # noqa: E402

TARGET_CLAUSE_STATUS_60 = 2.0
TARGET_LARGEST = 3.0
TARGET_SHARE = 0.20
TARGET_NATIONAL = 5.0
TARGET_NATIONAL_MB = 400


def _fresh_database(url: str) -> str:
    """Empty the benchmark database (drop and create it on PostgreSQL, a new file on SQLite)."""
    from tracker.config import normalise_database_url

    url = normalise_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database).unlink(missing_ok=True)
        return url
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}"'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    return url


def _bench_project(today: date):
    """A building project with 60 placements (40 residents), four clauses and reports."""
    from tracker.extensions import db
    from tracker.models import (
        Agreement,
        AgreementParty,
        Clause,
        ContractorReport,
        HousingArea,
        Organisation,
        Participant,
        Placement,
        Project,
        ProjectContractor,
    )

    org = {o.name: o for o in db.session.scalars(select(Organisation))}
    area = db.session.scalar(select(HousingArea).where(HousingArea.name == "Gellerup"))
    main, sub = org["Kærhøj Byg A/S"], org["Ravnsbjerg Murer & Tømrer ApS"]
    start = today - timedelta(days=540)
    project = Project(case_number="BENCH-60", name="Benchmark: 60 forløb", housing_area=area,
                      builder=org["Brabrand Boligforening"], start_date=start,
                      end_date=today + timedelta(days=400), contract_sum=Decimal(150_000_000),
                      craft_cost=Decimal(100_000_000))
    project.contractors = [ProjectContractor(contractor=main, role="main"),
                           ProjectContractor(contractor=sub, role="sub")]
    agreement = Agreement(ref="PA-BENCH-60", project=project, title="Benchmark-aftale",
                          status="active", signed_on=start)
    agreement.parties = [AgreementParty(organisation=o, role=role, contributions=["Bidrag"],
                                        benefits=["Udbytte"])
                         for o, role in ((project.builder, "Bygherre"), (main, "Hovedentreprenør"),
                                         (area.municipality, "Kommune"))]
    clauses = [Clause(ref=f"KB-{n}", agreement=agreement, kind=kind, unit=unit,
                      target=Decimal(target), responsible_contractor=responsible,
                      frequency="quarterly", text="Benchmark")
               for n, (kind, unit, target, responsible) in enumerate((
                   ("internship", "persons", "30", main), ("wage_subsidy", "weeks", "300", None),
                   ("apprenticeship", "apprentice_years", "2.5", None),
                   ("any", "percent_hours", "10", main)), start=1)]
    db.session.add_all([project, agreement, *clauses])
    kinds = ("internship", "wage_subsidy", "apprenticeship", "ordinary_job")
    count = 0
    for n in range(40):
        person = Participant(ref=f"B-{n:04d}", name=f"Benchmark Deltager {n}", gender="fmx"[n % 3],
                             birth_year=1970 + n % 35, housing_area=area,
                             municipality=area.municipality, intake_date=start + timedelta(days=n * 7),
                             consent_date=start + timedelta(days=n * 7))
        db.session.add(person)
        chain = 2 if n < 20 else 1
        previous = None
        for step in range(chain):
            first = start + timedelta(days=n * 7 + step * 120)
            ended = first + timedelta(days=90) < today
            placement = Placement(
                ref=f"BP-{count:04d}", participant=person, kind=kinds[(n + step) % 4],
                employer=main if n % 2 else sub, project=project, trade="murer",
                start_date=first, planned_end=first + timedelta(days=90),
                end_date=first + timedelta(days=90) if ended else None,
                hours_per_week=Decimal(37),
                outcome=("next_placement" if step < chain - 1 else "ordinary_job") if ended else None)
            if previous is not None:
                previous.next_placement = placement
            previous = placement
            db.session.add(placement)
            count += 1
    for clause in clauses:
        for q in range(4):
            period_start = start + timedelta(days=91 * q)
            db.session.add(ContractorReport(
                ref=f"RB-{clause.ref}-{q}", clause=clause, contractor=main,
                period_start=period_start, period_end=period_start + timedelta(days=90),
                persons=3, weeks=Decimal(30), hours=Decimal(1100), site_hours=Decimal(12000),
                status="approved", comment="Benchmark"))
    db.session.commit()
    assert count == 60
    return project


def _largest_scopes(today: date) -> dict:
    """The request of each kind with the largest scope in the demo data."""
    from tracker.documents.service import DocumentRequest
    from tracker.extensions import db
    from tracker.models import Organisation, Participant, Placement, Project, ProjectContractor

    def most(query):
        return db.session.execute(query.limit(1)).first()

    demo = Project.case_number != "BENCH-60"
    project_id, = most(select(Placement.project_id).join(Project).where(demo)
                       .group_by(Placement.project_id).order_by(func.count().desc()))
    project = db.session.get(Project, project_id)
    contractor_id, = most(select(ProjectContractor.contractor_id)
                          .where(ProjectContractor.project_id == project_id)
                          .order_by(ProjectContractor.role, ProjectContractor.id))
    municipality_id, = most(select(Participant.municipality_id).where(~Participant.ref.like("B-%"))
                            .group_by(Participant.municipality_id).order_by(func.count().desc()))
    participant_id, = most(select(Placement.participant_id).join(Participant)
                           .where(~Participant.ref.like("B-%"))
                           .group_by(Placement.participant_id).order_by(func.count().desc()))
    training_id, = most(select(Placement.project_id).join(Project).where(
        demo, Placement.kind.in_(("apprenticeship", "internship", "wage_subsidy")))
        .group_by(Placement.project_id).order_by(func.count().desc()))
    first_intake = db.session.scalar(select(func.min(Participant.intake_date)))
    return {
        "clause-status": DocumentRequest("clause-status", project=project),
        "compliance": DocumentRequest("compliance", project=project,
                                      contractor=db.session.get(Organisation, contractor_id)),
        "municipality": DocumentRequest("municipality",
                                        municipality=db.session.get(Organisation, municipality_id),
                                        date_from=first_intake, date_to=today),
        "pathway": DocumentRequest("pathway", participant=db.session.get(Participant, participant_id)),
        "annual": DocumentRequest("annual", year=today.year),
        "training": DocumentRequest("training", project=db.session.get(Project, training_id),
                                    year=today.year),
    }


def _measure(req, repeat: int, app) -> dict:
    """Median wall and CPU seconds of: queries, template, attachment, PDF; and the pages."""
    import io

    from pypdf import PdfReader

    from tracker.documents import render, service
    from tracker.extensions import db

    service.check_request(req, None, date.today())
    samples = {"queries": [], "template": [], "attachment": [], "pdf": [], "pdf_cpu": []}
    pages = 0
    # One build and template not counted: the first of a kind in a process compiles its
    # SQL statements (SQLAlchemy's cache), which a worker does once, not per document.
    db.session.expire_all()
    service.render_html(req.kind, service.build(req), req, "D-2026-000000", service.utcnow(),
                        None)
    for _ in range(repeat):
        db.session.expire_all()
        t0 = time.perf_counter()
        built = service.build(req)
        t1 = time.perf_counter()
        html = service.render_html(req.kind, built, req, "D-2026-000000", service.utcnow(), None)
        t2 = time.perf_counter()
        service.workbook(built.sheets, req.as_of)
        t3 = time.perf_counter()
        pdf = service.render_pdf(html, app.static_folder, identifier="D-2026-000000")
        t4 = time.perf_counter()
        samples.setdefault("render_mb", []).append(render.last_usage["max_rss_mb"])
        samples["queries"].append(t1 - t0)
        samples["template"].append(t2 - t1)
        samples["attachment"].append(t3 - t2)
        samples["pdf"].append(t4 - t3)
        samples["pdf_cpu"].append(render.last_usage["cpu_seconds"])
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
    result = {key: statistics.median(values) for key, values in samples.items()}
    result["render_mb"] = max(samples["render_mb"])
    result["app"] = result["queries"] + result["template"] + result["attachment"]
    result["share"] = (result["queries"] + result["template"]) / result["pdf"]
    result["total"] = result["app"] + result["pdf"]
    result["pages"] = pages
    return result


def _statements(cases: dict) -> None:
    """One build of each document with each statement's time, in the order sent."""
    from sqlalchemy import event

    from tracker.documents import service
    from tracker.extensions import db

    log = []

    def before(conn, *_a):
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, _cursor, statement, *_a):
        log.append((time.perf_counter() - conn.info.pop("bench_started"), statement))

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    try:
        for name, req in cases.items():
            log.clear()
            db.session.expire_all()
            start = time.perf_counter()
            service.build(req)
            total = time.perf_counter() - start
            sql = sum(seconds for seconds, _ in log)
            print(f"\n{name}: build {1000 * total:.1f} ms, of which {len(log)} statements "
                  f"{1000 * sql:.1f} ms")
            for seconds, statement in log:
                print(f"  {1000 * seconds:7.1f} ms  {' '.join(statement.split())[:100]}")
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)


def _builds(cases: dict, count: int) -> None:
    """Each document's data assembly and template, `count` times in a row, without the PDF:
    the application's own part alone, steadier than the medians of a few full renders."""
    from tracker.documents import service
    from tracker.extensions import db

    print(f"\nBuild + template, {count} times each (after one not counted), ms; cpu: this "
          "process's CPU time (all its threads; on SQLite the database's work too):")
    for name, req in cases.items():
        times, cpu = [], []
        for _ in range(count + 1):
            db.session.expire_all()
            start, start_cpu = time.perf_counter(), time.process_time()
            built = service.build(req)
            service.render_html(req.kind, built, req, "D-2026-000000", service.utcnow(), None)
            times.append(1000 * (time.perf_counter() - start))
            cpu.append(1000 * (time.process_time() - start_cpu))
        times, cpu = times[1:], cpu[1:]
        print(f"  {name:36} median {statistics.median(times):7.1f}  min {min(times):7.1f}  "
              f"max {max(times):7.1f}  cpu {statistics.median(cpu):7.1f}")


def measure_existing(url: str, repeat: int, today: date | None = None) -> list[dict]:
    """Each document for its largest scope in this database as it is (not migrated), for
    bench/run.py: medians in seconds, `render_mb` the largest peak memory of its render
    children, `ok` against ≤ 5 s and ≤ 400 MB."""
    from bench.generate import absolute_sqlite
    from tracker import create_app
    from tracker.documents import service

    app = create_app({"SQLALCHEMY_DATABASE_URI": absolute_sqlite(url), "SECRET_KEY": "bench"})
    rows = []
    with app.app_context():
        cases = _largest_scopes(today or date.today())
        start = time.perf_counter()
        service.render_pdf("<html><body>x</body></html>", app.static_folder)
        cold = time.perf_counter() - start
        for kind, req in cases.items():
            if today is not None:
                req.as_of = today
            r = _measure(req, repeat, app)
            rows.append({"document": kind, "scope": _scope_name(req), "cold": cold, **r,
                         "ok": r["total"] <= TARGET_NATIONAL
                         and r["render_mb"] <= TARGET_NATIONAL_MB
                         and r["share"] <= TARGET_SHARE})
    return rows


def _scope_name(req) -> str:
    """A short description of a document request's scope (project, municipality, …)."""
    parts = []
    if req.project is not None:
        parts.append(req.project.case_number)
    if req.contractor is not None:
        parts.append(f"contractor {req.contractor.name}")
    if req.municipality is not None:
        parts.append(f"{req.municipality.name} {req.date_from}–{req.date_to}")
    if req.participant is not None:
        parts.append(f"participant {req.participant.ref}")
    if req.year is not None:
        parts.append(str(req.year))
    return ", ".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-documents.db")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--existing", action="store_true",
                        help="measure this database as it is (e.g. the national data set)")
    parser.add_argument("--statements", action="store_true",
                        help="then one more build of each document with its SQL statements "
                             "timed (execute() only; on SQLite until the first row)")
    parser.add_argument("--connections", type=int, default=None, metavar="N",
                        help="TRACKER_DOCUMENT_CONNECTIONS (default: the app's, one per "
                             "processor, at most 4)")
    parser.add_argument("--builds", type=int, default=0, metavar="N",
                        help="then N builds + templates of each document, without the PDF")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from bench.generate import absolute_sqlite
    from tracker import create_app, demo
    from tracker.documents import service
    from tracker.extensions import db

    url = absolute_sqlite(args.database_url) if args.existing else _fresh_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "TRACKER_DOCUMENT_CONNECTIONS": args.connections})
    today = date.today()
    with app.app_context():
        upgrade()
        if args.existing:
            cases = {f"{kind}, largest scope": req
                     for kind, req in _largest_scopes(today).items()}
        else:
            demo.seed()
            db.session.commit()
            bench_project = _bench_project(today)
            cases = {"clause-status, 60 placements": service.DocumentRequest(
                "clause-status", project=bench_project)}
            cases.update({f"{kind}, largest demo scope": req
                          for kind, req in _largest_scopes(today).items()})
        # The first render also imports WeasyPrint and loads its fonts (once per worker).
        start = time.perf_counter()
        service.render_pdf("<html><body>x</body></html>", app.static_folder)
        cold = time.perf_counter() - start
        from tracker.documents.parallel import connection_count

        print(f"Database: {make_url(url).get_backend_name()}   repeat: {args.repeat}   "
              f"cores: {os.cpu_count()}   document connections: "
              f"{connection_count(args.connections)}   load average: "
              f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"First render in a worker (WeasyPrint import and font warm-up): {cold:.2f} s\n")
        header = (f"{'document':36} {'pages':>5} {'queries':>8} {'template':>8} {'xlsx':>6} "
                  f"{'app':>6} {'pdf':>6} {'pdf cpu':>7} {'total':>6} {'share':>6}  target")
        print(header)
        print("-" * len(header))
        failures = 0
        for name, req in cases.items():
            r = _measure(req, args.repeat, app)
            limit = (TARGET_NATIONAL if args.existing else
                     TARGET_CLAUSE_STATUS_60 if "60 placements" in name else TARGET_LARGEST)
            share = r["share"]
            ok = (r["total"] <= limit and share <= TARGET_SHARE
                  and (not args.existing or r["render_mb"] <= TARGET_NATIONAL_MB))
            failures += not ok
            print(f"{name:36} {r['pages']:>5} {r['queries']:>8.3f} {r['template']:>8.3f} "
                  f"{r['attachment']:>6.3f} {r['app']:>6.3f} {r['pdf']:>6.3f} {r['pdf_cpu']:>7.3f} "
                  f"{r['total']:>6.2f} {share:>6.1%} {r['render_mb']:>6.0f} MB  ≤ {limit:.0f} s, "
                  f"{'≤ 400 MB, ' if args.existing else ''}≤ 20 % {'ok' if ok else 'MISSED'}")
        if args.statements:
            _statements(cases)
        if args.builds:
            _builds(cases, args.builds)
        print("\nSeconds, medians, wall clock. app = queries + template + xlsx (the application's"
              "\nown work); pdf = WeasyPrint in its child process (pdf cpu: its CPU time);"
              "\nshare = (queries + template) / pdf; MB = the document's render children's largest"
              "\npeak resident memory.")
        print("command: " + " ".join([".venv/bin/python", "bench/documents.py", *sys.argv[1:]]))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
