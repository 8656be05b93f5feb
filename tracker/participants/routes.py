"""Participants, their placements (pathways), follow-ups and progress assessments.

Who may do what: the secretariat (admin, staff) creates and edits; a municipality reads its
residents in full; a contractor sees only names and its own placements; a builder sees no
participant page at all (404). Every view and export of personal data is logged with a
purpose, and every response here is marked no-store.
"""
from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, and_, exists, false, select, true
from sqlalchemy.orm import contains_eager, joinedload

from tracker import access, stored
from tracker.audit import participant_history, participant_history_query, record_access
from tracker.auth import secretariat_required
from tracker.extensions import db
from tracker.formatting import short_date
from tracker.forms import apply_form, commit_edit, is_stale
from tracker.i18n import gettext as _, lazy_gettext as _l
from tracker.lists import PER_PAGE, Column, Filter, ListSpec, Records
from tracker.models import (
    BenefitGroup,
    FollowUp,
    HousingArea,
    Organisation,
    Participant,
    Placement,
    ProgressAssessment,
    Project,
    ProjectContractor,
)
from tracker.models.codes import ACCESS_PURPOSES, DIMENSIONS, FOLLOW_UP_MONTHS, FOLLOW_UP_STATUSES, OUTCOMES, PLACEMENT_KINDS, label
from tracker.participants import charts, service
from tracker.participants.forms import AssessmentForm, ParticipantForm
from tracker.participants.placement_forms import (
    EditPlacementForm,
    EndPlacementForm,
    FollowUpForm,
    PlacementForm,
)
from tracker.uploads import UploadError, file_response, store_upload

bp = Blueprint("participants", __name__)

SECRETARIAT = access.SECRETARIAT
CONSENT_TYPES = ("pdf", "jpg", "png")
DEFAULT_PURPOSE = "casework"
# The participant page lists the newest audit entries; the history page all of them, paged.
HISTORY_SHOWN = 20
HISTORY_PER_PAGE = 100
EXPORT_PURPOSE = "reporting"

ACTIONS = {"create": _l("Created"), "update": _l("Changed"), "delete": _l("Deleted"),
           "view": _l("Viewed"), "export": _l("Exported")}
ENTITIES = {"participants": _l("Participant"), "placements": _l("Placement"),
            "follow_ups": _l("Follow-up"), "progress_assessments": _l("Progress assessment")}
FIELD_LABELS = {
    "ref": _l("Reference"), "name": _l("Name"), "email": _l("E-mail"), "phone": _l("Phone"),
    "birth_year": _l("Birth year"), "gender": _l("Gender"), "housing_area_id": _l("Housing area"),
    "municipality_id": _l("Municipality"), "benefit_group_id": _l("Benefit at intake"),
    "readiness": _l("Readiness"), "months_unemployed": _l("Months unemployed at intake"),
    "education_level": _l("Education level"), "intake_date": _l("Intake date"),
    "consent_date": _l("Consent date"), "consent_scope": _l("What the consent covers"),
    "consent_file_id": _l("Consent document"), "anonymised_at": _l("Anonymised"),
    "participant_id": _l("Participant"), "kind": _l("Kind"), "employer_id": _l("Employer"),
    "project_id": _l("Building project"), "trade": _l("Trade"), "start_date": _l("Start"),
    "planned_end": _l("Planned end"), "end_date": _l("Actual end"),
    "hours_per_week": _l("Hours per week"), "outcome": _l("Outcome"),
    "next_placement_id": _l("Led to"), "placement_id": _l("Placement"),
    "months": _l("Months after the end"), "status": _l("Status"),
    "follow_up_date": _l("Date of the follow-up"), "note": _l("Note"), "assessed_on": _l("Date"),
    **DIMENSIONS,
}
TRADES = service.TRADES


@bp.after_request
def no_store(response):
    """Pages and files here carry personal data: never kept in a browser or proxy cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


# --- helpers ------------------------------------------------------------------------------

def _level() -> str:
    """The user's view of participants; builders (pseudonyms only) get 404 here."""
    level = access.participant_detail(current_user)
    if level == "pseudonym":
        abort(404)
    return level


