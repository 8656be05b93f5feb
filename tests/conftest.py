"""Fixtures: one database per run (SQLite, or PostgreSQL when TEST_DATABASE_URL is set),
built by the Alembic migrations, emptied after every test."""
import contextvars
import os
import secrets
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, make_url, text

from tests import factories
from tracker import create_app
from tracker.config import normalise_database_url
from tracker.extensions import db as _db

# Rows the migrations seed; kept between tests.
REFERENCE_TABLES = ("benefit_groups", "placement_rules")
SEEDED_ROWS = {"benefit_groups": 10, "placement_rules": 5}


@contextmanager
def scratch_database(prefix: str, folder: Path | None = None):
    """The URL of a new empty database of the run's kind (a SQLite file in `folder`, or a
    database on the TEST_DATABASE_URL server), dropped afterwards."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        folder = folder or Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
        yield f"sqlite:///{folder / 'test.db'}"
        return
    server_url = make_url(normalise_database_url(server))
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url():
    """Create this run's own database; drop it afterwards."""
    with scratch_database("tracker_test") as url:
        yield url


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as in production: its own app context,
    `g`, database session and locale, not the test's."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_app(database_url, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "localhost",
        # Tests change data and look at once; tests/dashboard/test_kept_figures.py keeps them.
        "TRACKER_DASHBOARD_SECONDS": 0,
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def migrated(database_url):
    """Build the schema once per run with the migrations (never create_all)."""
    from flask_migrate import upgrade

    app = make_app(database_url)
    with app.app_context():
        upgrade()
        _db.engine.dispose()
    return database_url


def _empty_database():
    """Every row but the seeded ones gone. The audit trail is append-only in the database:
    emptied in maintenance mode, the one transaction the triggers let delete it."""
    engine = _db.engine
    kept = (*REFERENCE_TABLES, "maintenance_mode", "retention_settings")
    tables = [t for t in reversed(_db.metadata.sorted_tables) if t.name not in kept]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO maintenance_mode (id, reason) VALUES (1, 'empty')"))
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
        for name in REFERENCE_TABLES[::-1]:
            conn.execute(text(f"DELETE FROM {name} WHERE id > {SEEDED_ROWS[name]}"))
        # Seeded by the migrations, one row per kind: back to the five years they start with.
        conn.execute(text("UPDATE retention_settings SET months = 60"))
        conn.execute(text("DELETE FROM maintenance_mode"))


@pytest.fixture()
def app(migrated):
    app = make_app(migrated)
    with app.app_context():
        yield app
        _db.session.remove()
        _empty_database()
        _db.engine.dispose()  # every test's app has its own pool; close it


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def db(app):
    return _db


PASSWORD = "correct horse battery staple"


@pytest.fixture()
def login(client):
    """Sign a user in through the real login form."""

    def _login(user, password=PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return _login


@pytest.fixture()
def staff(db, login):
    """A secretariat worker, signed in."""
    user = factories.user("staff")
    db.session.commit()
    login(user)
    return user


def statements(db, action):
    """The result of `action()` and the SQL statements it sent, in order."""
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = action()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return result, seen


@pytest.fixture()
def redis_url():
    """The Redis server at TEST_REDIS_URL (default 127.0.0.1:6379). Without a server the
    test is skipped, except in CI (TRACKER_REQUIRE_REDIS), where it must run."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        Redis.from_url(url, socket_connect_timeout=2).ping()
    except RedisConnectionError:
        if os.environ.get("TRACKER_REQUIRE_REDIS"):
            raise
        pytest.skip(f"no Redis server at {url}")
    return url


@pytest.fixture()
def redis_queue(app, redis_url):
    """The app with a queue on that Redis server (`redis_url`), under a queue name of this
    test's own, emptied afterwards."""
    app.config.update(TRACKER_REDIS_URL=redis_url, TRACKER_QUEUE=f"tracker-test-{secrets.token_hex(4)}")
    from tracker import jobs

    queue = jobs.queue(app)
    yield queue
    queue.empty()
    queue.delete(delete_jobs=True)


def work_off(queue):
    """Run every job on the queue in this process, in the test's app context (rq's
    SimpleWorker), as a worker would."""
    from rq import SimpleWorker

    SimpleWorker([queue], connection=queue.connection).work(burst=True)
