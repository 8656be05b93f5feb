"""User administration and changing one's own password: bad input, sessions ended
everywhere, tokens revoked, admins only."""
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import PASSWORD
from tracker.auth.passwords import verify_password
from tracker.models import ApiToken, AuditEvent, User, UserSession

NEW_PASSWORD = "blåbærgrød med fløde og kanel"


def named(role: str, name: str, **kw) -> User:
    """A user with a chosen name (the shared factory names users after their role)."""
    user = factories.user(role, **kw)
    user.name = name
    return user


@pytest.fixture()
def admin(db, login):
    user = named("admin", "Mette Kjær")
    db.session.commit()
    login(user)
    return user


def _form(**overrides):
    data = {"email": "Lone.Bak@Kaerhoej.dk", "name": "Lone Bak", "role": "staff",
            "organisation_id": "", "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}
    data.update(overrides)
    return data


def _users(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def _signed_in(client) -> bool:
    """True when the client's session still opens the overview (not sent to sign in)."""
    return client.get("/").status_code == 200


def _token(user: User, token_hash: str) -> ApiToken:
    """A token in use, expiring in 90 days."""
    now = datetime.now(UTC)
    return ApiToken(user=user, token_hash=token_hash, created_at=now,
                    expires_at=now + timedelta(days=90))


def _open_sessions(db, user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)))


# --- Create --------------------------------------------------------------------------------


def test_create_secretariat_user(db, client, admin):
    response = client.post("/users/new", data=_form())
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "lone.bak@kaerhoej.dk"))
    assert (user.name, user.role, user.organisation_id, user.active) == (
        "Lone Bak", "staff", None, True)
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, NEW_PASSWORD)


def test_the_user_list_counts_a_new_user_at_once(db, client, admin):
    """The list's length follows a new user at once."""
    assert "1 række" in client.get("/users/").get_data(as_text=True)  # the admin
    assert client.post("/users/new", data=_form()).status_code == 302
    page = client.get("/users/").get_data(as_text=True)
    assert "2 rækker" in page and "Lone Bak" in page


def test_create_contractor_user_bound_to_a_contractor(db, client, admin):
    firm = factories.organisation("contractor", name="Kærhøj Byg A/S")
    db.session.commit()
    assert client.post("/users/new", data=_form(role="contractor",
                                                organisation_id=str(firm.id))).status_code == 302
    user = db.session.scalar(select(User).where(User.role == "contractor"))
    assert user.organisation_id == firm.id


@pytest.mark.parametrize("overrides, message", [
    ({"role": "contractor"}, "En bruger med rollen Entreprenør skal høre til en organisation "
                             "af typen Entreprenør"),
    ({"role": "municipality"}, "En bruger med rollen Kommune skal høre til en organisation "
                               "af typen Kommune"),
    ({"password": "kort kode", "password_repeat": "kort kode"},
     "Adgangskoden skal have mindst 12 tegn"),
    ({"password": "password1234", "password_repeat": "password1234"},
     "Adgangskoden er for almindelig eller for enkel"),
    ({"password_repeat": NEW_PASSWORD + "!"}, "De to adgangskoder er ikke ens"),
    ({"email": "ikke-en-adresse"}, "Ugyldig e-mailadresse"),
    ({"name": ""}, "Feltet skal udfyldes"),
    ({"role": "superuser"}, "Ikke et gyldigt valg"),
])
def test_bad_user_input(db, client, admin, overrides, message):
    response = client.post("/users/new", data=_form(**overrides))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in body
    kept = 'value="Lone Bak"' if "name" not in overrides else 'value="lone.bak@kaerhoej.dk"'
    assert kept in body  # the input is kept
    assert _users(db) == 1


def test_duplicate_email_is_refused_whatever_the_case(db, client, admin):
    named("staff", "Lone Bak", email="lone.bak@kaerhoej.dk")
    db.session.commit()
    body = client.post("/users/new", data=_form()).get_data(as_text=True)
    assert "Lone Bak har allerede denne e-mailadresse" in body
    assert _users(db) == 2


