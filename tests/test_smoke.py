from tests import factories


def test_login_page_is_danish(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "<html lang=\"da\"" in response.get_data(as_text=True)


def test_staff_sees_project(app, client, login):
    staff = factories.user("staff")
    project = factories.project(case_number="2026-777")
    app.extensions["sqlalchemy"].session.commit()
    login(staff)
    response = client.get(f"/projects/{project.id}")
    assert response.status_code == 200
    assert "2026-777" in response.get_data(as_text=True)
