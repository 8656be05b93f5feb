"""Where a page's time goes, in this process: the measured pages of `bench/run.py` and its
floor, each requested `--repeat` times through the Flask test client (no HTTP, no
gunicorn), with the median and the 95th percentile of the whole request and the median
split into the template render, the SQL statements' execute() and the rest (ORM, Flask,
the view's own code).

    .venv/bin/python bench/pages.py --database-url postgresql://postgres@127.0.0.1:5432/bench_national
    .venv/bin/python bench/pages.py --database-url sqlite:///bench/out/national.db --page review
    .venv/bin/python bench/pages.py --database-url … --after-change

`--after-change` measures first views: before each request a counted change (the hours a
week of a placement on the project with the most placements, through the application's
session, as by any change; a dashboard's kept figures stay, as in production).

The database holds the data set of `bench/generate.py` (users *@bench.dk). A participant
page view is recorded in the audit trail, as in production.
"""
import argparse
import contextvars
import math
import shlex
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import flask.templating  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.floor import add_floor  # noqa: E402
from bench.run import (  # noqa: E402
    BENCH_PASSWORD,
    Page,
    absolute_sqlite,
    choose_pages,
    make_app,
)
from bench.run import counted_change as run_counted_change  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--page", default="", help="only pages whose name holds this")
    parser.add_argument("--after-change", action="store_true",
                        help="a counted change before each request (first views)")
    args = parser.parse_args()
    from tracker.config import normalise_database_url
    from tracker.extensions import db

    app = add_floor(make_app(absolute_sqlite(normalise_database_url(args.database_url))))
    with app.app_context():
        pages = [Page("floor: base layout, signed in", "staff", "/_bench/floor"),
                 *(p for p in choose_pages(db) if p.role != "api")]
        engine = db.engine
    counted_change = run_counted_change(app)

    spent: dict[str, float] = {"render": 0.0, "sql": 0.0}
    render = flask.templating._render

    def timed_render(*a):
        start = time.perf_counter()
        try:
            return render(*a)
        finally:
            spent["render"] += time.perf_counter() - start

    flask.templating._render = timed_render

    def before(conn, *_a):
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, *_a):
        spent["sql"] += time.perf_counter() - conn.info.pop("bench_started")

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    clients = {}
    for role in {p.role for p in pages}:
        clients[role] = app.test_client()
        response = clients[role].post("/login", data={"email": f"{role}@bench.dk",
                                                      "password": BENCH_PASSWORD})
        if response.status_code != 302:
            sys.exit(f"sign-in as {role}@bench.dk answered {response.status_code}")
    print(f"{'page':48} {'p95':>7} {'total':>7} {'render':>7} {'SQL':>7} {'rest':>7}  (ms; "
          f"p95 and medians of {args.repeat})")
    for page in pages:
        if args.page not in page.name:
            continue
        client = clients[page.role]
        contextvars.Context().run(client.get, page.path)  # warm-up: templates, kept dashboard figures
        samples = []
        for _ in range(args.repeat):
            if args.after_change:
                counted_change()
            spent.update(render=0.0, sql=0.0)
            start = time.perf_counter()
            response = contextvars.Context().run(client.get, page.path)
            total = time.perf_counter() - start
            if response.status_code != 200:
                sys.exit(f"{page.path} answered {response.status_code}")
            samples.append((total, spent["render"], spent["sql"]))
        total, rendered, sql = (1000 * statistics.median(s[i] for s in samples)
                                for i in range(3))
        totals = sorted(s[0] for s in samples)
        p95 = 1000 * totals[max(0, math.ceil(0.95 * len(totals)) - 1)]  # nearest rank
        print(f"{page.name[:48]:48} {p95:7.1f} {total:7.1f} {rendered:7.1f} {sql:7.1f} "
              f"{total - rendered - sql:7.1f}")
    print("\nCommand: .venv/bin/python bench/pages.py " + shlex.join(sys.argv[1:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
