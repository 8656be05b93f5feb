"""Default configuration; instance/config.py and the environment override it."""
import json
import os
import secrets
from datetime import timedelta
from pathlib import Path


class DefaultConfig:
    """Settings every deployment starts from."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Idle timeout: the permanent session is refreshed on every request.
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)
    # Absolute timeout, checked against the login time kept in the session.
    TRACKER_SESSION_MAX_AGE = timedelta(hours=10)
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "da"
    BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
    TRACKER_LANGUAGES = ("da", "en")
    # Sign-in throttling, counted in the database so that every process sees the same
    # figures: failed attempts allowed per typed e-mail and per address before each further
    # attempt must wait; the wait (seconds) doubles with every failure up to the longest;
    # failures are forgotten after a quiet spell, and an account's on a successful sign-in.
    TRACKER_SIGN_IN_FAILURES_PER_ACCOUNT = 5
    TRACKER_SIGN_IN_FAILURES_PER_ADDRESS = 20
    TRACKER_SIGN_IN_FIRST_DELAY = 30
    TRACKER_SIGN_IN_LONGEST_DELAY = 15 * 60
    TRACKER_SIGN_IN_FORGET_AFTER = 60 * 60
    # Storage of Flask-Limiter's counters (/verify): this URI when set, else the job queue's
    # Redis (TRACKER_REDIS_URL), else each process's memory.
    TRACKER_RATELIMIT_STORAGE_URI = None
    # How long a dashboard's clause overview and charts are kept for a scope and date, in
    # seconds (tracker.dashboard.service.figures_for); 0 keeps nothing. Kept in the job queue's
    # Redis (TRACKER_REDIS_URL), else in each process's memory.
    TRACKER_DASHBOARD_SECONDS = 60
    RATELIMIT_HEADERS_ENABLED = False
    MAX_CONTENT_LENGTH = 60 * 1024 * 1024
    # Rows below the header an import reads from one sheet: the national data set's largest
    # sheet, placements, has 100,000. A larger sheet is refused before it is read.
    TRACKER_IMPORT_MAX_ROWS = 200_000
    # Limits of one workbook check or import on the job queue: seconds, bytes of memory.
    TRACKER_IMPORT_TIMEOUT = 900
    TRACKER_IMPORT_MEMORY = 2 * 1024 * 1024 * 1024
    # Limits of one document's job on the queue: wall-clock seconds, address space in bytes.
    TRACKER_DOCUMENT_TIMEOUT = 300
    TRACKER_DOCUMENT_MEMORY = 1024 * 1024 * 1024
    TRACKER_FORCE_HTTPS = False
    # Reverse proxies in front of the app that set X-Forwarded-For and -Proto (0: none). The
    # sign-in throttle counts per client address: behind a proxy, without this, every user
    # would share the proxy's. Never more than there are, or a client could choose its own.
    TRACKER_TRUSTED_PROXIES = 0
    # The address users reach the app at, for links in e-mails and PDFs (README).
    TRACKER_PUBLIC_URL = "http://127.0.0.1:5000"


ENV_PREFIX = "TRACKER_"


def load_config(app, test_config=None):
    """Fill app.config: defaults, instance/config.py, environment, test_config."""
    app.config.from_object(DefaultConfig)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
        Path(app.instance_path) / "tracker.db"
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        _from_environment(app)
    else:
        app.config.update(test_config)
    if app.debug or app.testing:
        app.config["SESSION_COOKIE_SECURE"] = False
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["TRACKER_RATELIMIT_STORAGE_URI"]
                          or app.config.get("TRACKER_REDIS_URL") or "memory://")
    if app.config.get("TRACKER_REDIS_URL"):
        app.config.setdefault("CACHE_TYPE", "RedisCache")
        app.config.setdefault("CACHE_REDIS_URL", app.config["TRACKER_REDIS_URL"])
        app.config.setdefault("CACHE_KEY_PREFIX", "tracker:")
    else:
        app.config.setdefault("CACHE_TYPE", "SimpleCache")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # PostgreSQL's JIT compiled the fulfilment aggregate for longer than our short
        # queries run, and saved nothing.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.setdefault("connect_args", {"options": "-c jit=off"})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _from_environment(app):
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    # TRACKER_* variables set the setting of the same name; JSON values are parsed.
    for key, raw in os.environ.items():
        if key.startswith(ENV_PREFIX):
            try:
                app.config[key] = json.loads(raw)
            except ValueError:
                app.config[key] = raw


def public_url(config) -> str:
    """TRACKER_PUBLIC_URL without its trailing slash; the default when set empty."""
    return str(config.get("TRACKER_PUBLIC_URL") or DefaultConfig.TRACKER_PUBLIC_URL).rstrip("/")


def normalise_database_url(url):
    """Use psycopg 3 for plain postgres:// and postgresql:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(app):
    """Read the secret key kept in instance/, creating it once with mode 0600."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()
