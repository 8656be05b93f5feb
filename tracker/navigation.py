"""The main navigation: only what the current user's role may use."""
from flask import request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from tracker.auth.forms import LanguageForm

# (endpoint, label, roles that see it)
MENU = (
    ("dashboard.index", _l("Overview"), ("admin", "staff", "contractor", "builder", "municipality")),
    ("projects.index", _l("Building projects"),
     ("admin", "staff", "contractor", "builder", "municipality")),
    ("participants.index", _l("Participants"), ("admin", "staff", "municipality", "contractor")),
)


def menu_for(user) -> list[dict]:
    """The menu entries the user's role may see, marking the current one."""
    if not user.is_authenticated:
        return []
    current = request.blueprint
    return [
        {"url": url_for(endpoint), "label": label,
         "active": endpoint.split(".")[0] == current}
        for endpoint, label, roles in MENU if user.role in roles
    ]


def register(app) -> None:
    @app.context_processor
    def inject_navigation():
        return {
            "get_locale": get_locale,
            "menu": menu_for(current_user),
            "language_form": LanguageForm(next=request.full_path.rstrip("?")),
        }
