"""Malformed requests get a 4xx that says why: too large a body, a method not allowed, an
as-of date that is empty or no date (issue #23, point 10)."""
import pytest

from tests import factories


def test_a_body_over_the_limit_is_413_with_a_danish_page(app, db, client, staff):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/participants/new", data={"name": "x" * 2000})
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    assert "Det sendte er for stort" in body
    assert "Fejlkode 413" in body


def test_a_body_over_the_limit_on_the_api_is_413_json(app, db, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/api/v1/reports", data="x" * 2000,
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json["error"]["status"] == 413


@pytest.mark.parametrize("method", ["TRACE", "PUT", "DELETE", "PATCH"])
def test_a_method_not_allowed_says_which_are(client, method):
    response = client.open("/login", method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_a_method_not_allowed_on_the_api_says_which_are(client):
    response = client.open("/api/v1/projects", method="TRACE")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert response.json["error"]["status"] == 405


@pytest.fixture()
def figures(db):
    """A project with an agreement and a signed-in secretariat worker."""
    project = factories.project(contractors=[factories.organisation("contractor")])
    agreement = factories.agreement(project)
    factories.clause(agreement)
    user = factories.user("staff")
    db.session.commit()
    return project, agreement, user


def _pages(project, agreement):
    return ["/", f"/projects/{project.id}", f"/agreements/{agreement.id}"]


# Before 1900 or after 2999 the charts' months around the date run off the calendar.
@pytest.mark.parametrize("value", ["", "30-06-2026", "2026-02-30", "i dag", "20260630",
                                   "0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"])
def test_an_empty_unreadable_or_far_as_of_is_400_with_a_message(client, login, figures, value):
    project, agreement, user = figures
    login(user)
    for url in _pages(project, agreement):
        response = client.get(f"{url}?as_of={value}")
        assert response.status_code == 400, url
        body = response.get_data(as_text=True)
        assert ("Datoen for tallene skal skrives som ÅÅÅÅ-MM-DD, fx 2026-06-30, og ligge i "
                "årene 1900–2999.") in body, url


@pytest.mark.parametrize("value", ["1900-01-01", "2999-12-31", "2026-06-30"])
def test_any_real_date_as_of_is_shown(client, login, figures, value):
    project, agreement, user = figures
    login(user)
    for url in _pages(project, agreement):
        assert client.get(f"{url}?as_of={value}").status_code == 200, (url, value)


def test_without_as_of_the_figures_are_as_of_today(client, login, figures):
    project, agreement, user = figures
    login(user)
    for url in _pages(project, agreement):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("value", ["", "30-06-2026", "2026-02-30", "20260630", "2026-W26-2"])
def test_an_empty_or_unreadable_as_of_on_the_api_is_400(db, client, figures, value):
    from tracker.cli import new_token

    project, _agreement, user = figures
    token = new_token(user)
    db.session.commit()
    response = client.get(f"/api/v1/projects/{project.id}/fulfilment?as_of={value}",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.json["error"]["message"] == (
        f"'as_of' must be a date as YYYY-MM-DD, not '{value}'.")


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_the_api_takes_any_date_of_the_calendar(db, client, figures, value):
    from tracker.cli import new_token

    project, _agreement, user = figures
    token = new_token(user)
    db.session.commit()
    response = client.get(f"/api/v1/projects/{project.id}/fulfilment?as_of={value}",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json["as_of"] == value