def _purpose(default: str = DEFAULT_PURPOSE) -> str:
    purpose = request.args.get("purpose", "")
    return purpose if purpose in ACCESS_PURPOSES else default


def _participant_or_404(participant_id: int, *options) -> Participant:
    participant = db.session.scalars(
        access.visible(Participant, current_user).where(Participant.id == participant_id)
        .options(*options)).first()
    if participant is None:
        abort(404)
    return participant


def _benefit_name(group: BenefitGroup | None) -> str | None:
    if group is None:
        return None
    locale = get_locale()
    return group.name("en" if locale is not None and locale.language == "en" else "da")


def _field_names(event, words) -> list[str]:
    if not event.changes or event.action in ("view", "export"):
        return []
    return [words(FIELD_LABELS, key) for key in event.changes
            if key != "id" and not (event.action == "create" and event.changes[key] in (None, ""))]


def _history_rows(events) -> list[dict]:
    """The audit events in words. Up to HISTORY_PER_PAGE rows of mostly the same few words:
    each word is translated once per page, not once per row."""
    translated: dict[tuple[int, str], str] = {}

    def words(mapping: dict, code) -> str:
        if code is None:
            return ""
        key = (id(mapping), code)
        if key not in translated:
            translated[key] = str(mapping.get(code, code))
        return translated[key]

    return [{"at": e.occurred_at, "actor": e.actor, "action": words(ACTIONS, e.action),
             "entity": words(ENTITIES, e.entity), "purpose": words(ACCESS_PURPOSES, e.purpose),
             "fields": _field_names(e, words)}
            for e in events]


def _local_return(default: str) -> str:
    """Where to go back to after a form: a local path given by the page, else the default."""
    target = request.args.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else default


# --- participant list -----------------------------------------------------------------------

def participant_list(user, today: date) -> ListSpec:
    """The participant list as the user may see it: names and refs only for contractors."""
    name = Column("name", _l("Name"), lambda p: p.name, Participant.name,
                  link=lambda p: url_for("participants.detail", participant_id=p.id))
    ref = Column("ref", _l("Reference"), lambda p: p.ref, Participant.ref)
    search = [Participant.name, Participant.ref]
    if access.participant_detail(user) != "full":
        return ListSpec(columns=[name, ref], search=search, default_sort="name",
                        search_label=_l("Search name or reference"))
    columns = [
        name, ref,
        Column("area", _l("Housing area"), lambda p: p.housing_area.name if p.housing_area else None),
        Column("municipality", _l("Municipality"),
               lambda p: p.municipality.name if p.municipality else None),
        Column("benefit", _l("Benefit at intake"), lambda p: _benefit_name(p.benefit_group)),
        Column("intake", _l("Intake date"), lambda p: p.intake_date, Participant.intake_date),
        Column("consent", _l("Consent"), lambda p: p.consent_date is not None,
               Participant.consent_date),
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
               lambda v: Participant.benefit_group_id == int(v) if v.isdigit() else false(),
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
                    search_label=_l("Search name or reference"))


@bp.route("/participants/")
@login_required
def index():
    """Participants in scope with search, filters and export; builders get 404.
    An export logs one 'export' event per participant in it."""
    user = current_user
    _level()
    spec = participant_list(user, date.today())
    state = spec.state()
    query = spec.apply(access.visible(Participant, user), state)
    fmt = request.args.get("export")
    if fmt in ("csv", "xlsx"):
        ids = db.session.scalars(query.with_only_columns(Participant.id).order_by(None)).all()
        service.record_exports(db.session, ids, _purpose(EXPORT_PURPOSE))
        db.session.commit()
    query = query.options(joinedload(Participant.housing_area), joinedload(Participant.municipality),
                          joinedload(Participant.benefit_group))
    return spec.respond(query, state, "deltagere", "participants/index.html",
                        can_edit=user.role in SECRETARIAT)


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
    participant = _participant_or_404(participant_id)
    form = ParticipantForm(obj=participant, current=participant)
    if request.method == "GET":
        record_access(db.session, "view", participant, purpose=_purpose())
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
    if _level() != "full":
        abort(404)
    participant = _participant_or_404(participant_id)
    if participant.consent_file is None:
        abort(404)
    record_access(db.session, "view", participant, purpose=_purpose())
    db.session.commit()
    return file_response(participant.consent_file)


