"""Sign-in throttling in the database: per address and per typed e-mail, the same answer
for known and unknown accounts, a doubling wait rather than a lock-out, and an
administrators' page to lift it. The clock is fixed (tracker.auth.routes.utcnow), never
slept on."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import PASSWORD
from tracker.auth.throttle import delay_after
from tracker.models import AuditEvent, SignInThrottle

WRONG = "forkert adgangskode"
PLAIN = "E-mail eller adgangskode er forkert, eller brugeren er deaktiveret."


def waiting(seconds: int) -> str:
    return (f"Forkert e-mail eller adgangskode, eller for mange forsøg — vent {seconds} "
            "sekunder, og prøv igen.")


class Clock:
    """A fixed "now" that a test moves on by hand."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture()
def clock(monkeypatch):
    # From the real now, so the session rows of a sign-in are fresh for the user loader.
    fixed = Clock(datetime.now(UTC).replace(microsecond=0))
    monkeypatch.setattr("tracker.auth.routes.utcnow", fixed)
    monkeypatch.setattr("tracker.users.routes.utcnow", fixed)
    return fixed


def attempt(client, email, password, address="10.0.0.1"):
    """POST the sign-in form from an address; (status, the flashed messages)."""
    response = client.post("/login", data={"email": email, "password": password},
                           environ_base={"REMOTE_ADDR": address})
    body = response.get_data(as_text=True)
    return response.status_code, re.findall(r'<p class="flash flash-\w+">(.*?)</p>', body)


def _row(db, kind, key) -> SignInThrottle | None:
    db.session.expire_all()
    return db.session.scalar(select(SignInThrottle).where(
        SignInThrottle.kind == kind, SignInThrottle.key == key))


def _events(db, action) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action))


def test_the_wait_doubles_from_the_fifth_failure_up_to_fifteen_minutes(app):
    # Defaults: 5 free failures per account, 30 s first wait, at most 900 s.
    waits = [delay_after(n, 5) for n in range(3, 12)]
    assert waits == [None, None] + [timedelta(seconds=s) for s in
                                    (30, 60, 120, 240, 480, 900, 900)]
    assert delay_after(10_000, 5) == timedelta(seconds=900)


def test_known_and_unknown_accounts_get_the_same_answers(db, client, clock):
    user = factories.user("staff")
    db.session.commit()
    answers = {}
    for email, address in ((user.email, "10.0.0.1"), ("ingen@example.dk", "10.0.0.2")):
        answers[email] = [attempt(client, email, WRONG, address) for _ in range(6)]
    expected = [(200, [PLAIN])] * 4 + [(200, [waiting(30)])] * 2
    assert answers[user.email] == expected
    assert answers["ingen@example.dk"] == expected
    assert _row(db, "account", "ingen@example.dk").failures == 5  # counted, though unknown


def test_the_owner_signs_in_once_the_wait_is_over(db, client, clock):
    user = factories.user("staff")
    db.session.commit()
    for _ in range(5):
        attempt(client, user.email, WRONG)
    # The right password is refused unchecked while the wait lasts, with the same words.
    assert attempt(client, user.email, PASSWORD) == (200, [waiting(30)])
    clock.advance(seconds=29)
    assert attempt(client, user.email, PASSWORD) == (200, [waiting(1)])
    clock.advance(seconds=1)
    assert attempt(client, user.email, PASSWORD)[0] == 302
    assert _row(db, "account", user.email) is None  # a success forgets the account's failures
    assert _row(db, "address", "10.0.0.1").failures == 5  # not the address's
    assert (_events(db, "login_failed"), _events(db, "login_throttled"), _events(db, "login")) \
        == (5, 2, 1)


