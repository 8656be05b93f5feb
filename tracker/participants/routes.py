"""Participants: the list, enrolment and correction, the participant page and its audit
history (their placements, follow-ups and assessments: tracker.participants.pathway_views).

Who may do what: the secretariat (admin, staff) creates and edits; a municipality reads its
residents in full; a contractor sees only names and its own placements; a builder sees no
participant page at all (404). Every view and export of personal data is logged with a
purpose, and every response here is marked no-store.
"""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from sqlalchemy import exists, false, select, true
from sqlalchemy.orm import joinedload

from tracker import access
from tracker.audit import (
    chosen_purpose,
    participant_history,
    participant_history_query,
    record_access,
)
from tracker.auth import secretariat_required
from tracker.extensions import db
from tracker.formatting import short_date
from tracker.forms import apply_form, commit_edit, is_stale
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.lists import Column, Filter, ListSpec, Records
from tracker.models import (
    BenefitGroup,
    FollowUp,
    HousingArea,
    Organisation,
    Participant,
    Placement,
    ProgressAssessment,
    User,
)
from tracker.models.codes import ACCESS_PURPOSES, DIMENSIONS, ROLES, label
from tracker.participants import charts, service
from tracker.participants.forms import ParticipantForm
from tracker.uploads import UploadError, file_response, store_upload
from tracker.urls import page_number, parse_id, safe_next

bp = Blueprint("participants", __name__)

SECRETARIAT = access.SECRETARIAT
CONSENT_TYPES = ("pdf", "jpg", "png")
# The participant page lists the newest audit entries; the history page all of them, paged.
HISTORY_SHOWN = 20
HISTORY_PER_PAGE = 100
EXPORT_PURPOSE = "reporting"

ACTIONS = {"create": _l("Created"), "update": _l("Changed"), "delete": _l("Deleted"),
           "view": _l("Viewed"), "export": _l("Exported"), "anonymise": _l("Anonymised"),
           "erase": _l("Erased on request")}
ENTITIES = {"participants": _l("Participant"), "placements": _l("Placement"),
            "documents": _l("Document"),
            "follow_ups": _l("Follow-up"), "progress_assessments": _l("Progress assessment"),
            # Pages that showed the participant among others (tracker.audit.record_shown).
            "participant_list": _l("Participant list"),
            "follow_up_list": _l("Follow-up work list"),
            "placements_to_close": _l("Placements to close"),
            "project_placements": _l("Placements of a building project"),
            "api_participants": _l("Participant list (API)"),
            "api_placements": _l("Placements (API)"),
            "placement_form": _l("Choice of participant for a placement"),
            "document_form": _l("Choice of participant for a document"),
            "search": _l("Search results"),
            "report_evidence": _l("Evidence of a contractor report")}
FIELD_LABELS = {
    "ref": _l("Reference"), "name": _l("Name"), "email": _l("E-mail"), "phone": _l("Phone"),
    "birth_year": _l("Birth year"), "gender": _l("Gender"), "housing_area_id": _l("Housing area"),
    "municipality_id": _l("Municipality"), "benefit_group_id": _l("Benefit at intake"),
    "readiness": _l("Readiness"), "months_unemployed": _l("Months unemployed at intake"),
    "education_level": _l("Education level"), "intake_date": _l("Intake date"),
    "consent_date": _l("Consent date"), "consent_scope": _l("What the consent covers"),
    "consent_file_id": _l("Consent document"), "anonymised_at": _l("Anonymised"),
    "consent_withdrawn_on": _l("Consent withdrawn on"),
    "consent_withdrawal_note": _l("Note on the withdrawal of the consent"),
    "pseudonym": _l("Pseudonym"),
    "participant_id": _l("Participant"), "kind": _l("Kind"), "employer_id": _l("Employer"),
    "project_id": _l("Building project"), "trade": _l("Trade"), "start_date": _l("Start"),
    "planned_end": _l("Planned end"), "end_date": _l("Actual end"),
    "hours_per_week": _l("Hours per week"), "outcome": _l("Outcome"),
    "next_placement_id": _l("Led to"), "placement_id": _l("Placement"),
    "months": _l("Months after the end"), "status": _l("Status"),
    "follow_up_date": _l("Date of the follow-up"), "note": _l("Note"), "assessed_on": _l("Date"),
    **DIMENSIONS,
}


