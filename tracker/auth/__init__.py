"""Sign-in, sessions, passwords, language choice."""
from flask import current_app, has_request_context, request, session
from flask_login import current_user

from tracker.i18n import lazy_gettext as _l


def select_locale() -> str:
    """The user's chosen language, else the session's, else Danish."""
    languages = current_app.config["TRACKER_LANGUAGES"]
    if not has_request_context():  # command line, documents rendered by a worker
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def load_session_user() -> None:
    """Check the session's row at the start of the request: the check may write (last
    seen, an ended session) on a connection of its own, which must not come after the
    request's own writes and wait for them."""
    if request.endpoint not in (None, "static"):
        _ = current_user.is_authenticated


def configure_login(app, login_manager) -> None:
    from tracker.auth.sessions import load_user

    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(load_session_user)


def roles_required(*roles: str):
    """Allow a view only to these roles; others get 404, as for anything outside scope."""
    from functools import wraps

    from flask import abort
    from flask_login import login_required

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator


secretariat_required = roles_required("admin", "staff")
admin_required = roles_required("admin")
