"""The national-scale benchmark of issue 7, one database per run, on this machine only.

    .venv/bin/python bench/run.py --database-url sqlite:///bench/out/national.db
    .venv/bin/python bench/run.py --database-url postgresql://postgres@127.0.0.1:5432/bench_national
    .venv/bin/python bench/run.py --database-url … --skip import,documents --requests 50

The database holds the data set of `bench/generate.py --today 2026-11-24` (users
*@bench.dk). Sections, each with its targets (issue 7):

load        gunicorn (the repository's gunicorn.conf.py, 2 sync workers, 127.0.0.1, a free
            port, access log off) serves `bench.wsgi:app`: the app plus a signed-in floor
            page rendering the base layout. Threads on 127.0.0.1 (`--concurrency`), each
            with its own http.client connection, send `--requests` GETs per page after
            `--warmup` warm-up requests; p50/p95 latency, requests/s and the ratio to the
            floor page (measured first, in the middle and last; the median is used).
            Every response must be 200. PostgreSQL: p95 ≤ 150 ms; SQLite: p95 ≤ 250 ms (the
            share of the floor's requests/s is shown, no longer a target). No request of a
            page is started after `--page-seconds` (a third of that for its warm-up); a
            slower page is cut short, and said so.
            `--after-change`: first views, each request after a counted change
            (`counted_change`, one at a time, not timed).
queries     the same pages in this process (Flask test client), SQL statements per page
            counted with a `before_cursor_execute` listener, each statement timed: ≤ 15.
fulfilment  `clause_figures(select(Clause.id), as_of)` for every clause, median of 3: ≤ 1 s.
documents   each document for its largest scope (bench/documents.py), in a child process:
            ≤ 5 s and ≤ 400 MB.
import      the app's workbook export of this database, then its dry run and import into
            a fresh scratch database of the same kind (`bench/out/run-import.db`, or
            `bench_run_import` on the same PostgreSQL server, dropped afterwards), each
            step in its own process (bench/import_bench.py step …): import ≤ 60 s.

The tables are printed and written to bench/out/run-<sqlite|postgresql>.md. The measured
database must be at the migrations' head (`--upgrade` migrates it first). The run deletes
at the end the API token it made and the audit events of that token, of its sign-ins and
of its participant views (staff@, municipality@ and contractor@bench.dk since it started).
Exit status: 0 every target met, 1 a target not met, 2 the run failed (a non-200 answer,
a step that broke).
"""
import argparse
import contextvars
import cProfile
import http.client
import io
import json
import math
import os
import platform
import pstats
import re
import secrets
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

from sqlalchemy import and_, delete, event, func, make_url, or_, select, text  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from bench.generate import BENCH_PASSWORD, absolute_sqlite  # noqa: E402

SECTIONS = ("load", "queries", "fulfilment", "documents", "import")
AS_OF = date(2026, 11, 24)  # the --today of bench/generate.py
P95_MS = {"postgresql": 150, "sqlite": 250}
FLOOR_SHARE: dict[str, float] = {}  # the share of the floor's requests/s: retired (#19)
STATEMENTS = 15
FULFILMENT_S = 1.0
DOCUMENT_S, DOCUMENT_MB = 5.0, 400
IMPORT_S = 60.0
STEP_TIMEOUT = 150  # seconds for one child process: export, dry run, import, documents
PG_SCRATCH = "bench_run_import"
STOPPING = threading.Event()  # set on Ctrl-C or SIGTERM: load threads start no more requests


@dataclass
class Page:
    name: str
    role: str  # a *@bench.dk user, or "api" for the bearer token
    path: str


@dataclass
class Load:
    """What the load generator saw for one page."""

    latencies: list[float] = field(default_factory=list)  # seconds, 200 answers only
    failures: dict = field(default_factory=dict)  # status (0: no answer) → count
    elapsed: float = 0.0
    capped: bool = False

    @property
    def done(self) -> int:
        return len(self.latencies) + sum(self.failures.values())

    @property
    def rps(self) -> float:
        return self.done / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: int) -> float:
        values = sorted(self.latencies)
        if not values:
            return float("nan")
        return 1000 * values[max(0, math.ceil(p / 100 * len(values)) - 1)]  # nearest rank


# --- Machine, database, targets ------------------------------------------------------------