@bp.after_request
def no_store(response):
    """Pages and files here carry personal data: never kept in a browser or proxy cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


# --- helpers ------------------------------------------------------------------------------

def detail_level() -> str:
    """The user's view of participants; builders (pseudonyms only) get 404 here."""
    level = access.participant_detail(current_user)
    if level == "pseudonym":
        abort(404)
    return level


@bp.app_template_global()
def participant_keys(participant: Participant) -> str:
    """The participant's reference and pseudonym as the signed-in user may see them: both
    for the secretariat, the reference for the municipality, the pseudonym for a contractor
    (who writes it, not the name, in reports)."""
    keys = []
    if access.shows_reference(current_user):
        keys.append(participant.ref)
    if access.shows_pseudonym(current_user):
        keys.append(participant.pseudonym)
    return " · ".join(keys)


def participant_or_404(participant_id: int, *options) -> Participant:
    return access.get_visible_or_404(Participant, participant_id, current_user, *options)


def _benefit_name(group: BenefitGroup | None) -> str | None:
    if group is None:
        return None
    locale = get_locale()
    return group.name("en" if locale is not None and locale.language == "en" else "da")


def _field_names(event, words) -> list[str]:
    if not event.changes or event.action in ("view", "export"):
        return []
    if event.action in ("anonymise", "erase"):
        return [_("Reason: %(reason)s", reason=event.changes.get("reason", ""))]
    return [words(FIELD_LABELS, key) for key in event.changes
            if key != "id" and not (event.action == "create" and event.changes[key] in (None, ""))]


def _actor_words(events, viewer):
    """Who acted, as the viewer may see it: the secretariat sees each user's e-mail; anyone
    else sees their own organisation's users so, and another organisation's user as the
    organisation and the role ("Kærhøj Byg A/S (Entreprenør)"), never the person. One
    query for the page's users, whatever the number of events."""
    if viewer.is_secretariat:
        return lambda event: event.actor
    ids = {e.user_id for e in events if e.user_id is not None}
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_(ids)).options(joinedload(User.organisation)))} \
        if ids else {}
    secretariat: list[str] = []

    def secretariat_name() -> str:
        if not secretariat:  # admin and staff users belong to no organisation row
            secretariat.append(db.session.scalar(
                select(Organisation.name).where(Organisation.kind == "secretariat")
                .order_by(Organisation.id).limit(1)) or _("The secretariat"))
        return secretariat[0]

    def shown(event) -> str:
        user = users.get(event.user_id)
        if user is None:
            return _("The system") if event.user_id is None else _("Another organisation")
        if user.organisation_id is not None and user.organisation_id == viewer.organisation_id:
            return event.actor
        organisation = user.organisation.name if user.organisation else secretariat_name()
        return f"{organisation} ({label(ROLES, user.role)})"

    return shown


def _history_rows(events, viewer) -> list[dict]:
    """The audit events in words, as the viewer may see who acted (`_actor_words`). Up to
    HISTORY_PER_PAGE rows of mostly the same few words: each word is translated once per
    page, not once per row."""
    translated: dict[tuple[int, str], str] = {}
    actor = _actor_words(events, viewer)

    def words(mapping: dict, code) -> str:
        if code is None:
            return ""
        key = (id(mapping), code)
        if key not in translated:
            translated[key] = str(mapping.get(code, code))
        return translated[key]

    return [{"at": e.occurred_at, "actor": actor(e), "action": words(ACTIONS, e.action),
             "entity": words(ENTITIES, e.entity), "purpose": words(ACCESS_PURPOSES, e.purpose),
             "fields": _field_names(e, words)}
            for e in events]


def local_return(default: str) -> str:
    """Where to go back to after a form: a local path given by the page, else the default."""
    return safe_next(request.args.get("next"), default)


# --- participant list -----------------------------------------------------------------------

