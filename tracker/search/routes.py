"""The search page of the header's search field: building projects (case number, name),
organisations (name, CVR) and, for those who have a participant list, participants (the
list's own search: name and reference or pseudonym, as the role sees them). Every kind is
found through the user's role-scoped query; participants shown are in the access log."""
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, flash, render_template, request, url_for
from flask_login import current_user, login_required

from tracker import access
from tracker.audit import chosen_purpose, record_list_view
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.models import Organisation, Participant, Project
from tracker.models.codes import ORG_KINDS, label
from tracker.organisations.routes import ORGANISATIONS
from tracker.participants.routes import participant_keys, participant_list
from tracker.projects.routes import PROJECTS
from tracker.search.service import MAX_LENGTH, Found, find
from tracker.validation import contains_cpr

bp = Blueprint("search", __name__)

# Where a non-secretariat user goes from an organisation: the projects it takes part in,
# by the project list's filter of that name (the organisation page is the secretariat's).
PROJECT_FILTERS = ("builder", "contractor", "municipality")


@dataclass
class Hit:
    label: str
    url: str | None
    detail: str = ""


@dataclass
class Group:
    """One kind of record found: its hits and the list that shows all of them, if any."""

    key: str
    title: str
    found: Found
    hits: list[Hit]
    list_url: str | None


@bp.app_context_processor
def header_search():
    """The header's search field: its length limit and its label (what the user finds)."""
    finds_participants = (getattr(current_user, "is_authenticated", False)
                          and _finds_participants(current_user))
    return {"search_max_length": MAX_LENGTH,
            "search_label": _l("Search building projects, organisations and participants")
            if finds_participants else _l("Search building projects and organisations")}


@bp.after_request
def no_store(response):
    """Results name participants: never kept in a browser or proxy cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _projects(user, text: str) -> Group:
    found = find(access.visible(Project, user), PROJECTS.search, text,
                 [Project.case_number, Project.id])
    hits = [Hit(p.case_number, url_for("projects.detail", project_id=p.id), p.name)
            for p in found.rows]
    return Group("projects", _("Building projects"), found, hits,
                 url_for("projects.index", q=text))


def _organisation_url(user, organisation: Organisation) -> str | None:
    if user.role in access.SECRETARIAT:
        return url_for("organisations.edit", organisation_id=organisation.id)
    if organisation.kind not in PROJECT_FILTERS:
        return None
    return url_for("projects.index", **{organisation.kind: organisation.id})


def _organisations(user, text: str) -> Group:
    found = find(access.visible(Organisation, user), ORGANISATIONS.search, text,
                 [Organisation.name, Organisation.id])
    hits = [Hit(o.name, _organisation_url(user, o), f"{label(ORG_KINDS, o.kind)} · CVR {o.cvr}")
            for o in found.rows]
    secretariat = user.role in access.SECRETARIAT
    return Group("organisations", _("Organisations"), found, hits,
                 url_for("organisations.index", q=text) if secretariat else None)


def _participants(user, text: str) -> Group:
    spec = participant_list(user, date.today())
    found = find(access.visible(Participant, user), spec.search, text,
                 [Participant.name, Participant.id])
    hits = [Hit(p.name, url_for("participants.detail", participant_id=p.id), participant_keys(p))
            for p in found.rows]
    return Group("participants", _("Participants"), found, hits,
                 url_for("participants.index", q=text))


def _finds_participants(user) -> bool:
    """Participants are found by those with a participant list; a builder sees pseudonyms
    on its projects' pages only, never a participant of its own choosing."""
    return access.participant_detail(user) != "pseudonym"


def _searched(user) -> list[tuple[str, str]]:
    """What each kind is searched by, in words, for the page's hint."""
    kinds = [(_("Building projects"), _("case number or name")),
             (_("Organisations"), _("name or CVR number"))]
    if _finds_participants(user):
        reference, pseudonym = access.shows_reference(user), access.shows_pseudonym(user)
        kinds.append((_("Participants"),
                      _("name, reference or pseudonym") if reference and pseudonym
                      else _("name or reference") if reference else _("name or pseudonym")))
    return kinds


@bp.route("/search")
@login_required
def results():
    """Projects, organisations and participants holding the typed text, within the user's
    scope; every role. The participants shown are logged as a list page's are."""
    user = current_user
    text = request.args.get("q", "").strip()
    problem = None
    if contains_cpr(text):
        problem = _("The search looks like a CPR number and was not run. CPR numbers must not "
                    "be used in the system; search by name or reference.")
    elif len(text) > MAX_LENGTH:
        problem = _("The search is too long: at most %(max)s characters.", max=MAX_LENGTH)
    if problem:
        flash(problem, "error")
        text = ""
    groups = []
    if text:
        groups = [_projects(user, text), _organisations(user, text)]
        if _finds_participants(user):
            groups.append(_participants(user, text))
            record_list_view(db.session, "search", [p.id for p in groups[-1].found.rows],
                             chosen_purpose())
    # Rendered before the commit: a commit would expire the rows and load them again.
    html = render_template("search/results.html", search_text=text, groups=groups,
                           total=sum(g.found.total for g in groups), searched=_searched(user))
    db.session.commit()
    return html