def kind_of(url: str) -> str:
    return "sqlite" if make_url(url).get_backend_name() == "sqlite" else "postgresql"


def revision() -> str:
    """The commit measured, and whether the working tree differed from it."""
    def git(*words):
        return subprocess.run(["git", *words], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()

    changed = git("status", "--porcelain", "--", "tracker",
                  "templates", "migrations")
    return f"commit {git('rev-parse', '--short', 'HEAD') or '?'}" + (
        " with uncommitted changes to the application" if changed else "")


def machine() -> str:
    memory = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:")), 0)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} cores, {memory / 1024 ** 2:.1f} GiB memory, "
            f"load average at start {load}; Python {platform.python_version()}")


def make_app(url: str):
    """The app in this process, for the in-process sections: no CSRF or limiter."""
    from tracker import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(16),
                       "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                       "SESSION_COOKIE_SECURE": False})


def check_schema(db) -> str:
    """A warning when the database is not at the migrations' head (without `--upgrade` the
    run measures it as it is; a page that needs the newer schema fails with a non-200)."""
    from alembic.config import Config
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current == heads:
        return ""
    return (f"**Warning:** the database is at migration {', '.join(sorted(current))}, the "
            f"code at {', '.join(sorted(heads))} (`--upgrade` brings it up to date).\n")


def describe_database(db, kind: str, url: str) -> str:
    from tracker.models import Clause, Participant, Placement, Project

    with db.engine.connect() as conn:
        version = conn.execute(text(
            "SELECT sqlite_version()" if kind == "sqlite" else "SHOW server_version")).scalar()
    counts = {table: db.session.scalar(select(func.count()).select_from(model))
              for table, model in (("projects", Project), ("clauses", Clause),
                                  ("participants", Participant), ("placements", Placement))}
    where = (_shown_path(make_url(url).database) if kind == "sqlite"
             else make_url(url).render_as_string(hide_password=True))
    product = "SQLite" if kind == "sqlite" else "PostgreSQL"
    return (f"{product} {version} ({where}); "
            + ", ".join(f"{n:,} {table}" for table, n in counts.items()))