# --- participant page -----------------------------------------------------------------------

@bp.route("/participants/<int:participant_id>")
@login_required
def detail(participant_id: int):
    """One participant: facts, pathway, follow-ups, progress and audit history in full for the
    secretariat and the municipality; a contractor sees the name and its own placements.
    Every view is logged with the purpose chosen on the page. The pathway, placements,
    follow-ups and assessments are a stored part, rendered again only after a counted
    change."""
    user = current_user
    level = _level()
    today = date.today()
    participant = _participant_or_404(
        participant_id, joinedload(Participant.housing_area), joinedload(Participant.municipality),
        joinedload(Participant.benefit_group), joinedload(Participant.consent_file))
    purpose = _purpose()
    can_edit = user.role in SECRETARIAT
    placement_query = (access.visible(Placement, user)
                       .where(Placement.participant_id == participant.id))
    follow_up_query = (access.visible(FollowUp, user)
                       .join(Placement, FollowUp.placement_id == Placement.id)
                       .where(Placement.participant_id == participant.id))
    assessment_query = (access.visible(ProgressAssessment, user)
                        .where(ProgressAssessment.participant_id == participant.id))

    def render_pathway() -> str:
        placements = db.session.scalars(
            placement_query.options(joinedload(Placement.employer), joinedload(Placement.project))
            .order_by(Placement.start_date, Placement.id)).all()
        context = {"participant": participant, "placements": placements, "detail": level,
                   "today": today, "dimensions": DIMENSIONS, "can_edit": can_edit}
        if level == "full":
            follow_ups = db.session.scalars(
                follow_up_query.order_by(FollowUp.follow_up_date, FollowUp.id)).all()
            assessments = db.session.scalars(
                assessment_query.order_by(ProgressAssessment.assessed_on,
                                          ProgressAssessment.id)).all()
            rules = service.load_rules()
            warnings = {p.id: service.placement_warnings(p, participant, rules)
                        for p in placements}
            context.update(
                follow_ups=follow_ups, assessments=assessments, warnings=warnings,
                due=service.pending_follow_ups(placements, follow_ups),
                refs={p.id: p for p in placements},
                timeline=charts.pathway_timeline(
                    placements, today,
                    lambda p: url_for("participants.placement", placement_id=p.id),
                    warned={pid for pid, w in warnings.items() if w}),
                chart=charts.progress_chart(assessments),
                changes=service.change_since_first(assessments),
            )
        return render_template("participants/_pathway.html", **context)

    # A stored part (tracker.stored.part), stored before this view is logged below: on
    # SQLite the log's row would hold the database's write lock until the commit.
    # The key: the scoped queries (the role, in every part's key, decides the level of
    # detail and what may be edited).
    pathway = stored.part("participant-pathway", today, render_pathway, placement_query,
                          follow_up_query, assessment_query)
    context = {"participant": participant, "pathway": pathway, "detail": level,
               "purpose": purpose, "purposes": ACCESS_PURPOSES, "can_edit": can_edit,
               "benefit": _benefit_name(participant.benefit_group)}
    record_access(db.session, "view", participant, purpose=purpose)
    if level == "full":
        events = participant_history(db.session, participant.id, HISTORY_SHOWN + 1)
        context["history"] = _history_rows(events[:HISTORY_SHOWN])
        context["more_history"] = len(events) > HISTORY_SHOWN
    # Render before committing: a commit would expire every loaded row and reload them.
    page = render_template("participants/detail.html", **context)
    db.session.commit()
    return page


