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


def test_0017_gives_existing_tokens_ninety_days(tmp_path):
    """Tokens issued before 0017 never expired; after it they expire 90 days after it ran."""
    from datetime import UTC, datetime, timedelta

    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'tokens.db'}")
    with app.app_context():
        upgrade(revision="0014")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (id, email, name, password_hash, role) "
                "VALUES (1, 'a@example.dk', 'A', 'x', 'staff')"))
            connection.execute(text(
                "INSERT INTO api_tokens (user_id, token_hash, created_at) "
                "VALUES (1, :hash, '2025-01-01 00:00:00')"), {"hash": "a" * 64})
        before = datetime.now(UTC).replace(tzinfo=None)
        upgrade(revision="0017")
        with db.engine.connect() as connection:
            name, expires = connection.execute(text(
                "SELECT name, expires_at FROM api_tokens")).one()
        expires = datetime.fromisoformat(expires)
        assert name == ""
        assert before + timedelta(days=90) <= expires <= datetime.now(UTC).replace(
            tzinfo=None) + timedelta(days=90)
        db.engine.dispose()