def _shown_path(path: str) -> str:
    """A path relative to the project folder (no machine paths in the report)."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return Path(path).name


def choose_pages(db) -> list[Page]:
    """The measured pages, with their objects chosen by SQL (largest project, busiest
    participant)."""
    from tracker.models import Placement, Project

    project_id, placements = db.session.execute(
        select(Placement.project_id, func.count()).where(Placement.project_id.is_not(None))
        .group_by(Placement.project_id).order_by(func.count().desc(), Placement.project_id)
        .limit(1)).one()
    participant_id, steps = db.session.execute(
        select(Placement.participant_id, func.count()).group_by(Placement.participant_id)
        .order_by(func.count().desc(), Placement.participant_id).limit(1)).one()
    case_number = db.session.get(Project, project_id).case_number
    day = AS_OF.isoformat()
    pages = [
        Page("staff dashboard", "staff", f"/?as_of={day}"),
        Page("project list, active, page 2", "staff", "/projects/?status=active&page=2"),
        Page(f"project page, {case_number} ({placements:,} placements)", "staff",
             f"/projects/{project_id}?as_of={day}"),
        Page("participant list, page 2", "staff", "/participants/?page=2"),
        Page(f"participant page ({steps} placements)", "staff", f"/participants/{participant_id}"),
        Page("clause review queue", "staff", "/reports/"),
        Page("report history, page 2", "staff", "/reports/history?page=2"),
        Page("follow-up work list, page 2", "staff", "/follow-ups/?page=2"),
        Page("municipality dashboard", "municipality", f"/?as_of={day}"),
        Page("contractor's reports (busiest contractor)", "contractor", "/reports/"),
        Page("contractor's reports, completed projects", "contractor",
             "/reports/?projects=completed"),
        Page("contractor's report history", "contractor", "/reports/history"),
        Page(f"API fulfilment, {case_number}", "api",
             f"/api/v1/projects/{project_id}/fulfilment?as_of={day}"),
    ]
    return pages


# --- gunicorn ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with the repository's configuration, 2 sync workers, on 127.0.0.1."""

    def __init__(self, url: str, log: Path, env: dict | None = None):
        self.port = free_port()
        self.command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                        "-w", "2", "-k", "sync", "--threads", "1",
                        "-b", f"127.0.0.1:{self.port}", "--access-logfile", "/dev/null",
                        "--no-control-socket", "bench.wsgi:app"]
        self.env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32),
                    "PYTHONPATH": str(ROOT), **(env or {})}
        self.log = log
        self.process = None

    def __enter__(self):
        self.log_file = self.log.open("w")
        # A session of its own: Ctrl-C reaches us, and we stop the server ourselves.
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env,
                                        stdout=self.log_file, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start:\n{self.log.read_text()[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return self
                conn.close()
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def __exit__(self, *_exc):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                pass
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # anything left in its group
            except ProcessLookupError:
                pass
            self.process.wait()
        self.log_file.close()


# --- The load generator --------------------------------------------------------------------

class Client:
    """One keep-alive connection (sync workers close it after each answer; http.client
    then reconnects) with its own copy of the session cookie."""

    def __init__(self, port: int, cookies: dict | None = None, headers: dict | None = None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies = dict(cookies or {})
        self.headers = dict(headers or {})

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        sent = {**self.headers, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            return 0, b""
        for raw in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(raw).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response.status, content

    def close(self):
        self.conn.close()


def sign_in(port: int, email: str) -> dict:
    """Sign in through the login form (with its CSRF token); the session cookies."""
    client = Client(port)
    status, page = client.request("GET", "/login")
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    if status != 200 or match is None:
        raise RuntimeError(f"GET /login answered {status} without a CSRF token")
    form = urlencode({"csrf_token": match.group(1).decode(), "email": email,
                      "password": BENCH_PASSWORD, "next": ""})
    status, _ = client.request("POST", "/login", form,
                               {"Content-Type": "application/x-www-form-urlencoded"})
    client.close()
    if status != 302:
        raise RuntimeError(f"signing in as {email} answered {status}, not a redirect")
    return client.cookies


def counted_change(app):
    """A change that counts (the hours a week of a placement on the project with the most
    placements, through the application's session, so that project's figures version is
    raised and what is kept in step with it is brought up to date, as by any change): made
    before a request, the request is a first view. Returns the function that makes it."""
    from tracker.extensions import db
    from tracker.models import Placement

    with app.app_context():
        busiest = db.session.execute(
            select(Placement.project_id).where(Placement.project_id.is_not(None))
            .group_by(Placement.project_id).order_by(func.count().desc(), Placement.project_id)
            .limit(1)).scalar()
        changed_id = db.session.scalar(select(func.min(Placement.id))
                                       .where(Placement.project_id == busiest))

    def change():
        with app.app_context():
            placement = db.session.get(Placement, changed_id)
            placement.hours_per_week = 30 if placement.hours_per_week != 30 else 31
            db.session.commit()

    return change


def hammer(port: int, path: str, auth: dict, requests: int, concurrency: int, warmup: int,
           seconds: float, change=None) -> Load:
    """`warmup` then `requests` GETs of one path from `concurrency` threads; no request
    is started after `seconds` of the measured part (a third of it for the warm-up). With
    `change`, each request follows a counted change (one at a time, not timed)."""
    clients = [Client(port, auth.get("cookies"), auth.get("headers")) for _ in range(concurrency)]
    result = Load()
    lock, change_lock = threading.Lock(), threading.Lock()
    counter = iter(range(10 ** 9))

    def work(client, quota, deadline, record):
        while time.monotonic() < deadline and not STOPPING.is_set():
            with lock:
                n = next(counter)
            if n >= quota:
                return
            if change is not None:
                with change_lock:
                    change()
            start = time.perf_counter()
            status, _ = client.request("GET", path)
            spent = time.perf_counter() - start
            if record:
                with lock:
                    if status == 200:
                        result.latencies.append(spent)
                    else:
                        result.failures[status] = result.failures.get(status, 0) + 1

    def run(quota, record, limit):
        nonlocal counter
        counter = iter(range(10 ** 9))
        deadline = time.monotonic() + limit
        threads = [threading.Thread(target=work, args=(c, quota, deadline, record), daemon=True)
                   for c in clients]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - start

    run(warmup, False, seconds / 3)
    result.elapsed = run(requests, True, seconds)
    result.capped = result.done < requests
    for client in clients:
        client.close()
    return result


def load_section(url: str, kind: str, pages: list[Page], token: str, args, report) -> list:
    """Pages under concurrent load against gunicorn; returns the pages that missed."""
    log = OUT / f"run-gunicorn-{kind}.log"
    missed, failed = [], False
    with Server(absolute_sqlite(url), log) as server:
        report.line(f"Server: `{' '.join(['python', *server.command[1:]])}` "
                    f"(gunicorn {gunicorn_version()}, its log in bench/out/{log.name}); "
                    f"load: {args.requests} requests per page after {args.warmup} warm-up "
                    f"requests, {args.concurrency} threads, at most {args.page_seconds:.0f} s "
                    "per page.\n")
        auth = {role: {"cookies": sign_in(server.port, f"{role}@bench.dk")}
                for role in sorted({p.role for p in pages} - {"api"} | {"staff"})}
        auth["api"] = {"headers": {"Authorization": f"Bearer {token}"}}
        change = counted_change(make_app(absolute_sqlite(url))) if args.after_change else None
        if change is not None:
            report.line("First views: each request of a page follows a counted change "
                        "(`--after-change`).\n")
        floor = Page("floor: base layout, signed in", "staff", "/_bench/floor")
        half = len(pages) // 2
        measured = []
        for page in [floor, *pages[:half], floor, *pages[half:], floor]:
            print(f"  load: {page.name} …", flush=True)
            measured.append((page, hammer(server.port, page.path, auth[page.role], args.requests,
                                          args.concurrency, args.warmup, args.page_seconds,
                                          None if page is floor else change)))
    floor_rps = statistics.median(r.rps for page, r in measured if page is floor)
    p95_limit, share_limit = P95_MS[kind], FLOOR_SHARE.get(kind)
    rows = []
    floors = iter(("first", "middle", "last"))
    for page, r in measured:
        is_floor = page is floor
        share = r.rps / floor_rps if floor_rps else 0.0
        ok = (r.percentile(95) <= p95_limit and (share_limit is None or share >= share_limit)
              and not r.failures)
        failed |= bool(r.failures)
        if not is_floor:
            report.check(ok)
            if not ok:
                missed.append(page)
        target = f"p95 ≤ {p95_limit} ms" + (f", ≥ {share_limit:.0%} of floor" if share_limit
                                             else "")
        failures = (", ".join(f"{n}× {s or 'no answer'}" for s, n in r.failures.items())
                    if r.failures else "0")
        rows.append([
            f"*{page.name} ({next(floors)})*" if is_floor
            else page.name, f"`{page.path}`", f"{r.done}" + (" (cut at time cap)" if r.capped
                                                           else ""),
            failures, f"{r.percentile(50):.0f}", f"{r.percentile(95):.0f}", f"{r.rps:.1f}",
            "–" if is_floor else f"{share:.0%}",
            "–" if is_floor else f"{target}: {'ok' if ok else '**NOT MET**'}"])
    report.table(["page", "URL", "requests", "failures", "p50 ms", "p95 ms", "req/s",
                  "of floor", "target"], rows)
    report.line(f"Floor requests/s: the median of its three runs (first, middle, last), "
                f"{floor_rps:.1f}. Latencies are those of the measured requests; a page cut "
                "at the time cap has fewer of them.\n")
    if failed:
        report.failed("non-200 answers under load (see the failures column and "
                      f"bench/out/{log.name})")
    return missed


def gunicorn_version() -> str:
    import gunicorn

    return gunicorn.__version__


# --- In-process sections -------------------------------------------------------------------

class StatementLog:
    """Every SQL statement the engine runs while active, with the time of its execute()
    (SQLite computes the rows lazily: there the time until the first row; PostgreSQL
    sends the whole result)."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[tuple[float, str]] = []

    def _before(self, conn, _cursor, statement, *_args):
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, _cursor, statement, *_args):
        started = conn.info["bench_started"].pop()
        self.statements.append((time.perf_counter() - started, statement))

    def __enter__(self):
        self.statements = []
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    @property
    def seconds(self) -> float:
        return sum(s for s, _ in self.statements)

    def slowest(self, n: int = 3) -> list[tuple[float, str]]:
        return sorted(self.statements, key=lambda item: -item[0])[:n]


def settle(db, kind: str, report) -> None:
    """Bring the database to the state of a running deployment before measuring: on
    PostgreSQL `VACUUM ANALYZE` does what autovacuum does after this many inserts:
    statistics of the new rows for the planner, and the visibility map
    that lets a count read an index alone (the server these figures were measured on runs
    with autovacuum off: without this the statistics were those of the empty tables after
    `bench/generate.py`, and counting a project's 1,340 placements read 1,031 table pages)."""
    autovacuum = None
    if kind == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            autovacuum = conn.scalar(text("SHOW autovacuum"))
            conn.execute(text("VACUUM ANALYZE"))
    if kind == "postgresql":
        report.line(f"Before measuring, `VACUUM ANALYZE` (the server's autovacuum is "
                    f"{autovacuum}).\n")


def queries_section(app, db, pages: list[Page], token: str, profile: set[str], report) -> None:
    """SQL statements, in-process time and SQL time per page; the slowest statements of
    each page, and a profile of the pages named in `profile`."""
    clients = {}
    for role in {p.role for p in pages} - {"api"}:
        clients[role] = app.test_client()
        # In a context of its own, as every request here: the section runs inside an app
        # context, and a request in it would share its `g` with the sign-in before.
        response = contextvars.Context().run(
            clients[role].post, "/login",
            data={"email": f"{role}@bench.dk", "password": BENCH_PASSWORD})
        if response.status_code != 302:
            raise RuntimeError(f"in-process sign-in as {role} answered {response.status_code}")
    clients["api"] = app.test_client()
    rows, details = [], []
    for page in pages:
        print(f"  queries: {page.name} …", flush=True)
        client = clients[page.role]
        headers = {"Authorization": f"Bearer {token}"} if page.role == "api" else {}

        def get(client=client, path=page.path, headers=headers):
            # each request in a fresh context, as in a worker
            return contextvars.Context().run(client.get, path, headers=headers)

        first = get()
        with StatementLog(db.engine) as log:
            start = time.perf_counter()
            response = get()
            spent = time.perf_counter() - start
        if first.status_code != 200 or response.status_code != 200:
            report.failed(f"{page.path} answered {response.status_code} in-process")
        count = len(log.statements)
        rows.append([page.name, f"{count}", f"{1000 * spent:.0f}", f"{1000 * log.seconds:.0f}",
                     f"{1000 * log.slowest(1)[0][0]:.0f}" if log.statements else "–",
                     f"≤ {STATEMENTS}: {'ok' if count <= STATEMENTS else '**NOT MET**'}"])
        report.check(count <= STATEMENTS)
        details.append((page, spent, log))
    report.table(["page", "SQL statements", "in-process ms", "of which SQL ms",
                  "slowest statement ms", "target"], rows)
    report.line("One request after a warm-up request, Flask test client in this process "
                "(no HTTP, no gunicorn). SQL ms: the statements' execute() (on SQLite only "
                "until the first row; the rest shows up as fetching in the profile).\n")
    for page, spent, log in details:
        if page.name not in profile:
            continue
        report.line(f"**{page.name}** (`{page.path}`): {1000 * spent:.0f} ms in-process, "
                    f"SQL {1000 * log.seconds:.0f} ms in {len(log.statements)} statements; "
                    "slowest statements:\n")
        for seconds, statement in log.slowest(3):
            report.line(f"- {1000 * seconds:.0f} ms: `{' '.join(statement.split())[:300]}`")
        client = clients[page.role]
        headers = {"Authorization": f"Bearer {token}"} if page.role == "api" else {}
        profiler = cProfile.Profile()
        profiler.enable()
        contextvars.Context().run(client.get, page.path, headers=headers)
        profiler.disable()
        for title, order, restriction in (
                ("the application's functions by cumulative time", "cumulative",
                 ("tracker/|templates/", 10)),
                ("all functions by own time", "tottime", (10,))):
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats(order).print_stats(*restriction)
            lines = [line.replace(str(ROOT) + "/", "").replace(sys.base_prefix, "<python>")
                     for line in stream.getvalue().splitlines()
                     if re.match(r"\s+\d", line) or "ncalls" in line]
            report.line(f"\nProfile of one request (cProfile, which slows it), {title}:\n")
            report.line("```\n" + "\n".join(lines) + "\n```\n")


def fulfilment_section(db, report) -> None:
    from tracker.counting import clause_figures
    from tracker.models import Clause

    samples, sql = [], []
    for _ in range(3):
        db.session.expire_all()
        with StatementLog(db.engine) as log:
            start = time.perf_counter()
            figures = clause_figures(select(Clause.id), AS_OF)
            samples.append(time.perf_counter() - start)
        sql.append(log.seconds)
    median = statistics.median(samples)
    ok = median <= FULFILMENT_S
    report.check(ok)
    report.table(["clauses", "as of", "median s (3 runs)", "runs s", "of which SQL s",
                  "target"],
                 [[f"{len(figures):,}", AS_OF.isoformat(), f"{median:.2f}",
                   " / ".join(f"{s:.2f}" for s in samples), f"{statistics.median(sql):.2f}",
                   f"≤ {FULFILMENT_S:.0f} s: {'ok' if ok else '**NOT MET**'}"]])


# --- Sections in child processes -----------------------------------------------------------

DOCUMENTS_CODE = """
import json, sys
from datetime import date
from bench.documents import measure
rows = measure(sys.argv[1], int(sys.argv[2]), date.fromisoformat(sys.argv[3]))
print(json.dumps(rows))
"""


def documents_section(url: str, repeat: int, report) -> None:
    done = subprocess.run(
        [sys.executable, "-c", DOCUMENTS_CODE, url, str(repeat), AS_OF.isoformat()], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=STEP_TIMEOUT)
    if done.returncode:
        report.failed(f"documents: {_error(done.stderr)}")
        return
    rows = []
    for r in json.loads(done.stdout.strip().splitlines()[-1]):
        report.check(r["ok"])
        rows.append([r["document"], r["scope"], f"{r['pages']}", f"{r['build']:.2f}",
                     f"{r['attachment']:.2f}", f"{r['pdf']:.2f}", f"{r['total']:.2f}",
                     f"{r['peak_mb']:.0f}", f"≤ {DOCUMENT_S:.0f} s, ≤ {DOCUMENT_MB} MB: "
                     + ("ok" if r["ok"] else "**NOT MET**")])
    report.table(["document", "largest scope", "pages", "build s", "xlsx s", "pdf s",
                  "total s", "peak MB", "target"], rows)
    report.line(f"The slowest of {repeat} runs, each in a fresh process; *pdf* is the template "
                "and WeasyPrint; MB is the largest process's peak resident memory "
                "(bench/documents.py `measure`).\n")


def _error(stderr: str) -> str:
    """The exception line of a child's traceback (without SQL parameters), else its end."""
    lines = [line for line in stderr.splitlines()
             if re.match(r"[\w.]*(Error|Exception)\b", line)]
    return (lines[-1][:400] if lines else stderr.strip()[-400:]).replace("`", "'")


def _step(name: str, path: Path, url: str) -> dict:
    """One step of bench/import_bench.py in its own process; its JSON result."""
    command = [sys.executable, "bench/import_bench.py", "step", name, str(path.relative_to(ROOT))]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                          timeout=STEP_TIMEOUT,
                          env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)})
    if done.returncode:
        raise RuntimeError(f"{name} failed: {_error(done.stderr)}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def import_section(url: str, kind: str, report) -> None:
    """Export this database to a workbook; dry run and import it into a scratch database."""
    workbook = OUT / f"run-export-{kind}.xlsx"
    if kind == "sqlite":
        scratch = f"sqlite:///{OUT / 'run-import.db'}"
    else:
        scratch = make_url(url).set(database=PG_SCRATCH).render_as_string(hide_password=False)
    rows = []
    try:
        print("  import: export …", flush=True)
        exported = _step("export", workbook, absolute_sqlite(url))
        rows.append(["export of this database", f"{exported['seconds']}", f"{exported['peak_mb']}",
                     f"{exported['rows']:,} rows written", "–"])
        _drop_scratch(scratch)
        if kind == "postgresql":
            with _admin(scratch) as conn:
                conn.execute(text(f'CREATE DATABASE "{PG_SCRATCH}"'))
        subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", "db", "upgrade"],
                       cwd=ROOT, check=True, capture_output=True, timeout=STEP_TIMEOUT,
                       env={**os.environ, "DATABASE_URL": scratch})
        for name in ("dry-run", "import"):
            print(f"  import: {name} …", flush=True)
            r = _step(name, workbook, scratch)
            ok = r["problems"] == 0 and (name == "dry-run" or r["seconds"] <= IMPORT_S)
            report.check(ok)
            rows.append([f"{name} into an empty database", f"{r['seconds']}", f"{r['peak_mb']}",
                         f"{r['new']:,} new, {r['problems']} problems",
                         "no problems" + (f", ≤ {IMPORT_S:.0f} s" if name == "import" else "")
                         + (": ok" if ok else ": **NOT MET**")])
    except (RuntimeError, subprocess.SubprocessError) as error:
        report.failed(f"import: {error}")
    finally:
        _drop_scratch(scratch)
    report.table(["step", "seconds", "peak MB", "rows", "target"], rows)
    report.line(f"Workbook: bench/out/{workbook.name}; scratch database: "
                + ("bench/out/run-import.db" if kind == "sqlite" else f"`{PG_SCRATCH}`")
                + ", deleted afterwards. Each step is `bench/import_bench.py step …` in its own "
                  "process; peak MB is its ru_maxrss.\n")


def _admin(url: str):
    """An autocommit connection to the server's `postgres` database."""
    from sqlalchemy import create_engine

    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT",
                         poolclass=NullPool).connect()


def _drop_scratch(url: str) -> None:
    """Delete the import's scratch database, if it is there."""
    if make_url(url).get_backend_name() == "sqlite":
        Path(make_url(url).database).unlink(missing_ok=True)
    else:
        with _admin(url) as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_SCRATCH}" WITH (FORCE)'))