@bp.route("/participants/<int:participant_id>/history")
@login_required
def history(participant_id: int):
    """The participant's whole audit history, newest first, HISTORY_PER_PAGE to a page, for
    those who see its newest entries on the participant page (the secretariat, the
    resident's municipality). Looking is logged as a view, with the page's purpose."""
    if _level() != "full":
        abort(404)
    participant = _participant_or_404(participant_id)
    purpose = _purpose()
    record_access(db.session, "view", participant, purpose=purpose)
    page = db.paginate(participant_history_query(participant.id), per_page=HISTORY_PER_PAGE,
                       max_per_page=HISTORY_PER_PAGE, error_out=False)
    html = render_template("participants/history.html", participant=participant, page=page,
                           history=_history_rows(page.items), purpose=purpose,
                           purposes=ACCESS_PURPOSES)
    db.session.commit()
    return html


# --- placements -----------------------------------------------------------------------------

def _placement_or_404(placement_id: int, *options) -> Placement:
    placement = db.session.scalars(
        access.visible(Placement, current_user).where(Placement.id == placement_id)
        .options(*options)).first()
    if placement is None:
        abort(404)
    return placement


def _flash_warnings(placement: Placement) -> None:
    for warning in service.placement_warnings(placement):
        flash(warning.message, "warning")


@bp.route("/placements/<int:placement_id>")
@login_required
def placement(placement_id: int):
    """One placement; a contractor sees its own without outcome or rule warnings. Logged."""
    user = current_user
    level = _level()
    pl = _placement_or_404(placement_id, joinedload(Placement.participant),
                           joinedload(Placement.employer), joinedload(Placement.project))
    context = {"placement": pl, "participant": pl.participant, "detail": level,
               "can_edit": user.role in SECRETARIAT, "purpose": _purpose(),
               "purposes": ACCESS_PURPOSES}
    previous = db.session.scalars(access.visible(Placement, user)
                                  .where(Placement.next_placement_id == pl.id)).first()
    following = (db.session.scalars(access.visible(Placement, user)
                                    .where(Placement.id == pl.next_placement_id)).first()
                 if pl.next_placement_id else None)
    context.update(previous=previous, following=following)
    if level == "full":
        follow_ups = db.session.scalars(access.visible(FollowUp, user)
                                        .where(FollowUp.placement_id == pl.id)
                                        .order_by(FollowUp.months)).all()
        context.update(warnings=service.placement_warnings(pl), follow_ups=follow_ups,
                       due=service.pending_follow_ups([pl], follow_ups),
                       due_dates={m: service.follow_up_due(pl.end_date, m)
                                  for m in FOLLOW_UP_MONTHS} if pl.end_date else {})
    record_access(db.session, "view", pl, purpose=context["purpose"])
    page = render_template("participants/placement.html", **context)
    db.session.commit()
    return page


def _placement_form_context(form, participant, previous, project) -> dict:
    trades = sorted(set(TRADES) | set(db.session.scalars(
        select(Placement.trade).where(Placement.trade.is_not(None)).distinct().limit(200))),
        key=str.lower)
    return {"form": form, "participant": participant, "previous": previous, "project": project,
            "trades": trades}


