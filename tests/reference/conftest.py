"""The seeded reference rows stay between tests (tests/conftest.py); these tests change
them (ending a benefit group, deleting a rule), so each test puts them back as they were."""
import pytest
from sqlalchemy import insert, select, update

from tracker.models import BenefitGroup, PlacementRule


@pytest.fixture(autouse=True)
def restore_seeded_reference_rows(db):
    engine = db.engine
    tables = (BenefitGroup.__table__, PlacementRule.__table__)
    with engine.connect() as conn:
        saved = {table: [dict(row) for row in conn.execute(select(table)).mappings()]
                 for table in tables}
    yield
    db.session.remove()
    with engine.begin() as conn:
        for table, rows in saved.items():
            for row in rows:
                changed = conn.execute(update(table).where(table.c.id == row["id"]).values(**row))
                if changed.rowcount == 0:  # deleted by the test
                    conn.execute(insert(table).values(**row))
