"""The API tested against its own OpenAPI document: generated inputs, no 5xx, responses
conform to the schema."""
import pytest
import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance
from hypothesis import HealthCheck, given, settings

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
        app.config["TEST_TOKEN"] = new_token(staff)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        _empty_database()
        db.engine.dispose()


def test_api_conforms_to_its_schema(api_app):
    """Every operation, 30 generated requests each, with a staff token."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)
    headers = {"Authorization": f"Bearer {api_app.config['TEST_TOKEN']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 10

    for operation in operations:
        # A period whose end precedes its start fits the schema but means nothing; the API
        # refuses it with 400 and a reason, so "valid data accepted" cannot hold there.
        excluded = ([positive_data_acceptance] if operation.path.startswith("/municipalities")
                    else [])

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            response = case.call_and_validate(headers=headers, excluded_checks=excluded)
            assert response.status_code < 500

        check()
