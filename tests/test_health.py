"""/healthz answers from the database."""


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_dead_database(migrated, tmp_path):
    from tests.conftest import make_app

    # A directory cannot be opened as an SQLite database: the check must fail cleanly.
    app = make_app(f"sqlite:///{tmp_path}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
