"""API tokens end: an expiry chosen at issue (90 days unless chosen), a last-used date, a
page "API-nøgler" where users see and revoke their own tokens, and revocation with the
user's sessions."""
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from tests import factories
from tracker.api.auth import issue_token
from tracker.models import ApiToken, AuditEvent


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _stored(db, token: str) -> ApiToken:
    db.session.expire_all()
    return db.session.scalar(select(ApiToken).where(
        ApiToken.token_hash == hashlib.sha256(token.encode()).hexdigest()))


@pytest.mark.parametrize("args, days", [([], 90), (["--days", "30"], 30),
                                        (["--days", "365"], 365)])
def test_create_token_expires_after_the_chosen_days(db, runner, args, days):
    user = factories.user("staff")
    db.session.commit()
    result = runner.invoke(args=["create-token", user.email, "--name", "Power BI", *args])
    assert result.exit_code == 0, result.output
    stored = _stored(db, result.output.strip())
    assert stored.name == "Power BI"
    assert stored.expires_at - stored.created_at == timedelta(days=days)


def test_create_token_refuses_other_lifetimes(db, runner):
    user = factories.user("staff")
    db.session.commit()
    result = runner.invoke(args=["create-token", user.email, "--days", "45"])
    assert result.exit_code == 2 and "'45' is not one of '30', '90', '180', '365'" in result.output


def test_an_expired_token_is_refused(db, client):
    user = factories.user("staff")
    token = issue_token(user, days=30)
    db.session.commit()
    assert client.get("/api/v1/projects", headers=_bearer(token)).status_code == 200
    db.session.execute(update(ApiToken).values(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    db.session.commit()
    assert client.get("/api/v1/projects", headers=_bearer(token)).status_code == 401


def test_last_use_is_stamped_without_an_audit_entry(db, client):
    user = factories.user("staff")
    token = issue_token(user)
    db.session.commit()
    before = datetime.now(UTC)
    client.get("/api/v1/projects", headers=_bearer(token))
    stamped = _stored(db, token).last_used_at.replace(tzinfo=UTC)
    assert stamped >= before
    client.get("/api/v1/projects", headers=_bearer(token))  # within 5 minutes: not again
    assert _stored(db, token).last_used_at.replace(tzinfo=UTC) == stamped
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "api_tokens", AuditEvent.action == "update")) == 0


def test_my_tokens_page_shows_only_my_tokens(db, client, login):
    user = factories.user("contractor", org=factories.organisation("contractor"))
    other = factories.user("staff")
    issue_token(user, name="Lønsystem")
    old = issue_token(user, days=30, name="Gammelt script")
    issue_token(other, name="Fremmed nøgle")
    db.session.commit()
    db.session.execute(update(ApiToken).where(ApiToken.token_hash == hashlib.sha256(
        old.encode()).hexdigest()).values(expires_at=datetime.now(UTC) - timedelta(days=1)))
    db.session.commit()
    login(user)
    page = client.get("/account/api-tokens").get_data(as_text=True)
    assert "API-nøgler" in page
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "Lønsystem" in rows and "Gammelt script" in rows and "Fremmed nøgle" not in rows
    assert rows.count("Tilbagekald</button>") == 1  # the expired one cannot be revoked
    assert "Udløbet" in rows and "I brug" in rows


def test_revoking_my_token_is_audited_and_another_s_is_404(db, client, login):
    user = factories.user("builder", org=factories.organisation("builder"))
    other = factories.user("staff")
    mine, theirs = issue_token(user), issue_token(other)
    db.session.commit()
    login(user)
    mine_id, theirs_id = _stored(db, mine).id, _stored(db, theirs).id
    assert client.post(f"/account/api-tokens/{theirs_id}/revoke").status_code == 404
    assert _stored(db, theirs).revoked_at is None
    response = client.post(f"/account/api-tokens/{mine_id}/revoke", follow_redirects=True)
    assert "API-nøglen er tilbagekaldt" in response.get_data(as_text=True)
    assert _stored(db, mine).revoked_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "api_tokens",
                                                       AuditEvent.action == "update"))
    assert (event.actor, event.entity_id, list(event.changes)) == (
        user.email, mine_id, ["revoked_at"])
    assert client.get("/api/v1/projects", headers=_bearer(mine)).status_code == 401


def test_my_tokens_page_needs_sign_in(client):
    response = client.get("/account/api-tokens")
    assert response.status_code == 302 and "/login" in response.location


def test_a_new_password_revokes_my_tokens(db, client, login):
    user = factories.user("staff")
    token = issue_token(user)
    db.session.commit()
    login(user)
    new = "blåbærgrød med fløde og kanel"
    client.post("/account/password", data={"current_password": "correct horse battery staple",
                                            "password": new, "password_repeat": new})
    assert client.get("/api/v1/projects", headers=_bearer(token)).status_code == 401