@bp.route("/participants/<int:participant_id>/placements/new", methods=["GET", "POST"])
@bp.route("/placements/new", methods=["GET", "POST"])
@secretariat_required
def new_placement(participant_id: int | None = None):
    """Create a placement for a participant (fixed by the URL or chosen in the form), from a
    project (?project_id=) or as the next step after an ended one (?after=). Secretariat."""
    user = current_user
    participant = _participant_or_404(participant_id) if participant_id is not None else None
    previous = None
    if request.args.get("after", type=int):
        previous = _placement_or_404(request.args.get("after", type=int))
        if participant is not None and previous.participant_id != participant.id:
            abort(404)
        participant = previous.participant
        if previous.next_placement_id is not None:
            flash(_("%(ref)s already led to a next placement.", ref=previous.ref), "info")
            return redirect(url_for("participants.placement", placement_id=previous.next_placement_id))
    project = None
    if request.args.get("project_id", type=int):
        project = db.session.scalars(access.visible(Project, user).where(
            Project.id == request.args.get("project_id", type=int))).first()
        if project is None:
            abort(404)
    form = PlacementForm(participant=participant,
                         participants_query=access.visible(Participant, user),
                         projects_query=access.visible(Project, user),
                         project=project or (previous.project if previous is not None else None))
    if request.method == "GET":
        form.ref.data = service.next_placement_ref()
        if previous is not None:
            form.kind.data = service.NEXT_KIND.get(previous.kind, previous.kind)
            form.show_employer(previous.employer)
            form.show_project(previous.project)
            form.trade.data = previous.trade
            form.start_date.data = service.next_start(previous)
            form.hours_per_week.data = previous.hours_per_week
        if project is not None:
            form.show_project(project)
            contractors = db.session.scalars(select(Organisation).join(
                ProjectContractor, ProjectContractor.contractor_id == Organisation.id)
                .where(ProjectContractor.project_id == project.id).limit(2)).all()
            if len(contractors) == 1:
                form.show_employer(contractors[0])
    if form.validate_on_submit() and _previous_fits(form, previous):
        person = form.chosen_participant()
        new = Placement(participant_id=person.id)
        apply_form(form, new, skip=("participant_id",))
        form.apply_choices(new)
        new.trade = (form.trade.data or "").strip() or None
        db.session.add(new)
        db.session.flush()
        if previous is not None:
            service.link_next(previous, new)
        warnings = service.placement_warnings(new, person)
        db.session.commit()
        flash(_("The placement %(ref)s was created for %(name)s.", ref=new.ref, name=person.name),
              "success")
        for warning in warnings:
            flash(warning.message, "warning")
        return redirect(url_for("participants.detail", participant_id=person.id))
    return render_template("participants/placement_form.html",
                           **_placement_form_context(form, participant, previous, project))


def _previous_fits(form: PlacementForm, previous: Placement | None) -> bool:
    if previous is None or previous.end_date is None:
        return True
    if form.start_date.data < previous.end_date:
        form.start_date.errors = [_(
            "The next placement cannot start before %(ref)s ended (%(date)s).",
            ref=previous.ref, date=short_date(previous.end_date))]
        return False
    return True


@bp.route("/placements/<int:placement_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit_placement(placement_id: int):
    """Correct a placement (optimistic locking); warns again about legal maxima. Secretariat."""
    user = current_user
    pl = _placement_or_404(placement_id)
    form = EditPlacementForm(obj=pl, current=pl, participant=pl.participant,
                             participants_query=access.visible(Participant, user),
                             projects_query=access.visible(Project, user))

    def apply(f, obj):
        apply_form(f, obj)
        f.apply_choices(obj)
        obj.trade = (f.trade.data or "").strip() or None

    if form.validate_on_submit() and commit_edit(form, pl, apply=apply):
        flash(_("The changes to %(ref)s were saved.", ref=pl.ref), "success")
        _flash_warnings(pl)
        return redirect(url_for("participants.placement", placement_id=pl.id))
    return render_template("participants/placement_form.html", placement=pl,
                           **_placement_form_context(form, pl.participant, None, None))


@bp.route("/placements/<int:placement_id>/end", methods=["GET", "POST"])
@secretariat_required
def end_placement(placement_id: int):
    """End a placement with its actual end date and outcome; 'next placement' goes straight
    on to the next placement's form. Secretariat."""
    pl = _placement_or_404(placement_id)
    form = EndPlacementForm(obj=pl, placement=pl)
    if request.method == "GET" and pl.end_date is None:
        today = date.today()
        form.end_date.data = pl.planned_end if pl.planned_end and pl.planned_end <= today else today
    if form.validate_on_submit() and commit_edit(form, pl):
        flash(_("%(ref)s ended on %(date)s: %(outcome)s.", ref=pl.ref,
                date=short_date(pl.end_date), outcome=label(OUTCOMES, pl.outcome)), "success")
        _flash_warnings(pl)
        if pl.outcome == "next_placement" and pl.next_placement_id is None:
            flash(_("Create the next placement of the pathway below."), "info")
            return redirect(url_for("participants.new_placement", participant_id=pl.participant_id,
                                    after=pl.id))
        return redirect(url_for("participants.placement", placement_id=pl.id))
    return render_template("participants/end_form.html", form=form, placement=pl)


# --- follow-ups -----------------------------------------------------------------------------

class RowPagination(SelectPagination):
    """A page of result rows (entity plus computed columns), not only scalars."""

    def _query_items(self) -> list:
        query = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(query).all())


