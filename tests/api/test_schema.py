"""The API tested against its own OpenAPI document: generated inputs, no 5xx, responses
conform to the schema."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import _empty_database, make_app
from tracker.extensions import db


@pytest.fixture(scope="module")
def api_app(migrated):
    """The demo data set and a staff token, in an app shared by the generated cases."""
    from sqlalchemy import select

    from tracker import demo
    from tracker.cli import new_token
    from tracker.models import User

    app = make_app(migrated)
    with app.app_context():
        demo.seed()
        staff = db.session.scalar(select(User).where(User.role == "staff"))
        contractor = db.session.scalar(select(User).where(User.role == "contractor"))
        app.config["TEST_TOKEN"] = new_token(staff)
        app.config["CONTRACTOR_TOKEN"] = new_token(contractor)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        _empty_database()
        db.engine.dispose()


def test_api_conforms_to_its_schema(api_app):
    """Every operation, 30 generated requests each, with a staff token (reports are posted
    with a contractor's)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 13

    for operation in operations:
        # Rules a schema cannot state are answered 400 with a reason, so "valid data is
        # accepted" cannot hold there: a period whose end precedes its start, and a report's
        # period and figures, which depend on the clause (its periods, its unit).
        excluded = ([positive_data_acceptance]
                    if operation.path.startswith("/municipalities") or operation.method.upper()
                    == "POST" else [])
        token = api_app.config["CONTRACTOR_TOKEN" if operation.method.upper() == "POST"
                               else "TEST_TOKEN"]
        _check(operation, {"Authorization": f"Bearer {token}"}, excluded)()


def _check(operation, headers, excluded):
    """A Hypothesis test of one operation: generated requests, schema-checked answers."""

    @given(case=operation.as_strategy())
    @settings(max_examples=30, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call_and_validate(headers=headers, excluded_checks=excluded)
        assert response.status_code < 500

    return check


@pytest.mark.parametrize("role", ["TEST_TOKEN", "CONTRACTOR_TOKEN"])
def test_no_generated_request_gets_a_server_error(api_app, role):
    """Every operation with a staff and a contractor token, with data the schema allows
    (ids up to 2³¹−1, any date) and data it does not (other numbers, text for ids and
    dates): whatever the answer, it is never a 5xx."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)
    headers = {"Authorization": f"Bearer {api_app.config[role]}"}
    for operation in (result.ok() for result in schema.get_all_operations()):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _no_server_error(operation, mode, headers)()


def _no_server_error(operation, mode, headers):
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=15, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error], headers=headers)

    return check


EDGE_IDS = [0, 2**31 - 1, 2**31, 2**63, 2**64]
EDGE_DATES = ["", "0001-01-01", "9999-12-31", "2026-02-29", "2028-02-29", "10000-01-01",
              "2026-13-01", "-2026-01-01"]


@pytest.mark.parametrize("role", ["TEST_TOKEN", "CONTRACTOR_TOKEN"])
def test_ids_and_dates_at_their_edges(api_app, role):
    """Each id parameter at 0, at the last 32-bit id and past it, past 64 bits; each date
    parameter empty, at the ends of the calendar and past them, on a leap day."""
    client = api_app.test_client()
    headers = {"Authorization": f"Bearer {api_app.config[role]}"}
    with api_app.app_context():
        from sqlalchemy import select

        from tracker.models import Organisation
        cvr = db.session.scalar(select(Organisation.cvr).where(
            Organisation.kind == "municipality").order_by(Organisation.id))
    urls = [f"/api/v1/{path}" for ident in EDGE_IDS for path in (
        f"projects/{ident}", f"projects/{ident}/fulfilment", f"clauses/{ident}",
        f"participants/{ident}", f"placements/{ident}", f"reports/{ident}",
        f"clauses?project_id={ident}", f"placements?participant_id={ident}",
        f"placements?project_id={ident}", f"projects?page={ident}",
        f"participants?per_page={ident}")]
    urls += [f"/api/v1/{path}" for day in EDGE_DATES for path in (
        f"projects/1/fulfilment?as_of={day}", f"clauses/1?as_of={day}",
        f"municipalities/{cvr}/summary?from={day}&to=9999-12-31",
        f"municipalities/{cvr}/summary?from=0001-01-01&to={day}")]
    for url in urls:
        response = client.get(url, headers=headers)
        assert response.status_code < 500, url
    for ident in EDGE_IDS:
        response = client.post("/api/v1/reports", headers=headers,
                               json={"clause_id": ident, "period_start": "2026-01-01"})
        assert response.status_code in (400, 403, 404), ident