def test_builder_cannot_be_bound_to_a_contractor(db, client, admin):
    firm = factories.organisation("contractor", name="Kærhøj Byg A/S")
    db.session.commit()
    body = client.post("/users/new", data=_form(role="builder", organisation_id=str(firm.id))
                       ).get_data(as_text=True)
    assert ("Kærhøj Byg A/S er registreret som Entreprenør; en bruger med rollen Bygherre skal "
            "høre til en organisation af typen Bygherre (boligorganisation)") in body
    assert _users(db) == 1


def test_staff_cannot_belong_to_an_organisation(db, client, admin):
    firm = factories.organisation("builder")
    db.session.commit()
    body = client.post("/users/new", data=_form(organisation_id=str(firm.id))).get_data(
        as_text=True)
    assert "Administratorer og sekretariatsmedarbejdere hører ikke til en organisation" in body


# --- Edit, deactivate -------------------------------------------------------------------------


def _edit(user, **overrides):
    data = {"name": user.name, "role": user.role,
            "organisation_id": str(user.organisation_id or ""), "active": "y",
            "version": user.version}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_edit_role_and_organisation(db, client, admin):
    user = factories.user("staff", email="jonas@sekretariat.dk")
    municipality = factories.organisation("municipality", name="Aarhus Kommune")
    db.session.commit()
    response = client.post(f"/users/{user.id}/edit", data=_edit(
        user, name="Jonas Holm", role="municipality", organisation_id=str(municipality.id)))
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.role, user.organisation_id, user.email) == (
        "Jonas Holm", "municipality", municipality.id, "jonas@sekretariat.dk")


def test_edit_is_locked_optimistically(db, client, admin):
    user = factories.user("staff")
    db.session.commit()
    assert client.post(f"/users/{user.id}/edit",
                       data=_edit(user, name="Første")).status_code == 302
    body = client.post(f"/users/{user.id}/edit", data=_edit(user, name="Anden", version=1)
                       ).get_data(as_text=True)
    assert "En anden har gemt denne registrering" in body
    assert 'value="Anden"' in body
    db.session.refresh(user)
    assert user.name == "Første"


def test_admin_cannot_deactivate_or_demote_themselves(db, client, admin):
    body = client.post(f"/users/{admin.id}/edit", data=_edit(admin, active=None)).get_data(
        as_text=True)
    assert "Du kan ikke deaktivere dig selv" in body
    body = client.post(f"/users/{admin.id}/edit", data=_edit(admin, role="staff")).get_data(
        as_text=True)
    assert "Du kan ikke fratage dig selv administratorrollen" in body
    body = client.post(f"/users/{admin.id}/active", follow_redirects=True).get_data(as_text=True)
    assert "Du kan ikke deaktivere dig selv" in body
    db.session.refresh(admin)
    assert (admin.active, admin.role) == (True, "admin")
    assert _signed_in(client)


def test_deactivate_signs_out_and_reactivate(db, app, client, admin):
    user = factories.user("staff")
    db.session.commit()
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert _signed_in(other)
    client.post(f"/users/{user.id}/active")
    db.session.refresh(user)
    assert user.active is False
    assert not _signed_in(other)
    assert other.post("/login", data={"email": user.email, "password": PASSWORD}
                      ).status_code == 200  # refused
    client.post(f"/users/{user.id}/active")
    db.session.refresh(user)
    assert user.active is True
    assert other.post("/login", data={"email": user.email, "password": PASSWORD}
                      ).status_code == 302


