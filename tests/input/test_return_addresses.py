"""A return address (`next=`) is followed only when it stays on this site."""
import pytest

from tracker.urls import is_local_url

# Each of these takes the browser to another site: a tab or line break is dropped from a
# URL ("/\t/evil" becomes "//evil"), and a backslash is read as a slash.
FOREIGN = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\x7f/evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\t//evil.example",
    " //evil.example",
    "https://evil.example",
    "HTTPS://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "",
    None,
]
LOCAL = ["/", "/follow-ups/", "/participants/12?tab=pathway#x", "/projects/?q=a%2Fb",
         "/%09/evil.example"]  # still escaped: the browser keeps it as part of a local path


@pytest.mark.parametrize("target", FOREIGN)
def test_addresses_off_the_site_are_not_local(target):
    assert not is_local_url(target)


@pytest.mark.parametrize("target", LOCAL)
def test_paths_on_the_site_are_local(target):
    assert is_local_url(target)


def test_saving_a_follow_up_does_not_leave_for_the_issues_address(db, client, staff, ended):
    url = (f"/placements/{ended.id}/follow-ups/new?months=12"
           "&next=%2F%09%2Fevil.example")
    response = client.post(url, data={"months": "12", "status": "employed",
                                      "follow_up_date": "2026-02-02"})
    assert response.status_code == 302
    # Back to the participant's page instead.
    assert response.headers["Location"] == f"/participants/{ended.participant_id}"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\\evil.example", "//evil.example"])
def test_signing_in_does_not_leave_the_site(db, client, target):
    from tests import factories
    from tests.conftest import PASSWORD

    user = factories.user("staff")
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "next": target})
    assert response.headers["Location"] == "/"


def test_signing_in_returns_to_a_local_page(db, client):
    from tests import factories
    from tests.conftest import PASSWORD

    user = factories.user("staff")
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "next": "/projects/?q=Gellerup"})
    assert response.headers["Location"] == "/projects/?q=Gellerup"


def test_choosing_a_language_does_not_leave_the_site(client):
    response = client.post("/language", data={"lang": "en", "next": "/\t/evil.example"})
    assert response.headers["Location"] == "/"