# Every page of the list shown is logged, naming the participants on it.
LOGGED = {"participant_of": lambda p: p.id, "audit_entity": "participant_list"}


def _consent_state(p: Participant) -> bool | str:
    """Yes, no, or when the consent was withdrawn: a withdrawn consent is no longer a yes."""
    if p.consent_withdrawn_on is not None:
        return _("Withdrawn on %(date)s", date=short_date(p.consent_withdrawn_on))
    return p.consent_date is not None


def participant_list(user, today: date) -> ListSpec:
    """The participant list as the user may see it: names and pseudonyms only for
    contractors; for the secretariat and the municipality the reference and the details.
    The secretariat may search by pseudonym too (a builder asks about P-7KQ2MX), but the
    list and its exports, which travel, never put pseudonym and reference side by side."""
    name = Column("name", _l("Name"), lambda p: p.name, Participant.name,
                  link=lambda p: url_for("participants.detail", participant_id=p.id))
    ref = Column("ref", _l("Reference"), lambda p: p.ref, Participant.ref)
    pseudonym = Column("pseudonym", _l("Pseudonym"), lambda p: p.pseudonym,
                       Participant.pseudonym)
    if access.participant_detail(user) != "full":
        return ListSpec(columns=[name, pseudonym], default_sort="name",
                        search=[Participant.name, Participant.pseudonym],
                        search_label=_l("Search name or pseudonym"), **LOGGED)
    search = [Participant.name, Participant.ref]
    if access.shows_pseudonym(user):
        search.append(Participant.pseudonym)
    columns = [
        name, ref,
        Column("area", _l("Housing area"), lambda p: p.housing_area.name if p.housing_area else None),
        Column("municipality", _l("Municipality"),
               lambda p: p.municipality.name if p.municipality else None),
        Column("benefit", _l("Benefit at intake"), lambda p: _benefit_name(p.benefit_group)),
        Column("intake", _l("Intake date"), lambda p: p.intake_date, Participant.intake_date),
        Column("consent", _l("Consent"), _consent_state, Participant.consent_date),
    ]

    def areas():
        query = select(HousingArea.id, HousingArea.name).order_by(HousingArea.name, HousingArea.id)
        if user.role == "municipality":
            query = query.where(HousingArea.municipality_id == user.organisation_id)
        return query

    def organisations(kind: str):
        return lambda: (access.visible(Organisation, user).where(Organisation.kind == kind)
                        .with_only_columns(Organisation.id, Organisation.name)
                        .order_by(Organisation.name, Organisation.id))

    filters = []
    if user.role != "municipality":
        filters.append(Filter("municipality", _l("Municipality"),
                              lambda ids: Participant.municipality_id.in_(ids),
                              Records(organisations("municipality"), [Organisation.name])))
    filters += [
        Filter("area", _l("Housing area"), lambda ids: Participant.housing_area_id.in_(ids),
               Records(areas, [HousingArea.name])),
        Filter("benefit", _l("Benefit at intake"),
               lambda v: Participant.benefit_group_id == parse_id(v) if parse_id(v) else false(),
               lambda: [(str(g.id), _benefit_name(g)) for g in db.session.scalars(
                   select(BenefitGroup).order_by(BenefitGroup.sort_order, BenefitGroup.name_da))]),
        Filter("running", _l("Running placement"),
               lambda v: service.running_placement_exists(today) if v == "yes"
               else ~service.running_placement_exists(today) if v == "no" else true(),
               {"yes": _l("Yes"), "no": _l("No")}),
        # Has (had) a placement with one of the chosen employers (service.placed_with, for
        # several at once).
        Filter("contractor", _l("Placed with"),
               lambda ids: exists().where(Placement.participant_id == Participant.id,
                                          Placement.employer_id.in_(ids)),
               Records(organisations("contractor"), [Organisation.name])),
        Filter("intake_from", _l("Intake from"), lambda d: Participant.intake_date >= d,
               kind="date_from"),
        Filter("intake_to", _l("Intake to"), lambda d: Participant.intake_date <= d,
               kind="date_to"),
    ]
    return ListSpec(columns=columns, search=search, filters=filters, default_sort="name",
                    search_label=_l("Search name, reference or pseudonym")
                    if access.shows_pseudonym(user) else _l("Search name or reference"),
                    **LOGGED)


