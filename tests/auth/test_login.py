"""Sign-in, sign-out, redirects, cookies and headers. Throttling: test_throttle.py;
server-side sessions: test_sessions.py."""
import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import PASSWORD, make_app
from tracker.models import AuditEvent


def test_login_page_is_danish_by_default(client):
    body = client.get("/login").get_data(as_text=True)
    assert "Log ind" in body and "Adgangskode" in body


def test_wrong_password_gives_danish_message(db, client):
    user = factories.user("staff")
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": "wrong password!"})
    assert response.status_code == 200
    assert "E-mail eller adgangskode er forkert" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login_failed"))


def test_login_and_logout(db, client, login):
    user = factories.user("staff")
    db.session.commit()
    login(user)
    assert client.get("/").status_code == 200
    client.post("/logout")
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.location


def test_email_is_case_insensitive(db, client):
    factories.user("staff", email="case@example.dk")
    db.session.commit()
    response = client.post("/login", data={"email": "CASE@example.DK", "password": PASSWORD})
    assert response.status_code == 302


def test_inactive_user_cannot_sign_in(db, client):
    user = factories.user("staff", active=False)
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("target, expected", [
    ("/projects/", "/projects/"),
    ("https://evil.example/", "/"),
    ("//evil.example/x", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_redirect_after_login_only_to_local_paths(db, client, target, expected):
    user = factories.user("staff")
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "next": target})
    assert response.status_code == 302
    assert response.location.removeprefix("http://localhost") == expected


def test_session_cookie_flags(db, client):
    user = factories.user("staff")
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookie_outside_debug(migrated):
    app = make_app(migrated, TESTING=False)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_csrf_token_required(migrated):
    app = make_app(migrated, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        user = factories.user("staff")
        from tracker.extensions import db

        db.session.commit()
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 400
        db.session.remove()
        from tests.conftest import _empty_database

        _empty_database()


def test_security_headers(client):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_password_is_hashed_with_argon2id(db):
    user = factories.user("staff")
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_english_can_be_chosen(client):
    client.post("/language", data={"lang": "en", "next": "/login"})
    body = client.get("/login").get_data(as_text=True)
    assert "Sign in" in body and 'lang="en"' in body


@pytest.mark.parametrize("role, visible, hidden", [
    ("admin", ["Byggesager", "Deltagere"], []),
    ("staff", ["Byggesager", "Deltagere"], []),
    ("contractor", ["Byggesager", "Deltagere"], []),
    ("builder", ["Byggesager"], ["Deltagere"]),
    ("municipality", ["Byggesager", "Deltagere"], []),
])
def test_navigation_by_role(db, client, login, role, visible, hidden):
    org = factories.organisation(role) if role in ("contractor", "builder", "municipality") else None
    user = factories.user(role, org=org)
    db.session.commit()
    login(user)
    nav = client.get("/").get_data(as_text=True).split("<nav", 1)[1].split("</nav>", 1)[0]
    for word in visible:
        assert word in nav
    for word in hidden:
        assert word not in nav
