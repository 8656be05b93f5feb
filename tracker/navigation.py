"""The main navigation: only what the current user's role may use."""
from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from tracker.auth.forms import LanguageForm
from tracker.i18n import lazy_gettext as _l
from tracker.validation import contains_cpr

ALL = ("admin", "staff", "contractor", "builder", "municipality")
SECRETARIAT = ("admin", "staff")

# (endpoint, label, roles that see it); entries whose view is not there yet are left out.
MENU = (
    ("dashboard.index", _l("Overview"), ALL),
    ("projects.index", _l("Building projects"), ALL),
    ("participants.index", _l("Participants"), ("admin", "staff", "municipality", "contractor")),
    ("participants.follow_ups", _l("Follow-ups"), SECRETARIAT),
    ("participants.to_close", _l("Placements to close"), SECRETARIAT),
    ("reporting.index", _l("Contractor reports"), ("admin", "staff", "contractor")),
    ("evaluations.actions", _l("Evaluations"), SECRETARIAT),
    ("documents.index", _l("Documents"), ALL),
    ("organisations.index", _l("Organisations"), SECRETARIAT),
    ("organisations.areas", _l("Housing areas"), SECRETARIAT),
    ("imports.index", _l("Import"), SECRETARIAT),
    ("reference.index", _l("Reference data"), ("admin",)),
    ("users.index", _l("Users"), ("admin",)),
    ("retention.settings", _l("Retention"), ("admin",)),
)


def menu_for(user) -> list[dict]:
    """The menu entries the user's role may see, marking the current one."""
    if not user.is_authenticated:
        return []
    views = current_app.view_functions
    return [
        {"url": url_for(endpoint), "label": label, "active": request.endpoint == endpoint
         or (request.blueprint == endpoint.split(".")[0] and endpoint.endswith(".index")
             and not any(request.endpoint == e for e, _label, _roles in MENU))}
        for endpoint, label, roles in MENU if user.role in roles and endpoint in views
    ]


def _this_page() -> str:
    """This page's address to come back to; without its query string when that holds a
    CPR-shaped number (a refused search), which is never written into a page."""
    if any(contains_cpr(value) for value in request.args.values()):
        return request.path
    return request.full_path.rstrip("?")


def register(app) -> None:
    @app.context_processor
    def inject_navigation():
        return {
            "get_locale": get_locale,
            "menu": menu_for(current_user),
            # Never filled from this request's body: an error page (a body over the size
            # limit) must render without reading it.
            "language_form": LanguageForm(formdata=None, next=_this_page()),
        }