def test_each_further_failure_doubles_the_wait(db, client, clock):
    user = factories.user("staff")
    db.session.commit()
    for _ in range(5):
        attempt(client, user.email, WRONG)
    answers = []
    for wait in (30, 60, 120, 240, 480, 900):  # each attempt made when the wait is over
        clock.advance(seconds=wait)
        answers.append(attempt(client, user.email, WRONG)[1][0])
    # From two minutes on the wait is said in minutes.
    assert answers == [waiting(60)] + [
        f"Forkert e-mail eller adgangskode, eller for mange forsøg — vent {m} minutter, og "
        "prøv igen." for m in (2, 4, 8, 15, 15)]
    row = _row(db, "account", user.email)
    assert row.failures == 11
    assert row.not_before.replace(tzinfo=UTC) == clock.now + timedelta(minutes=15)


def test_an_address_is_throttled_whatever_the_e_mails(db, client, clock):
    user = factories.user("staff")
    db.session.commit()
    for n in range(20):  # the address's 20 free failures, each with another e-mail
        attempt(client, f"gaet{n}@example.dk", WRONG, "10.0.0.9")
    assert attempt(client, user.email, PASSWORD, "10.0.0.9") == (200, [waiting(30)])
    assert attempt(client, user.email, PASSWORD, "10.0.0.10")[0] == 302  # another address


def test_an_account_is_throttled_from_every_address(db, client, clock):
    user = factories.user("staff")
    db.session.commit()
    for n in range(5):
        attempt(client, user.email, WRONG, f"10.0.1.{n}")
    assert attempt(client, user.email, PASSWORD, "10.0.1.99") == (200, [waiting(30)])


def test_failures_are_forgotten_after_a_quiet_hour(db, client, clock):
    user = factories.user("staff")
    db.session.commit()
    for _ in range(4):
        attempt(client, user.email, WRONG)
    clock.advance(minutes=61)
    assert attempt(client, user.email, WRONG) == (200, [PLAIN])
    assert _row(db, "account", user.email).failures == 1


def test_a_deactivated_user_s_attempts_count_like_wrong_passwords(db, client, clock):
    user = factories.user("staff", active=False)
    db.session.commit()
    answers = [attempt(client, user.email, PASSWORD) for _ in range(5)]
    assert answers == [(200, [PLAIN])] * 4 + [(200, [waiting(30)])]
    assert _row(db, "account", user.email).failures == 5


def test_an_administrator_sees_and_lifts_a_wait(db, app, client, login, clock):
    admin = factories.user("admin")
    user = factories.user("staff", email="lone.bak@example.dk")
    db.session.commit()
    login(admin)
    other = app.test_client()
    for _ in range(5):
        attempt(other, user.email, WRONG, "10.0.2.1")
    page = client.get("/users/sign-in-attempts").get_data(as_text=True)
    assert "Mislykkede login" in page
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "lone.bak@example.dk" in rows and "10.0.2.1" in rows
    row = _row(db, "account", user.email)
    response = client.post(f"/users/sign-in-attempts/{row.id}/clear", follow_redirects=True)
    assert "lone.bak@example.dk kan logge ind igen med det samme" in response.get_data(
        as_text=True)
    assert _row(db, "account", user.email) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "throttle_cleared"))
    assert (event.actor, event.entity_id, event.changes) == (
        admin.email, user.id, {"kind": "account", "key": "lone.bak@example.dk", "failures": 5})
    # The address still waits; from elsewhere the user signs in at once, at the same time.
    assert attempt(other, user.email, PASSWORD, "10.0.2.2")[0] == 302


def test_guessing_the_current_password_is_throttled_too(db, client, login, clock):
    user = factories.user("staff")
    db.session.commit()
    login(user)
    form = {"current_password": WRONG, "password": "blåbærgrød med fløde og kanel",
            "password_repeat": "blåbærgrød med fløde og kanel"}
    bodies = [client.post("/account/password", data=form).get_data(as_text=True)
              for _ in range(5)]
    assert all("Den nuværende adgangskode er forkert" in b for b in bodies[:4])
    assert "For mange mislykkede forsøg. Vent 30 sekunder, og prøv igen." in bodies[4]
    body = client.post("/account/password", data={**form, "current_password": PASSWORD}
                       ).get_data(as_text=True)
    assert "For mange mislykkede forsøg. Vent 30 sekunder" in body  # refused while waiting
    assert _row(db, "account", user.email).failures == 5
