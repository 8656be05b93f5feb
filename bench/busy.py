"""Pages while documents are issued (issue #19): each page's p99 with the job queue idle,
then while `--in-flight` documents are requested at once, on one worker.

    .venv/bin/python bench/busy.py --database-url sqlite:///bench/out/national.db
    .venv/bin/python bench/busy.py --database-url postgresql://postgres@127.0.0.1:5432/bench_national

gunicorn serves the app as in `bench/run.py` (2 sync workers), with the job queue on
`--redis-url` under a queue name of this run; one `flask --app tracker worker` runs the
jobs. For each page: `--requests` GETs from `--concurrency` threads with the queue idle,
then the same while a feeder keeps `--in-flight` clause-status documents of the busiest
project requested (through the issue form, as a user asks for one) and not yet issued.
Target: the busy p99 at most twice the idle p99. The worker runs at `--worker-nice` (19,
as README advises where it shares the machine with gunicorn). The documents issued stay
in the database's archive. Exit status: 0 met, 1 not met, 2 the run failed.
"""
import argparse
import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from bench.generate import absolute_sqlite  # noqa: E402
from bench.run import (  # noqa: E402
    AS_OF,
    OUT,
    Client,
    Server,
    choose_pages,
    hammer,
    machine,
    make_app,
    revision,
    sign_in,
)

RATIO = 2.0  # the busy p99 at most this many times the idle p99
MEASURED = ("staff dashboard", "project page", "participant list", "clause review queue")


class Worker:
    """One `flask --app tracker worker` with the server's settings, in a session of its own."""

    def __init__(self, env: dict, log: Path, nice: int):
        self.command = ["nice", "-n", str(nice), sys.executable, "-m", "flask", "--app",
                        "tracker", "worker"]
        self.env, self.log, self.nice = env, log, nice

    def __enter__(self):
        self.log_file = self.log.open("w")
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env,
                                        stdout=self.log_file, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        # With Linux's autogroups a session is a scheduling group of its own: the group's
        # nice value, not the process's, sets its share of the cores against gunicorn's.
        group = Path(f"/proc/{self.process.pid}/autogroup")
        if group.exists():
            group.write_text(str(self.nice))
        return self

    def __exit__(self, *_exc):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown: the job at hand ends
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log_file.close()


