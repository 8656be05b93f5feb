"""The partnership and placement tracker: application factory."""
from functools import lru_cache
from pathlib import Path

from flask import Flask

from tracker.config import load_config


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app from named steps; no migrations or data loading happen here."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    load_config(app, test_config)
    trust_proxies(app)
    register_logging(app)
    register_extensions(app)
    register_url_converters(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Take the client's address and scheme from the trusted proxies' headers."""
    proxies = int(app.config["TRACKER_TRUSTED_PROXIES"])
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def register_extensions(app: Flask) -> None:
    from tracker import audit, auth, changes, i18n
    from tracker.extensions import (
        babel,
        cache,
        csrf,
        db,
        limiter,
        login_manager,
        migrate,
        talisman,
    )
    from tracker.participants import pending
    from tracker.reporting import obligations

    db.init_app(app)
    cache.init_app(app)
    _configure_sqlite(app, db)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=auth.select_locale)
    i18n.install(app.jinja_env)
    login_manager.init_app(app)
    auth.configure_login(app, login_manager)
    talisman.init_app(
        app,
        force_https=app.config["TRACKER_FORCE_HTTPS"],
        strict_transport_security=not (app.debug or app.testing),
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        frame_options="DENY",
        content_security_policy={
            "default-src": "'self'",
            "img-src": "'self' data:",
            "frame-ancestors": "'none'",
            "form-action": "'self'",
        },
        referrer_policy="same-origin",
    )
    audit.install()
    changes.install()
    obligations.install()
    pending.install()


def _sqlite_lower(value):
    return value.lower() if isinstance(value, str) else value


@lru_cache(maxsize=8)
def _translation(source: str, target: str) -> dict:
    return str.maketrans(source, target[:len(source)], source[len(target):])


def _sqlite_translate(value, source, target):
    """PostgreSQL's translate(): each character of `source` becomes the one at the same
    place in `target`, or goes when `target` is shorter."""
    return value.translate(_translation(source, target)) if isinstance(value, str) else value


def _configure_sqlite(app: Flask, db) -> None:
    """SQLite in write-ahead-log mode: pages keep reading while an import or another worker
    writes (in the default rollback-journal mode a writer locks out every reader). SQLite's
    own lower() knows only A–Z, so a search for "søn" would miss "SØN" (a case-insensitive
    match is `lower(name) LIKE lower(typed)`): Python's lower() takes its place, as
    PostgreSQL's in a UTF-8 locale knows Æ, Ø and Å. No index or constraint uses lower().
    SQLite has no translate(), which searches use to drop accents (tracker.lists.folded):
    it gets PostgreSQL's."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    def on_connect(connection, _record):
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
        connection.create_function("lower", 1, _sqlite_lower, deterministic=True)
        connection.create_function("translate", 3, _sqlite_translate, deterministic=True)

    with app.app_context():
        event.listen(db.engine, "connect", on_connect)


def register_logging(app: Flask) -> None:
    from tracker import logs

    logs.install()


def register_url_converters(app: Flask) -> None:
    """Before the blueprints: a rule takes the converters there are when it is added."""
    from tracker import urls

    urls.register(app)


def register_blueprints(app: Flask) -> None:
    from tracker.agreements.routes import bp as agreements_bp
    from tracker.api.routes import bp as api_bp
    from tracker.auth.routes import bp as auth_bp
    from tracker.dashboard.routes import bp as dashboard_bp
    from tracker.documents.routes import bp as documents_bp
    from tracker.evaluations.routes import bp as evaluations_bp
    from tracker.health import bp as health_bp
    from tracker.imports.routes import bp as imports_bp
    from tracker.organisations.routes import bp as organisations_bp
    from tracker.participants.routes import bp as participants_bp
    from tracker.projects.routes import bp as projects_bp
    from tracker.reference.routes import bp as reference_bp
    from tracker.reporting.routes import bp as reporting_bp
    from tracker.retention.routes import bp as retention_bp
    from tracker.search.routes import bp as search_bp
    from tracker.users.routes import bp as users_bp

    for bp in (auth_bp, dashboard_bp, organisations_bp, projects_bp, agreements_bp,
               participants_bp, reporting_bp, evaluations_bp, documents_bp, reference_bp, users_bp,
               api_bp, health_bp, imports_bp, retention_bp, search_bp):
        app.register_blueprint(bp)


def register_template_helpers(app: Flask) -> None:
    from tracker import formatting, names, navigation

    formatting.register(app)
    names.register(app)
    navigation.register(app)


def register_errorhandlers(app: Flask) -> None:
    from tracker import errors

    errors.register(app)


def register_commands(app: Flask) -> None:
    from tracker import cli

    cli.register(app)
