"""Each role signs in through the real login page and sees only its navigation."""
import pytest

from tests import factories
from tests.conftest import PASSWORD

MENUS = {
    "staff": ["Overblik", "Byggesager", "Deltagere", "Organisationer", "Boligområder"],
    "contractor": ["Overblik", "Byggesager", "Deltagere"],
    "builder": ["Overblik", "Byggesager"],
    "municipality": ["Overblik", "Byggesager", "Deltagere"],
}
SECRETARIAT_ONLY = ["Organisationer", "Boligområder", "Opfølgninger", "Referencedata", "Brugere"]


@pytest.mark.parametrize("role", list(MENUS))
def test_sign_in_shows_role_navigation(db, page, shot, role):
    org = factories.organisation(role) if role != "staff" else None
    user = factories.user(role, org=org)
    db.session.commit()
    page.goto("/")
    assert page.url.endswith("/login?next=%2F")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url("**/")
    menu = page.get_by_role("navigation", name="Hovedmenu")
    entries = menu.get_by_role("link").all_inner_texts()
    assert entries[:2] == ["Overblik", "Byggesager"]
    assert set(MENUS[role]) <= set(entries)
    if role != "staff":
        assert not set(SECRETARIAT_ONLY) & set(entries)
    if role == "builder":
        assert "Deltagere" not in entries
    shot(f"sign-in-{role}")
    page.get_by_role("button", name="Log ud").click()
    page.wait_for_url("**/login")
    assert "Du er logget ud" in page.content()


def test_wrong_password_message(db, page, shot):
    user = factories.user("staff")
    db.session.commit()
    page.goto("/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Adgangskode").fill("forkert adgangskode")
    page.get_by_role("button", name="Log ind").click()
    assert page.get_by_text("E-mail eller adgangskode er forkert").is_visible()
    shot("sign-in-wrong-password")