class RowListSpec(ListSpec):
    """A ListSpec whose rows are (Placement, months, due) tuples."""

    def page(self, query: Select, state: dict):
        page = request.args.get("page", 1, type=int)
        return RowPagination(select=query, session=db.session(), page=max(page, 1),
                             per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)

    def rows(self, query: Select):
        return db.session.execute(query.execution_options(yield_per=500))


DUE_STATES = {"overdue": _l("Past the due date"), "soon": _l("Due within 30 days")}


def follow_up_list(today: date, due, months) -> RowListSpec:
    """The work list's columns and filters over rows of (Placement, months, due)."""
    soon = today + timedelta(days=30)
    return RowListSpec(
        columns=[
            Column("participant", _l("Participant"), lambda r: r[0].participant.name,
                   Participant.name,
                   link=lambda r: url_for("participants.detail", participant_id=r[0].participant_id)),
            Column("ref", _l("Reference"), lambda r: r[0].participant.ref, Participant.ref),
            Column("placement", _l("Placement"),
                   lambda r: f"{r[0].ref} {label(PLACEMENT_KINDS, r[0].kind)}, {r[0].employer.name}",
                   link=lambda r: url_for("participants.placement", placement_id=r[0].id)),
            Column("ended", _l("Placement ended"), lambda r: r[0].end_date, Placement.end_date),
            Column("months", _l("Months"), lambda r: r.months, months, numeric=True),
            Column("due", _l("Due"), lambda r: r.due, due),
            Column("overdue", _l("Days overdue"), lambda r: max((today - r.due).days, 0),
                   numeric=True),
        ],
        search=[Participant.name, Participant.ref, Placement.ref],
        filters=[Filter("state", _l("Due"),
                        lambda v: due < today if v == "overdue"
                        else and_(due >= today, due <= soon) if v == "soon" else true(),
                        DUE_STATES)],
        default_sort="due",
        search_label=_l("Search participant or placement"),
    )


@bp.route("/follow-ups/")
@secretariat_required
def follow_ups():
    """Follow-ups due 3, 6 and 12 months after each ended placement and not yet registered,
    overdue first; with filters and export. Secretariat."""
    user = current_user
    today = date.today()
    placements = (access.visible(Placement, user)
                  .join(Participant, Placement.participant_id == Participant.id))
    query, months, due = service.due_follow_ups_query(placements)
    spec = follow_up_list(today, due, months)
    state = spec.state()
    query = spec.apply(query, state)
    if state["sort"] == "due":
        query = query.order_by(None).order_by(*service.overdue_first(due, today))
    query = query.order_by(Placement.id, months)  # a stable order across pages
    fmt = request.args.get("export")
    if fmt in ("csv", "xlsx"):
        ids = db.session.scalars(query.with_only_columns(Placement.participant_id)
                                 .order_by(None).distinct()).all()
        service.record_exports(db.session, ids, _purpose("follow_up"))
        db.session.commit()
    query = query.options(contains_eager(Placement.participant), joinedload(Placement.employer))
    return spec.respond(query, state, "opfoelgninger", "participants/follow_ups.html",
                        today=today)


