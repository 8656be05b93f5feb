"""Inputs no database accepts are refused before they reach one."""
from tests import factories


def test_nul_byte_in_a_search_is_400_not_500(db, client, login):
    user = factories.user("staff")
    db.session.commit()
    login(user)
    response = client.get("/projects/?q=abc%00def")
    assert response.status_code == 400
    assert "kunne ikke forstås" in response.get_data(as_text=True)


def test_nul_byte_in_a_form_is_400(db, client):
    response = client.post("/login", data={"email": "a\x00@example.dk", "password": "x" * 12})
    assert response.status_code == 400


def test_nul_byte_in_an_api_query_is_400(db, client, runner):
    user = factories.user("staff")
    db.session.commit()
    token = runner.invoke(args=["create-token", user.email]).output.strip()
    response = client.get("/api/v1/projects?case_number=%00",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400
    assert response.json["error"]["status"] == 400
