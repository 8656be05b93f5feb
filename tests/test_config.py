"""Configuration: defaults, environment, the instance secret key."""
import os

from tracker import create_app
from tracker.config import normalise_database_url


def test_default_database_is_sqlite_in_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + os.path.join(
        app.instance_path, "tracker.db")


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db:5432/tracker")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("TRACKER_SIGN_IN_FAILURES_PER_ACCOUNT", "5")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db:5432/tracker"
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["TRACKER_SIGN_IN_FAILURES_PER_ACCOUNT"] == 5


def test_secret_key_generated_once_into_instance(monkeypatch, tmp_path):
    from flask import Flask

    from tracker.config import load_config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first, second = Flask("a", instance_path=str(tmp_path)), Flask("b", instance_path=str(tmp_path))
    load_config(first)
    load_config(second)
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) == 64


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgres://x/y") == "postgresql+psycopg://x/y"
    assert normalise_database_url("sqlite:///a.db") == "sqlite:///a.db"


def test_rate_limit_storage_from_the_environment(monkeypatch):
    monkeypatch.setenv("TRACKER_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379")
    app = create_app()
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379"


def test_rate_limit_storage_is_the_queue_s_redis_when_set(monkeypatch):
    monkeypatch.delenv("TRACKER_RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("TRACKER_REDIS_URL", "redis://127.0.0.1:6379/0")
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    monkeypatch.delenv("TRACKER_REDIS_URL")
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_dashboards_are_kept_in_the_queue_s_redis_when_set(monkeypatch):
    monkeypatch.setenv("TRACKER_REDIS_URL", "redis://127.0.0.1:6379/0")
    config = create_app().config
    assert (config["CACHE_TYPE"], config["CACHE_REDIS_URL"]) == ("RedisCache",
                                                                 "redis://127.0.0.1:6379/0")
    monkeypatch.delenv("TRACKER_REDIS_URL")
    assert create_app().config["CACHE_TYPE"] == "SimpleCache"
