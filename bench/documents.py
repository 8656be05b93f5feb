"""Each PDF document for its largest scope, made as the job that issues it makes it, each in
a fresh process of its own: seconds to build and to render, pages and peak memory.

    .venv/bin/python bench/documents.py --database-url sqlite:///bench/out/national.db
    .venv/bin/python bench/documents.py --database-url postgresql://postgres@127.0.0.1:5432/bench_national

The database holds the national data set of `bench/generate.py` (its --today is --as-of
here). A child process builds the document (its queries), then renders it as
`tracker.documents.service.issue` does: the XLSX attachment, the template and the PDF
(WeasyPrint), without storing it; its peak memory is the child's peak resident set, and
nothing is warmed up first, as in a job's fresh work horse. `--repeat N` makes each
document in N children and shows the slowest run and the largest memory. Targets (issue
#19): each document ≤ 5 s and ≤ 400 MB.
"""
import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, make_url, select

TARGET_SECONDS, TARGET_MB = 5.0, 400
AS_OF = date(2026, 11, 24)  # the default --today of bench/generate.py


def _app(url: str):
    from bench.generate import absolute_sqlite
    from tracker import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": absolute_sqlite(url), "SECRET_KEY": "bench"})


def largest_scopes(as_of: date) -> dict:
    """The request of each kind with the largest scope in the database, as of `as_of`."""
    from tracker.documents.requests import DocumentRequest, default_as_of
    from tracker.extensions import db
    from tracker.models import (
        Evaluation,
        Organisation,
        Participant,
        Placement,
        Project,
        ProjectContractor,
    )

    def most(column, *where):
        return db.session.scalar(select(column).where(*where).group_by(column)
                                 .order_by(func.count().desc(), column.desc()).limit(1))

    project_id = most(Placement.project_id, Placement.project_id.is_not(None))
    contractor_id = db.session.scalar(
        select(ProjectContractor.contractor_id).where(ProjectContractor.project_id == project_id)
        .order_by(ProjectContractor.role, ProjectContractor.id).limit(1))
    training_id = most(Placement.project_id, Placement.project_id.is_not(None), Placement.kind.in_(
        ("apprenticeship", "internship", "wage_subsidy")))
    participant_id = most(Placement.participant_id, Placement.participant_id.in_(
        select(Participant.id).where(Participant.consent_date.is_not(None))))
    project, participant = db.session.get(Project, project_id), db.session.get(Participant,
                                                                               participant_id)
    requests = {
        "clause-status": DocumentRequest("clause-status", project=project),
        "compliance": DocumentRequest("compliance", project=project,
                                      contractor=db.session.get(Organisation, contractor_id)),
        "municipality": DocumentRequest(
            "municipality",
            municipality=db.session.get(Organisation, most(Participant.municipality_id)),
            date_from=db.session.scalar(select(func.min(Participant.intake_date))),
            date_to=as_of),
        "pathway": DocumentRequest("pathway", participant=participant),
        # The year with the most evaluations, whose findings make the longest report.
        "annual": DocumentRequest("annual", year=most(Evaluation.year) or as_of.year),
        "training": DocumentRequest("training", project=db.session.get(Project, training_id),
                                    year=as_of.year),
    }
    for req in requests.values():
        req.as_of = default_as_of(req.kind, as_of, req.year, req.date_to)
    return requests


def scope_words(req) -> str:
    """A short description of a request's scope (project, municipality, …)."""
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


def make_one(url: str, kind: str, ids: dict) -> dict:
    """In the child: build and render one document; seconds, pages and peak memory."""
    from flask import current_app
    from flask_babel import force_locale
    from pypdf import PdfReader

    from tracker.documents import render
    from tracker.documents.content import workbook
    from tracker.documents.kinds import build
    from tracker.documents.requests import DocumentRequest, check_request
    from tracker.models.base import utcnow

    with _app(url).app_context():
        req = DocumentRequest.from_ids(kind, ids)
        check_request(req, None, date.today())
        started = time.perf_counter()
        built = build(req)
        built_at = time.perf_counter()
        with force_locale("da"):
            workbook(built.sheets, req.as_of)
        attached_at = time.perf_counter()
        html = render.render_html(kind, built, req, "D-2026-000000", utcnow(), None)
        pdf = render.write_pdf(html, current_app.static_folder, identifier="D-2026-000000")
        done = time.perf_counter()
    return {"build": built_at - started, "attachment": attached_at - built_at,
            "pdf": done - attached_at, "total": done - started,
            "pages": len(PdfReader(io.BytesIO(pdf)).pages),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure(url: str, repeat: int = 1, as_of: date = AS_OF) -> list[dict]:
    """Each document for its largest scope, `repeat` times, each time in a fresh child: the
    slowest run's seconds, the largest peak memory, and whether they meet the targets."""
    with _app(url).app_context():
        scopes = {kind: (scope_words(req), req.ids())
                  for kind, req in largest_scopes(as_of).items()}
    rows = []
    for kind, (scope, ids) in scopes.items():
        runs = []
        for _ in range(repeat):
            done = subprocess.run(
                [sys.executable, __file__, "--database-url", url, "--child", kind,
                 json.dumps(ids)], capture_output=True, text=True, check=True)
            runs.append(json.loads(done.stdout.splitlines()[-1]))
        row = max(runs, key=lambda r: r["total"])
        row.update(document=kind, scope=scope, peak_mb=max(r["peak_mb"] for r in runs))
        row["ok"] = row["total"] <= TARGET_SECONDS and row["peak_mb"] <= TARGET_MB
        rows.append(row)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--as-of", type=date.fromisoformat, default=AS_OF)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "IDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(make_one(args.database_url, args.child[0], json.loads(args.child[1]))))
        return 0

    rows = measure(args.database_url, args.repeat, args.as_of)
    print(f"{date.today()}, {make_url(args.database_url).get_backend_name()}, as of "
          f"{args.as_of}, {os.cpu_count()} cores, load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}; {args.repeat} runs each, "
          "seconds of the slowest; pdf is template and WeasyPrint; peak MB is the largest "
          "child's peak resident memory.\n")
    print("| document | largest scope | pages | build s | xlsx s | pdf s | total s | peak MB "
          "| target |\n|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['document']} | {r['scope']} | {r['pages']} | {r['build']:.2f} | "
              f"{r['attachment']:.2f} | {r['pdf']:.2f} | {r['total']:.2f} | {r['peak_mb']:.0f} | "
              f"≤ {TARGET_SECONDS:.0f} s, ≤ {TARGET_MB} MB: {'ok' if r['ok'] else '**MISSED**'} |")
    print("\ncommand: " + " ".join([".venv/bin/python", "bench/documents.py", *sys.argv[1:]]))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
