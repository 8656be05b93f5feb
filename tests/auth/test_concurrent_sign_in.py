"""Simultaneous sign-ins against a real server: gunicorn with 2 worker processes on
127.0.0.1, on this run's database, hit by 16 threads. The verdict holds whatever the
interleaving: no answer is a 5xx, every successful sign-in has its audit row and a working
session, and every failed one is audited and counted."""
import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import PASSWORD
from tracker.models import AuditEvent, SignInThrottle, User

ROOT = Path(__file__).resolve().parents[2]
THREADS_PER_ACCOUNT = 8
ATTEMPTS_PER_THREAD = 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def server(app, tmp_path):
    """gunicorn serving the app on the test's database with 2 workers; its base port."""
    port = _free_port()
    settings = tmp_path / "gunicorn_test.conf.py"
    settings.write_text("")  # not the project's gunicorn.conf.py: its binding and logs
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               SECRET_KEY="concurrent-test-secret",
               # The owner's correct attempts come from the same address as the guesses;
               # only the account's own throttle is under test here.
               TRACKER_SIGN_IN_FAILURES_PER_ADDRESS="100000")
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(settings), "-w", "2",
         "-b", f"127.0.0.1:{port}", "--timeout", "60", "tracker:create_app()"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60  # waiting for start-up, not part of the verdict
        while True:
            try:
                connection = HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gunicorn did not start: "
                            + (tmp_path / "gunicorn.log").read_text()[-2000:])
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def _cookie(response) -> str | None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0]
    return None


def _sign_in(port: int, email: str, password: str) -> tuple[int, str | None]:
    """The real form: fetch the page and its CSRF token, post it. (status, session cookie
    of the answer). The cookie is handled by hand: it is marked Secure, and this is http."""
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/login")
    page = connection.getresponse()
    body = page.read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body).group(1)
    connection.request("POST", "/login", body=urlencode(
        {"csrf_token": token, "email": email, "password": password, "next": ""}), headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": _cookie(page)})
    answer = connection.getresponse()
    answer.read()
    connection.close()
    return answer.status, _cookie(answer)


def _opens_the_overview(port: int, cookie: str) -> bool:
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/", headers={"Cookie": cookie})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status == 200


def _count(db, action, user) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.entity_id == user.id))


def test_simultaneous_sign_ins_never_fail_and_are_all_audited_and_counted(db, server):
    owner = factories.user("staff", email="ejer@example.dk")
    target = factories.user("staff", email="maal@example.dk")
    db.session.commit()
    jobs = [(owner.email, PASSWORD)] * THREADS_PER_ACCOUNT \
        + [(target.email, "forkert gæt")] * THREADS_PER_ACCOUNT

    def thread(job):
        return [(job[0], *_sign_in(server, *job)) for _ in range(ATTEMPTS_PER_THREAD)]

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        answers = [answer for batch in pool.map(thread, jobs) for answer in batch]

    per_account = THREADS_PER_ACCOUNT * ATTEMPTS_PER_THREAD  # 24
    assert len(answers) == 2 * per_account
    assert [status for _email, status, _cookie in answers if status >= 500] == []
    owner_answers = [(s, c) for e, s, c in answers if e == owner.email]
    target_answers = [s for e, s, _c in answers if e == target.email]
    # The owner never fails, so each of the 24 attempts signs in, with a session that works.
    assert [s for s, _c in owner_answers] == [302] * per_account
    assert all(_opens_the_overview(server, cookie) for _s, cookie in owner_answers)
    db.session.expire_all()
    assert _count(db, "login", owner) == per_account
    assert db.session.get(User, owner.id).version == 1
    # Every wrong guess is refused; each was either checked (audited as failed, counted) or
    # refused unchecked while the account waited (audited as throttled), never lost.
    assert target_answers == [200] * per_account
    failed, throttled = _count(db, "login_failed", target), _count(db, "login_throttled", target)
    assert failed + throttled == per_account
    counted = db.session.scalar(select(SignInThrottle.failures).where(
        SignInThrottle.kind == "account", SignInThrottle.key == target.email))
    assert counted == failed >= 5  # at least the free failures before the wait began
