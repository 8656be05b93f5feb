"""Server-side sessions: a sign-in is a row, and a cookie works only while its row is open,
not idle too long and not too old. Sign-ins of one account that overlap all succeed."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from tests import factories
from tests.conftest import PASSWORD
from tracker.models import AuditEvent, SignInThrottle, User, UserSession


def _session_row(db, user) -> UserSession:
    db.session.expire_all()
    return db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                              .order_by(UserSession.created_at.desc())).first()


def _move(db, row_id, **values) -> None:
    db.session.execute(update(UserSession).where(UserSession.id == row_id).values(**values))
    db.session.commit()


def _goes_to_login(client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and "/login" in response.location


def _copy_cookie(source, target) -> None:
    cookie = source.get_cookie("session")
    target.set_cookie("session", cookie.value, domain=cookie.domain)


def test_a_copied_cookie_stops_working_when_its_owner_signs_out(db, app, client, login):
    user = factories.user("staff")
    db.session.commit()
    login(user)
    thief = app.test_client()
    _copy_cookie(client, thief)
    assert thief.get("/").status_code == 200  # the copy works while the session is open
    client.post("/logout")
    assert _goes_to_login(thief)
    assert _session_row(db, user).ended_at is not None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "logout")) == 1


def test_an_idle_session_ends(db, client, login):
    user = factories.user("staff")
    db.session.commit()
    login(user)
    row = _session_row(db, user)
    _move(db, row.id, last_seen_at=datetime.now(UTC) - timedelta(minutes=31))  # idle limit 30
    assert _goes_to_login(client)
    assert _session_row(db, user).ended_at is not None


def test_a_session_ends_ten_hours_after_sign_in_however_busy(db, client, login):
    user = factories.user("staff")
    db.session.commit()
    login(user)
    row = _session_row(db, user)
    _move(db, row.id, created_at=datetime.now(UTC) - timedelta(hours=10, minutes=1))
    assert _goes_to_login(client)


def test_last_seen_is_written_at_most_once_a_minute(db, client, login):
    user = factories.user("staff")
    db.session.commit()
    login(user)
    row = _session_row(db, user)
    earlier = datetime.now(UTC) - timedelta(seconds=50)
    _move(db, row.id, last_seen_at=earlier)
    assert client.get("/").status_code == 200
    assert _session_row(db, user).last_seen_at.replace(tzinfo=UTC) == earlier  # < a minute
    _move(db, row.id, last_seen_at=earlier - timedelta(seconds=20))
    before = datetime.now(UTC)
    assert client.get("/").status_code == 200
    assert _session_row(db, user).last_seen_at.replace(tzinfo=UTC) >= before


def test_a_cookie_whose_row_is_gone_is_refused(db, client, login):
    user = factories.user("staff")
    db.session.commit()
    login(user)
    db.session.execute(UserSession.__table__.delete())
    db.session.commit()
    assert _goes_to_login(client)


def test_a_sign_in_removes_the_user_s_ended_sessions(db, app, client, login):
    user = factories.user("staff")
    db.session.commit()
    for _ in range(3):
        login(user)
        client.post("/logout")
    login(user)
    db.session.expire_all()
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert [r.ended_at for r in rows] == [None]


def test_signing_in_leaves_the_user_row_s_version_alone(db, app, client, login):
    """A sign-in stamps the user with a plain UPDATE: an administrator's form, opened before,
    still saves."""
    user = factories.user("staff")
    admin = factories.user("admin")
    db.session.commit()
    other = app.test_client()
    for device in (client, other):
        assert device.post("/login", data={"email": user.email, "password": PASSWORD}
                           ).status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.version == 1 and user.last_login_at is not None
    admin_client = app.test_client()
    admin_client.post("/login", data={"email": admin.email, "password": PASSWORD})
    response = admin_client.post(f"/users/{user.id}/edit", data={
        "name": "Nyt Navn", "role": "staff", "organisation_id": "", "active": "y", "version": 1})
    assert response.status_code == 302


def _logins(db, action, user) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.entity_id == (user.id if user else None)))


def _while_checking_the_password(monkeypatch, second_attempt):
    """Make the next password check run `second_attempt()` to its end first: a sign-in that
    starts and finishes while another is between reading the user and writing its outcome."""
    from tracker.auth import service

    real = service.verify_password
    ran = []
    started = []

    def verify(password_hash, password):
        if not started:  # only the first check; the second attempt's own check runs plainly
            started.append(True)
            ran.append(second_attempt())
        return real(password_hash, password)

    monkeypatch.setattr(service, "verify_password", verify)
    return ran


def test_two_overlapping_sign_ins_of_one_account_both_succeed(db, app, client, monkeypatch):
    user = factories.user("staff")
    db.session.commit()
    other = app.test_client()
    ran = _while_checking_the_password(monkeypatch, lambda: other.post(
        "/login", data={"email": user.email, "password": PASSWORD}).status_code)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert (response.status_code, ran) == (302, [302])
    assert _logins(db, "login", user) == 2
    assert client.get("/").status_code == 200 and other.get("/").status_code == 200


def test_two_overlapping_wrong_guesses_are_both_counted(db, app, client, monkeypatch):
    user = factories.user("staff")
    db.session.commit()
    other = app.test_client()
    ran = _while_checking_the_password(monkeypatch, lambda: other.post(
        "/login", data={"email": user.email, "password": "gæt nummer et"}).status_code)
    response = client.post("/login", data={"email": user.email, "password": "gæt nummer to"})
    assert (response.status_code, ran) == (200, [200])
    assert _logins(db, "login_failed", user) == 2
    db.session.expire_all()
    assert db.session.scalar(select(SignInThrottle.failures).where(
        SignInThrottle.kind == "account", SignInThrottle.key == user.email)) == 2


def test_a_user_signs_out_everywhere_else_and_stays_signed_in_here(db, app, client, login):
    """A phone lost: from any session, every other one ends and the API tokens go."""
    from tracker.cli import new_token
    from tracker.models import ApiToken

    user = factories.user("contractor", org=factories.organisation("contractor"))
    db.session.commit()
    login(user)
    phone = app.test_client()
    phone.post("/login", data={"email": user.email, "password": PASSWORD})
    assert phone.get("/").status_code == 200
    token = new_token(user)
    db.session.commit()
    assert client.post("/account/sign-out-everywhere").status_code == 302
    assert _goes_to_login(phone)
    assert client.get("/").status_code == 200
    assert app.test_client().get("/api/v1/projects", headers={
        "Authorization": f"Bearer {token}"}).status_code == 401
    db.session.expire_all()
    assert db.session.scalars(select(ApiToken.revoked_at)).one() is not None
