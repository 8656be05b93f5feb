"""The migrations are the schema: the models match them (flask db check), and they go
down to nothing and up again."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from tracker.extensions import db


def test_models_match_the_migrated_schema(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_downgrade_to_base_and_upgrade_again(tmp_path):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'updown.db'}")
    with app.app_context():
        upgrade()
        assert "participants" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert "placements" in inspect(db.engine).get_table_names()
        db.engine.dispose()