@bp.route("/participants/")
@login_required
def index():
    """Participants in scope with search, filters and export; builders get 404.
    Each page shown is logged with the participants on it; an export logs one 'export'
    event per participant in it."""
    user = current_user
    detail_level()
    spec = participant_list(user, date.today())
    state = spec.state()
    query = spec.apply(access.visible(Participant, user), state)
    fmt = request.args.get("export")
    if fmt in ("csv", "xlsx"):
        ids = db.session.scalars(query.with_only_columns(Participant.id).order_by(None)).all()
        service.record_exports(db.session, ids, chosen_purpose(EXPORT_PURPOSE))
        db.session.commit()
    query = query.options(joinedload(Participant.housing_area), joinedload(Participant.municipality),
                          joinedload(Participant.benefit_group))
    return spec.respond(query, state, "deltagere", "participants/index.html",
                        access_purpose=chosen_purpose(), can_edit=user.role in SECRETARIAT)


# --- enrolment and correction ---------------------------------------------------------------

def _apply_participant(form: ParticipantForm, participant: Participant) -> None:
    apply_form(form, participant)
    for name in ("email", "phone", "consent_scope"):
        setattr(participant, name, (getattr(form, name).data or "").strip() or None)


def _store_consent(form: ParticipantForm, participant: Participant) -> bool:
    upload = form.consent_document.data
    if not getattr(upload, "filename", None):
        return True
    try:
        participant.consent_file = store_upload(upload, CONSENT_TYPES, uploaded_by=current_user)
    except UploadError as error:
        form.consent_document.errors = [str(error)]
        return False
    return True


@bp.route("/participants/new", methods=["GET", "POST"])
@secretariat_required
def create():
    """Enrol a participant; only the name may be saved before consent is recorded. Secretariat."""
    form = ParticipantForm()
    if request.method == "GET":
        form.ref.data = service.next_participant_ref()
    if form.validate_on_submit():
        participant = Participant()
        if _store_consent(form, participant):
            _apply_participant(form, participant)
            db.session.add(participant)
            db.session.commit()
            flash(_("%(name)s was enrolled as %(ref)s.", name=participant.name, ref=participant.ref),
                  "success")
            return redirect(url_for("participants.detail", participant_id=participant.id))
    return render_template("participants/form.html", form=form, participant=None)


