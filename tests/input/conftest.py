"""Bad input from anywhere: the two-sided world of the access tests, and a small helper."""
from datetime import date

import pytest

from tests import factories
from tests.access.conftest import world  # noqa: F401 - the same two organisations' worlds


@pytest.fixture()
def ended(db):
    """A participant's placement that has ended, ready for a follow-up."""
    municipality = factories.organisation("municipality")
    firm = factories.organisation("contractor")
    person = factories.participant(municipality, name="Amina Hassan")
    placement = factories.placement(person, firm, start_date=date(2026, 1, 5),
                                    end_date=date(2026, 1, 30), outcome="unemployed")
    db.session.commit()
    return placement