def test_list_search_filter_and_export(db, client, admin):
    firm = factories.organisation("contractor", name="Kærhøj Byg A/S")
    named("contractor", "Lone Bak", org=firm, email="lone@kaerhoej.dk")
    named("staff", "Jonas Holm", email="jonas@sekretariat.dk", active=False)
    db.session.commit()
    body = client.get("/users/?q=kærhøj").get_data(as_text=True)
    assert "Lone Bak" in body and "Jonas Holm" not in body
    body = client.get("/users/?state=inactive").get_data(as_text=True)
    assert "Jonas Holm" in body and "Lone Bak" not in body and "1 række" in body
    raw = client.get("/users/?role=contractor&export=csv")
    rows = list(csv.reader(io.StringIO(raw.get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))
    assert rows[0][:5] == ["Navn", "E-mail", "Rolle", "Organisation", "Aktiv"]
    assert rows[1][:5] == ["Lone Bak", "lone@kaerhoej.dk", "Entreprenør", "Kærhøj Byg A/S", "ja"]
    assert len(rows) == 2


# --- Sessions and passwords -----------------------------------------------------------------


def test_sign_out_everywhere(db, app, client, admin):
    user = factories.user("staff")
    token = _token(user, "d" * 64)
    db.session.add(token)
    db.session.commit()
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.post("/login", data={"email": user.email, "password": PASSWORD})
        assert _signed_in(device)
    assert _open_sessions(db, user) == 2
    response = client.post(f"/users/{user.id}/sign-out", follow_redirects=True)
    assert ("er logget ud overalt, og brugerens API-nøgler er tilbagekaldt"
            in response.get_data(as_text=True))
    for device in (laptop, phone):
        response = device.get("/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _open_sessions(db, user) == 0
    db.session.refresh(token)
    assert token.revoked_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "signed_out_all"))
    assert (event.entity_id, event.actor, event.changes) == (
        user.id, admin.email, {"sessions_ended": 2, "api_tokens_revoked": 1})
    assert _signed_in(client)  # the admin's own session is untouched


def test_admin_signing_themselves_out_everywhere_keeps_this_session(db, app, client, admin):
    other = app.test_client()
    other.post("/login", data={"email": admin.email, "password": PASSWORD})
    client.post(f"/users/{admin.id}/sign-out")
    assert _signed_in(client)
    assert not _signed_in(other)


def test_reset_password_signs_the_user_out(db, app, client, admin):
    user = factories.user("contractor", org=factories.organisation("contractor"))
    db.session.commit()
    device = app.test_client()
    device.post("/login", data={"email": user.email, "password": PASSWORD})
    body = client.post(f"/users/{user.id}/password", data={
        "password": "123456789012", "password_repeat": "123456789012"}).get_data(as_text=True)
    assert "Adgangskoden er for almindelig eller for enkel" in body
    assert _signed_in(device)
    token = _token(user, "e" * 64)
    db.session.add(token)
    db.session.commit()
    response = client.post(f"/users/{user.id}/password", data={
        "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    assert response.status_code == 302
    assert not _signed_in(device)
    db.session.refresh(token)
    assert token.revoked_at is not None
    assert device.post("/login", data={"email": user.email, "password": PASSWORD}
                       ).status_code == 200
    assert device.post("/login", data={"email": user.email, "password": NEW_PASSWORD}
                       ).status_code == 302


def test_change_own_password_ends_other_sessions_only(db, app, client, login):
    user = factories.user("builder", org=factories.organisation("builder"))
    token = _token(user, "f" * 64)
    db.session.add(token)
    db.session.commit()
    login(user)
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": PASSWORD})
    assert _signed_in(other)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD,
        "password_repeat": NEW_PASSWORD}, follow_redirects=True)
    assert "Din adgangskode er ændret" in response.get_data(as_text=True)
    assert _signed_in(client)  # this session carries on
    response = other.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _open_sessions(db, user) == 1  # this one
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    db.session.refresh(token)
    assert token.revoked_at is not None
    assert db.session.scalar(select(AuditEvent.actor).where(
        AuditEvent.action == "password_changed")) == user.email


@pytest.mark.parametrize("data, message", [
    ({"current_password": "forkert adgangskode"}, "Den nuværende adgangskode er forkert"),
    ({"password": "kort", "password_repeat": "kort"}, "Adgangskoden skal have mindst 12 tegn"),
    ({"password": "123456789012", "password_repeat": "123456789012"},
     "for almindelig eller for enkel"),
    ({"password_repeat": "noget helt andet her"}, "De to adgangskoder er ikke ens"),
    ({"password": PASSWORD, "password_repeat": PASSWORD},
     "Den nye adgangskode skal være en anden end den nuværende"),
])
def test_change_password_bad_input(db, app, client, login, data, message):
    user = factories.user("municipality", org=factories.organisation("municipality"))
    db.session.commit()
    login(user)
    form = {"current_password": PASSWORD, "password": NEW_PASSWORD,
            "password_repeat": NEW_PASSWORD, **data}
    response = client.post("/account/password", data=form)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.refresh(user)
    assert (_open_sessions(db, user), verify_password(user.password_hash, PASSWORD)) == (1, True)