class Feeder:
    """Keeps `in_flight` documents requested and not yet issued, from a thread; counts the
    requests it made. The jobs' states are read from the database, as the app shows them."""

    def __init__(self, port: int, cookies: dict, url: str, project_id: int, in_flight: int):
        self.client = Client(port, cookies)
        self.engine = create_engine(url, poolclass=NullPool)
        self.project_id, self.in_flight = project_id, in_flight
        self.requested, self.errors = 0, []
        self.stop = threading.Event()

    def unfinished(self) -> int:
        from tracker.models import DocumentJob

        with self.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(DocumentJob)
                               .where(DocumentJob.state.in_(("queued", "running"))))

    def request_one(self) -> None:
        form_path = f"/documents/new?kind=clause-status&project_id={self.project_id}"
        status, page = self.client.request("GET", form_path)
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        if status != 200 or token is None:
            raise RuntimeError(f"GET {form_path} answered {status} without a CSRF token")
        body = urlencode({"csrf_token": token.group(1).decode(), "kind": "clause-status",
                          "project_id": self.project_id, "as_of": AS_OF.isoformat()})
        status, _ = self.client.request("POST", "/documents/new", body,
                                        {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"requesting a document answered {status}, not a redirect")
        self.requested += 1

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                for _ in range(self.in_flight - self.unfinished()):
                    self.request_one()
                self.stop.wait(0.2)
        except Exception as error:  # reported by the run, which then fails
            self.errors.append(str(error))

    def __enter__(self):
        self.stop.clear()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        wanted = self.requested + self.in_flight - self.unfinished()
        deadline = time.monotonic() + 30
        while self.requested < wanted and not self.errors:
            if time.monotonic() > deadline:
                raise RuntimeError("the feeder did not request its first documents in 30 s")
            time.sleep(0.1)
        return self

    def __exit__(self, *_exc):
        self.stop.set()
        self.thread.join(30)

    def drain(self, seconds: float = 120) -> None:
        """Wait until every requested document is issued (or has failed)."""
        deadline = time.monotonic() + seconds
        while self.unfinished():
            if time.monotonic() > deadline:
                raise RuntimeError(f"documents still unfinished after {seconds:.0f} s")
            time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--requests", type=int, default=400, help="measured requests per page")
    parser.add_argument("--concurrency", type=int, default=4, help="load-generator threads")
    parser.add_argument("--warmup", type=int, default=8, help="warm-up requests per page")
    parser.add_argument("--in-flight", type=int, default=4,
                        help="documents requested and not yet issued while busy")
    parser.add_argument("--page-seconds", type=float, default=60.0)
    parser.add_argument("--worker-nice", type=int, default=19,
                        help="the worker's CPU priority (nice value), as README advises on "
                             "a machine shared with gunicorn; 0: the same as gunicorn's")
    args = parser.parse_args()

    from tracker.config import normalise_database_url
    from tracker.extensions import db
    from tracker.models import Project

    url = absolute_sqlite(normalise_database_url(args.database_url))
    kind = "sqlite" if url.startswith("sqlite") else "postgresql"
    app = make_app(url)
    with app.app_context():
        pages = [p for p in choose_pages(db) if p.name.startswith(MEASURED)]
        project_id = int(next(p for p in pages if p.name.startswith("project page"))
                         .path.split("/")[2].split("?")[0])
        case_number = db.session.get(Project, project_id).case_number
        db.engine.dispose()
    env = {"TRACKER_REDIS_URL": args.redis_url,
           "TRACKER_QUEUE": f"bench-{secrets.token_hex(4)}", "DATABASE_URL": url}
    started = datetime.now(UTC)
    print(f"## bench/busy.py — {'SQLite' if kind == 'sqlite' else 'PostgreSQL'}\n")
    print(f"Date {started:%Y-%m-%d %H:%M} UTC; {revision()}; machine: {machine()}.\n")
    rows, missed = [], 0
    with Server(url, OUT / f"busy-gunicorn-{kind}.log", env) as server:
        worker_env = {**server.env}
        with Worker(worker_env, OUT / f"busy-worker-{kind}.log", args.worker_nice):
            cookies = sign_in(server.port, "staff@bench.dk")
            auth = {"cookies": cookies}
            feeder = Feeder(server.port, cookies, url, project_id, args.in_flight)
            feeder.request_one()  # one document first: the worker's imports and fonts
            feeder.drain()
            for page in pages:
                print(f"  {page.name}: idle …", flush=True)
                idle = hammer(server.port, page.path, auth, args.requests, args.concurrency,
                              args.warmup, args.page_seconds)
                print(f"  {page.name}: while {args.in_flight} documents are requested …",
                      flush=True)
                before = feeder.requested
                with feeder:
                    busy = hammer(server.port, page.path, auth, args.requests,
                                  args.concurrency, args.warmup, args.page_seconds)
                issued = feeder.requested - before
                feeder.drain()
                if feeder.errors or idle.failures or busy.failures:
                    print(f"**The run failed:** {feeder.errors or ''} "
                          f"{idle.failures or ''} {busy.failures or ''}")
                    return 2
                ratio = busy.percentile(99) / idle.percentile(99)
                ok = ratio <= RATIO
                missed += not ok
                rows.append([page.name, f"{idle.percentile(50):.0f}", f"{idle.percentile(99):.0f}",
                             f"{busy.percentile(50):.0f}", f"{busy.percentile(99):.0f}",
                             f"{ratio:.2f}", f"{issued}",
                             f"≤ {RATIO:g}× idle: {'ok' if ok else '**NOT MET**'}"])
    print(f"Server: gunicorn as in bench/run.py (2 sync workers), job queue on Redis, one "
          f"`flask --app tracker worker` at nice {args.worker_nice}; {args.requests} requests per page from "
          f"{args.concurrency} threads; while busy, {args.in_flight} clause-status documents "
          f"of {case_number} requested and not yet issued at any time.\n")
    print("| page | idle p50 ms | idle p99 ms | busy p50 ms | busy p99 ms | p99 ratio "
          "| documents requested | target |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\nCommand: .venv/bin/python bench/busy.py {shlex.join(sys.argv[1:])}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