@bp.route("/participants/<int:participant_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit(participant_id: int):
    """Correct a participant; refused when someone else saved meanwhile. Secretariat."""
    participant = participant_or_404(participant_id)
    if participant.anonymised_at is not None:
        # Nothing may bring back what anonymisation removed.
        flash(_("The participant is anonymised and can no longer be edited."), "info")
        return redirect(url_for("participants.detail", participant_id=participant.id))
    form = ParticipantForm(obj=participant, current=participant)
    if request.method == "GET":
        record_access(db.session, "view", participant, purpose=chosen_purpose())
        db.session.commit()
    # A stale form stores no file: commit_edit then refuses and explains the conflict.
    if form.validate_on_submit() and (is_stale(form, participant) or _store_consent(form, participant)) \
            and commit_edit(form, participant, apply=_apply_participant):
        flash(_("The changes to %(name)s were saved.", name=participant.name), "success")
        return redirect(url_for("participants.detail", participant_id=participant.id))
    return render_template("participants/form.html", form=form, participant=participant)


@bp.route("/participants/<int:participant_id>/consent-document")
@login_required
def consent_document(participant_id: int):
    """The signed consent, for the secretariat and the participant's municipality; logged."""
    if detail_level() != "full":
        abort(404)
    participant = participant_or_404(participant_id)
    if participant.consent_file is None:
        abort(404)
    record_access(db.session, "view", participant, purpose=chosen_purpose())
    db.session.commit()
    return file_response(participant.consent_file)


# --- participant page -----------------------------------------------------------------------

@bp.route("/participants/<int:participant_id>")
@login_required
def detail(participant_id: int):
    """One participant: facts, pathway, follow-ups, progress and audit history in full for the
    secretariat and the municipality; a contractor sees the name and its own placements.
    Every view is logged with the purpose chosen on the page."""
    user = current_user
    level = detail_level()
    today = date.today()
    participant = participant_or_404(
        participant_id, joinedload(Participant.housing_area), joinedload(Participant.municipality),
        joinedload(Participant.benefit_group), joinedload(Participant.consent_file))
    purpose = chosen_purpose()
    can_edit = user.role in SECRETARIAT and participant.anonymised_at is None
    placements = db.session.scalars(
        access.visible(Placement, user).where(Placement.participant_id == participant.id)
        .options(joinedload(Placement.employer), joinedload(Placement.project))
        .order_by(Placement.start_date, Placement.id)).all()
    context = {"participant": participant, "placements": placements, "detail": level,
               "today": today, "dimensions": DIMENSIONS, "can_edit": can_edit,
               "purpose": purpose, "purposes": ACCESS_PURPOSES,
               "benefit": _benefit_name(participant.benefit_group)}
    if level == "full":
        context.update(_pathway(participant, placements, today))
    record_access(db.session, "view", participant, purpose=purpose)
    if level == "full":
        events = participant_history(db.session, participant.id, HISTORY_SHOWN + 1)
        context["history"] = _history_rows(events[:HISTORY_SHOWN], user)
        context["more_history"] = len(events) > HISTORY_SHOWN
    # Render before committing: a commit would expire every loaded row and reload them.
    page = render_template("participants/detail.html", **context)
    db.session.commit()
    return page


def _pathway(participant: Participant, placements: list[Placement], today: date) -> dict:
    """What the participant page shows in full of a pathway: follow-ups, assessments, rule
    warnings and the charts."""
    user = current_user
    follow_ups = db.session.scalars(
        access.visible(FollowUp, user).join(Placement, FollowUp.placement_id == Placement.id)
        .where(Placement.participant_id == participant.id)
        .order_by(FollowUp.follow_up_date, FollowUp.id)).all()
    assessments = db.session.scalars(
        access.visible(ProgressAssessment, user)
        .where(ProgressAssessment.participant_id == participant.id)
        .order_by(ProgressAssessment.assessed_on, ProgressAssessment.id)).all()
    rules = service.load_rules()
    warnings = {p.id: service.placement_warnings(p, participant, rules) for p in placements}
    return {
        "follow_ups": follow_ups, "assessments": assessments, "warnings": warnings,
        "due": service.pending_follow_ups(placements, follow_ups),
        "refs": {p.id: p for p in placements},
        "timeline": charts.pathway_timeline(
            placements, today, lambda p: url_for("participants.placement", placement_id=p.id),
            warned={pid for pid, w in warnings.items() if w}),
        "chart": charts.progress_chart(assessments),
        "changes": service.change_since_first(assessments),
    }


@bp.route("/participants/<int:participant_id>/history")
@login_required
def history(participant_id: int):
    """The participant's whole audit history, newest first, HISTORY_PER_PAGE to a page, for
    those who see its newest entries on the participant page (the secretariat, the
    resident's municipality). Looking is logged as a view, with the page's purpose."""
    if detail_level() != "full":
        abort(404)
    participant = participant_or_404(participant_id)
    purpose = chosen_purpose()
    record_access(db.session, "view", participant, purpose=purpose)
    page = db.paginate(participant_history_query(participant.id), page=page_number(),
                       per_page=HISTORY_PER_PAGE, max_per_page=HISTORY_PER_PAGE, error_out=False)
    html = render_template("participants/history.html", participant=participant, page=page,
                           history=_history_rows(page.items, current_user), purpose=purpose,
                           purposes=ACCESS_PURPOSES)
    db.session.commit()
    return html


# The views of placements, follow-ups and assessments, their removal, and access requests
# and consent withdrawal, on this blueprint.
from tracker.participants import pathway_views, privacy_views, removal_views  # noqa: E402,F401