# --- The report ----------------------------------------------------------------------------

class Report:
    """Markdown, printed as it grows and kept for bench/out/run-<kind>.md."""

    def __init__(self):
        self.lines: list[str] = []
        self.missed = 0
        self.errors: list[str] = []

    def line(self, text_: str = "") -> None:
        print(text_, flush=True)
        self.lines.append(text_)

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.line("| " + " | ".join(header) + " |")
        self.line("|" + "|".join("---" for _ in header) + "|")
        for row in rows:
            self.line("| " + " | ".join(row) + " |")
        self.line()

    def check(self, ok: bool) -> None:
        self.missed += not ok

    def failed(self, message: str) -> None:
        self.errors.append(message)
        self.line(f"**The run failed:** {message}\n")


def _stop(signum, _frame):
    STOPPING.set()
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=200, help="measured requests per page")
    parser.add_argument("--concurrency", type=int, default=4, help="load-generator threads")
    parser.add_argument("--warmup", type=int, default=8, help="warm-up requests per page")
    parser.add_argument("--after-change", action="store_true",
                        help="load: a counted change before each request of a page (first views)")
    parser.add_argument("--page-seconds", type=float, default=20.0,
                        help="at most this long for one page's measured requests")
    parser.add_argument("--document-repeat", type=int, default=3)
    parser.add_argument("--upgrade", action="store_true",
                        help="run the migrations on the database first (schema only)")
    parser.add_argument("--skip", default="", help=f"comma-separated, of: {', '.join(SECTIONS)}")
    parser.add_argument("--profile", choices=("missed", "all", "none"), default="missed",
                        help="slowest statements and a cProfile of which pages (default: those "
                             "that miss their target under load)")
    args = parser.parse_args()
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if skip - set(SECTIONS):
        parser.error(f"--skip: unknown {', '.join(sorted(skip - set(SECTIONS)))}")
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)

    from tracker.api.auth import token_hash
    from tracker.audit import maintenance
    from tracker.cli import new_token
    from tracker.config import normalise_database_url
    from tracker.extensions import db
    from tracker.models import ApiToken, AuditEvent, User
    from tracker.models.audit import AuditEventParticipant

    url = absolute_sqlite(normalise_database_url(args.database_url))
    kind = kind_of(url)
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    pages_under_load = 8 + 3  # the measured pages and three floor runs
    budget = (("load" not in skip) * (pages_under_load * 4 / 3 * args.page_seconds + 60)
              + ("queries" not in skip) * 60 + ("fulfilment" not in skip) * 15
              + ("documents" not in skip) * STEP_TIMEOUT
              + ("import" not in skip) * 3 * STEP_TIMEOUT)
    print(f"Time budget: at most about {budget / 60:.0f} min (no request of a page is started "
          f"after {args.page_seconds:.0f} s, a child process is stopped after "
          f"{STEP_TIMEOUT} s); a typical run takes well under half of that.\n", flush=True)
    command = " ".join([".venv/bin/python", "bench/run.py",
                        *(shlex.quote(a) for a in sys.argv[1:])])
    report = Report()
    if args.upgrade:
        subprocess.run([sys.executable, "-m", "flask", "--app", "tracker", "db", "upgrade"],
                       cwd=ROOT, check=True, capture_output=True,
                       env={**os.environ, "DATABASE_URL": url})
    app = make_app(url)
    token = None
    with app.app_context():
        schema_warning = check_schema(db)
        first_event = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        pages = choose_pages(db)
        report.line(f"## bench/run.py — {'SQLite' if kind == 'sqlite' else 'PostgreSQL'}\n")
        report.line(f"Date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {revision()}; "
                    f"machine: {machine()}; database: {describe_database(db, kind, url)}; "
                    f"figures as of {AS_OF}.\n")
        report.line(f"Command:\n\n    {command}\n")
        if schema_warning:
            report.line(schema_warning)
        token = new_token(db.session.scalar(select(User).where(User.email == "staff@bench.dk")))
        db.session.commit()
        token_id = db.session.scalar(select(ApiToken.id).where(
            ApiToken.token_hash == token_hash(token)))
        db.session.remove()
    missed: list[Page] = []
    try:
        with app.app_context():
            settle(db, kind, report)
            db.session.remove()
        if "load" not in skip:
            report.line("### Pages under load\n")
            missed = load_section(url, kind, pages, token, args, report)
        with app.app_context():
            if "queries" not in skip:
                report.line("### SQL statements per page\n")
                profile = ({p.name for p in pages} if args.profile == "all" else
                           {p.name for p in missed} if args.profile == "missed" else set())
                queries_section(app, db, pages, token, profile, report)
            if "fulfilment" not in skip:
                print("  fulfilment …", flush=True)
                report.line("### Fulfilment of every clause\n")
                fulfilment_section(db, report)
            db.session.remove()
        if "documents" not in skip:
            print("  documents …", flush=True)
            report.line("### Documents, each for its largest scope\n")
            documents_section(url, args.document_repeat, report)
        if "import" not in skip:
            report.line("### Workbook export, dry run and import of this data set\n")
            import_section(url, kind, report)
    except (RuntimeError, subprocess.SubprocessError) as error:
        report.failed(str(error))
    finally:
        with app.app_context():  # leave the database as it was
            db.session.execute(delete(ApiToken).where(ApiToken.id == token_id))
            # Only the events of our token, sign-ins and participant views: others may
            # share the database (and the bench users).
            bench_users = select(User.id).where(User.email.in_(
                [f"{role}@bench.dk" for role in ("staff", "municipality", "contractor")]))
            ours = select(AuditEvent.id).where(
                AuditEvent.id > first_event,
                or_(and_(AuditEvent.entity == "api_tokens", AuditEvent.entity_id == token_id),
                    and_(AuditEvent.user_id.in_(bench_users),
                         AuditEvent.action.in_(("login", "view")))))
            # The access log is append-only (migration 0019) but in maintenance mode.
            with maintenance(db.session, "empty"):
                db.session.execute(delete(AuditEventParticipant).where(
                    AuditEventParticipant.event_id.in_(ours)))
                db.session.execute(delete(AuditEvent).where(AuditEvent.id.in_(ours)))
            db.session.commit()
            db.engine.dispose()
    elapsed = time.perf_counter() - started
    verdict = ("the run failed" if report.errors else
               f"{report.missed} target(s) NOT MET" if report.missed else "every target met")
    report.line(f"Whole run {elapsed / 60:.1f} min; load average at the end "
                f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}; {verdict}.")
    path = OUT / f"run-{kind}.md"
    path.write_text("\n".join(report.lines) + "\n")
    print(f"\nWritten to {path.relative_to(ROOT)}")
    return 2 if report.errors else 1 if report.missed else 0


if __name__ == "__main__":
    sys.exit(main())