@bp.route("/placements/<int:placement_id>/follow-ups/new", methods=["GET", "POST"])
@secretariat_required
def new_follow_up(placement_id: int):
    """Register where the participant stood N months after the placement ended. Secretariat."""
    pl = _placement_or_404(placement_id, joinedload(Placement.participant))
    if pl.end_date is None:
        flash(_("A follow-up is registered after the placement has ended. End it first."), "error")
        return redirect(url_for("participants.placement", placement_id=pl.id))
    form = FollowUpForm(placement=pl)
    if request.method == "GET":
        wanted = request.args.get("months", type=int)
        form.months.data = wanted if wanted in FOLLOW_UP_MONTHS else FOLLOW_UP_MONTHS[0]
    if form.validate_on_submit():
        follow_up = FollowUp(placement=pl)
        apply_form(form, follow_up)
        follow_up.note = (form.note.data or "").strip()
        db.session.add(follow_up)
        db.session.commit()
        flash(_("The follow-up after %(months)s months of %(name)s was registered: %(status)s.",
                months=follow_up.months, name=pl.participant.name,
                status=label(FOLLOW_UP_STATUSES, follow_up.status)), "success")
        return redirect(_local_return(url_for("participants.detail", participant_id=pl.participant_id)))
    return render_template("participants/follow_up_form.html", form=form, placement=pl,
                           follow_up=None, due={m: service.follow_up_due(pl.end_date, m)
                                                for m in FOLLOW_UP_MONTHS})


@bp.route("/follow-ups/<int:follow_up_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit_follow_up(follow_up_id: int):
    """Correct a registered follow-up (optimistic locking). Secretariat."""
    follow_up = access.get_visible_or_404(FollowUp, follow_up_id, current_user)
    pl = follow_up.placement
    form = FollowUpForm(obj=follow_up, placement=pl, current=follow_up)

    def apply(f, obj):
        apply_form(f, obj)
        obj.note = (f.note.data or "").strip()

    if form.validate_on_submit() and commit_edit(form, follow_up, apply=apply):
        flash(_("The follow-up was saved."), "success")
        return redirect(url_for("participants.detail", participant_id=pl.participant_id))
    return render_template("participants/follow_up_form.html", form=form, placement=pl,
                           follow_up=follow_up, due={m: service.follow_up_due(pl.end_date, m)
                                                     for m in FOLLOW_UP_MONTHS})


# --- progress assessments -------------------------------------------------------------------

@bp.route("/participants/<int:participant_id>/assessments/new", methods=["GET", "POST"])
@secretariat_required
def new_assessment(participant_id: int):
    """Register a progress assessment (1-10 on the seven dimensions). Secretariat."""
    participant = _participant_or_404(participant_id)
    if participant.consent_date is None:
        flash(_("Record the consent of %(name)s before registering progress.", name=participant.name),
              "error")
        return redirect(url_for("participants.detail", participant_id=participant.id))
    form = AssessmentForm()
    if form.validate_on_submit():
        assessment = ProgressAssessment(participant=participant)
        apply_form(form, assessment)
        assessment.note = (form.note.data or "").strip()
        db.session.add(assessment)
        db.session.commit()
        flash(_("The progress assessment of %(date)s was saved.",
                date=short_date(assessment.assessed_on)), "success")
        return redirect(url_for("participants.detail", participant_id=participant.id) + "#progress")
    return render_template("participants/assessment_form.html", form=form, participant=participant,
                           assessment=None)


@bp.route("/assessments/<int:assessment_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit_assessment(assessment_id: int):
    """Correct a progress assessment (optimistic locking). Secretariat."""
    assessment = access.get_visible_or_404(ProgressAssessment, assessment_id, current_user)
    form = AssessmentForm(obj=assessment)

    def apply(f, obj):
        apply_form(f, obj)
        obj.note = (f.note.data or "").strip()

    if form.validate_on_submit() and commit_edit(form, assessment, apply=apply):
        flash(_("The progress assessment of %(date)s was saved.",
                date=short_date(assessment.assessed_on)), "success")
        return redirect(url_for("participants.detail", participant_id=assessment.participant_id)
                        + "#progress")
    return render_template("participants/assessment_form.html", form=form,
                           participant=assessment.participant, assessment=assessment)