def test_change_password_needs_sign_in(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- API tokens -----------------------------------------------------------------------------


def test_tokens_listed_and_revoked(db, client, admin):
    user = factories.user("staff")
    token = _token(user, "a" * 64)
    other_user = factories.user("staff")
    other_token = _token(other_user, "b" * 64)
    db.session.add_all([token, other_token])
    db.session.commit()
    body = client.get(f"/users/{user.id}/edit").get_data(as_text=True)
    assert "I brug" in body and "Tilbagekald" in body and "Aldrig" in body
    response = client.post(f"/users/{user.id}/tokens/{token.id}/revoke")
    assert response.status_code == 302
    db.session.refresh(token)
    assert token.revoked_at is not None
    body = client.get(f"/users/{user.id}/edit").get_data(as_text=True)
    tokens = body.split('id="tokens"', 1)[1]
    assert "Tilbagekaldt" in tokens and "I brug" not in tokens
    # Another user's token through this user's address: 404, and it stays in use.
    assert client.post(f"/users/{user.id}/tokens/{other_token.id}/revoke").status_code == 404
    db.session.refresh(other_token)
    assert other_token.revoked_at is None


def test_revoked_token_no_longer_opens_the_api(db, app, client, admin):
    """The API's own check (tracker.api, another module) refuses a revoked token."""
    import hashlib

    user = factories.user("staff")
    token = _token(user, hashlib.sha256(b"hemmelig-noegle").hexdigest())
    db.session.add(token)
    db.session.commit()
    if "api" not in app.blueprints:
        pytest.skip("the API is not there yet")
    headers = {"Authorization": "Bearer hemmelig-noegle"}
    api = app.test_client()
    assert api.get("/api/v1/projects", headers=headers).status_code == 200
    client.post(f"/users/{user.id}/tokens/{token.id}/revoke")
    assert api.get("/api/v1/projects", headers=headers).status_code == 401


# --- Who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "contractor", "builder", "municipality"])
def test_user_pages_answer_404_to_everyone_but_admins(db, client, login, role):
    org = factories.organisation(role) if role != "staff" else None
    user = factories.user(role, org=org)
    victim = factories.user("staff")
    token = _token(victim, "c" * 64)
    db.session.add(token)
    db.session.commit()
    login(user)
    for method, url in [
        ("GET", "/users/"), ("GET", "/users/?export=xlsx"), ("GET", "/users/new"),
        ("POST", "/users/new"), ("GET", f"/users/{victim.id}/edit"),
        ("POST", f"/users/{victim.id}/edit"), ("POST", f"/users/{victim.id}/active"),
        ("POST", f"/users/{victim.id}/sign-out"), ("GET", f"/users/{victim.id}/password"),
        ("POST", f"/users/{victim.id}/password"),
        ("POST", f"/users/{victim.id}/tokens/{token.id}/revoke"),
        ("GET", "/users/sign-in-attempts"), ("POST", "/users/sign-in-attempts/1/clear"),
    ]:
        assert client.open(url, method=method).status_code == 404, (role, method, url)
    db.session.refresh(victim)
    db.session.refresh(token)
    assert (victim.active, victim.password_hash == user.password_hash, token.revoked_at) == (
        True, True, None)
    assert client.get("/account/password").status_code == 200  # their own password: yes


def test_role_choices_are_in_danish(db, client, admin):
    body = client.get("/users/new").get_data(as_text=True)
    assert ">Sekretariatsmedarbejder<" in body and ">Bygherre<" in body


def test_forged_organisation_value_is_refused_calmly(db, client, admin):
    body = client.post("/users/new", data=_form(role="builder", organisation_id="abc")
                       ).get_data(as_text=True)
    assert "Ikke et gyldigt valg" in body
    assert _users(db) == 1


@pytest.mark.parametrize("address", ["staff@bar.test", "staff@bar"])
def test_the_user_form_refuses_what_the_sign_in_form_refuses(db, client, admin, address):
    before = _users(db)
    body = client.post("/users/new", data=_form(email=address)).get_data(as_text=True)
    assert "Ugyldig e-mailadresse." in body and _users(db) == before
