"""Placements, follow-ups and progress assessments: the views of a participant's pathway,
on the participants blueprint (tracker.participants.routes), under the same rules: the
secretariat creates and edits, every view of personal data is logged with a purpose, and
every response is marked no-store.
"""
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, and_, select, true
from sqlalchemy.orm import contains_eager, joinedload

from tracker import access
from tracker.audit import record_access, record_list_view
from tracker.auth import secretariat_required
from tracker.counting.pathways import is_pathway_end
from tracker.counting.pathways import to_close as placements_to_close
from tracker.extensions import db
from tracker.formatting import short_date
from tracker.forms import apply_form, commit_edit
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.lists import PER_PAGE, Column, Filter, ListSpec
from tracker.models import (
    FollowUp,
    Organisation,
    Participant,
    PendingFollowUp,
    Placement,
    ProgressAssessment,
    Project,
    ProjectContractor,
)
from tracker.models.codes import (
    ACCESS_PURPOSES,
    FOLLOW_UP_MONTHS,
    FOLLOW_UP_STATUSES,
    OUTCOMES,
    PLACEMENT_KINDS,
    label,
)
from tracker.participants import service
from tracker.participants.forms import AssessmentForm
from tracker.participants.placement_forms import (
    EditPlacementForm,
    EndPlacementForm,
    FollowUpForm,
    PlacementForm,
)
from tracker.participants.routes import (
    SECRETARIAT,
    bp,
    chosen_purpose,
    detail_level,
    local_return,
    participant_or_404,
)
from tracker.urls import page_number, parse_id

# --- placements -----------------------------------------------------------------------------

def _placement_or_404(placement_id: int, *options) -> Placement:
    return access.get_visible_or_404(Placement, placement_id, current_user, *options)


def _flash_warnings(placement: Placement) -> None:
    for warning in service.placement_warnings(placement):
        flash(warning.message, "warning")


@bp.route("/placements/<int:placement_id>")
@login_required
def placement(placement_id: int):
    """One placement; a contractor sees its own without outcome or rule warnings. Logged."""
    user = current_user
    level = detail_level()
    pl = _placement_or_404(placement_id, joinedload(Placement.participant),
                           joinedload(Placement.employer), joinedload(Placement.project))
    context = {"placement": pl, "participant": pl.participant, "detail": level,
               "can_edit": user.role in SECRETARIAT, "purpose": chosen_purpose(),
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
                       ends_pathway=is_pathway_end(pl),
                       due=service.pending_follow_ups([pl], follow_ups),
                       due_dates={m: service.follow_up_due(pl.end_date, m)
                                  for m in FOLLOW_UP_MONTHS} if pl.end_date else {})
    record_access(db.session, "view", pl, purpose=context["purpose"])
    page = render_template("participants/placement.html", **context)
    db.session.commit()
    return page


def _placement_form_context(form, participant, previous, project) -> dict:
    trades = sorted(set(service.TRADES) | set(db.session.scalars(
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
    participant = participant_or_404(participant_id) if participant_id is not None else None
    previous = None
    if request.args.get("after", type=parse_id):
        previous = _placement_or_404(request.args.get("after", type=parse_id))
        if participant is not None and previous.participant_id != participant.id:
            abort(404)
        participant = previous.participant
        if previous.next_placement_id is not None:
            flash(_("%(ref)s already led to a next placement.", ref=previous.ref), "info")
            return redirect(url_for("participants.placement", placement_id=previous.next_placement_id))
    refusal = service.withdrawal_refusal(participant, "placement") if participant else None
    if refusal is not None:
        flash(refusal, "error")
        return redirect(url_for("participants.detail", participant_id=participant.id))
    project = None
    if request.args.get("project_id", type=parse_id):
        project = db.session.scalars(access.visible(Project, user).where(
            Project.id == request.args.get("project_id", type=parse_id))).first()
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
    # The participants to choose from (or matching a typed name) are a list of residents.
    logged = record_list_view(db.session, "placement_form", form.people_shown, chosen_purpose())
    html = render_template("participants/placement_form.html",
                           **_placement_form_context(form, participant, previous, project))
    if logged is not None:
        db.session.commit()
    return html


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
        return RowPagination(select=query, session=db.session(), page=page_number(),
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
        participant_of=lambda r: r[0].participant_id, audit_entity="follow_up_list",
    )


@bp.route("/follow-ups/")
@secretariat_required
def follow_ups():
    """Follow-ups due 3, 6 and 12 months after each ended placement and not yet registered,
    overdue first; with filters and export. Secretariat. Each page shown is logged."""
    user = current_user
    today = date.today()
    placements = (access.visible(Placement, user)
                  .join(Participant, Placement.participant_id == Participant.id))
    query, months, due = service.due_follow_ups_query(placements)
    spec = follow_up_list(today, due, months)
    state = spec.state()
    query = spec.apply(query, state)
    if state["sort"] == "due":
        # Overdue first, then by due date: the order of the due dates.
        query = query.order_by(None).order_by(due)
    # A stable order across pages; with the due date, the order of the pending rows' index.
    query = query.order_by(PendingFollowUp.id)
    fmt = request.args.get("export")
    if fmt in ("csv", "xlsx"):
        ids = db.session.scalars(query.with_only_columns(Placement.participant_id)
                                 .order_by(None).distinct()).all()
        service.record_exports(db.session, ids, chosen_purpose("follow_up"))
        db.session.commit()
    query = query.options(contains_eager(Placement.participant), joinedload(Placement.employer))
    return spec.respond(query, state, "opfoelgninger", "participants/follow_ups.html",
                        access_purpose=chosen_purpose("follow_up"), today=today)


# --- placements to close -------------------------------------------------------------------

MISSING = {"end": _l("Actual end and outcome"), "outcome": _l("Outcome")}


def to_close_list(today: date) -> ListSpec:
    """The columns and filters of the work list of placements to close."""
    return ListSpec(
        columns=[
            Column("participant", _l("Participant"), lambda p: p.participant.name,
                   Participant.name,
                   link=lambda p: url_for("participants.detail", participant_id=p.participant_id)),
            Column("placement", _l("Placement"), lambda p: p.ref, Placement.ref,
                   link=lambda p: url_for("participants.placement", placement_id=p.id)),
            Column("kind", _l("Kind"), lambda p: label(PLACEMENT_KINDS, p.kind)),
            Column("employer", _l("Employer"), lambda p: p.employer.name),
            Column("planned_end", _l("Planned end"), lambda p: p.planned_end,
                   Placement.planned_end),
            Column("days", _l("Days past the planned end"),
                   lambda p: (today - p.planned_end).days, numeric=True),
            Column("missing", _l("Missing"),
                   lambda p: MISSING["end" if p.end_date is None else "outcome"]),
        ],
        search=[Participant.name, Participant.ref, Placement.ref],
        filters=[Filter("kind", _l("Kind"), lambda v: Placement.kind == v, PLACEMENT_KINDS)],
        default_sort="planned_end",
        search_label=_l("Search participant or placement"),
        participant_of=lambda p: p.participant_id, audit_entity="placements_to_close",
    )


@bp.route("/placements/to-close/")
@secretariat_required
def to_close():
    """Placements whose planned end has passed without an actual end or an outcome, oldest
    planned end first, each linked to the page where staff end it; with export. Secretariat.
    Each page shown is logged."""
    user = current_user
    today = date.today()
    spec = to_close_list(today)
    state = spec.state()
    query = spec.apply(access.visible(Placement, user)
                       .join(Participant, Placement.participant_id == Participant.id)
                       .where(placements_to_close(today)), state)
    if request.args.get("export") in ("csv", "xlsx"):
        ids = db.session.scalars(query.with_only_columns(Placement.participant_id)
                                 .order_by(None).distinct()).all()
        service.record_exports(db.session, ids, chosen_purpose())
        db.session.commit()
    query = query.options(contains_eager(Placement.participant), joinedload(Placement.employer))
    return spec.respond(query, state, "forloeb-der-skal-afsluttes",
                        "participants/to_close.html", access_purpose=chosen_purpose())


@bp.route("/placements/<int:placement_id>/follow-ups/new", methods=["GET", "POST"])
@secretariat_required
def new_follow_up(placement_id: int):
    """Register where the participant stood N months after the placement ended. Secretariat."""
    pl = _placement_or_404(placement_id, joinedload(Placement.participant))
    if pl.end_date is None:
        flash(_("A follow-up is registered after the placement has ended. End it first."), "error")
        return redirect(url_for("participants.placement", placement_id=pl.id))
    if not is_pathway_end(pl):
        flash(_("Follow-ups are registered after the placement that ends the pathway, not "
                "after one that led on to a next placement or has no outcome yet."), "error")
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
        return redirect(local_return(url_for("participants.detail", participant_id=pl.participant_id)))
    return _follow_up_page(form, pl, None)


def _follow_up_page(form, pl: Placement, follow_up: FollowUp | None):
    """The follow-up form with the dates the 3, 6 and 12 months' follow-ups fall due."""
    return render_template("participants/follow_up_form.html", form=form, placement=pl,
                           follow_up=follow_up, due={m: service.follow_up_due(pl.end_date, m)
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
    return _follow_up_page(form, pl, follow_up)


# --- progress assessments -------------------------------------------------------------------

@bp.route("/participants/<int:participant_id>/assessments/new", methods=["GET", "POST"])
@secretariat_required
def new_assessment(participant_id: int):
    """Register a progress assessment (1-10 on the seven dimensions). Secretariat."""
    participant = participant_or_404(participant_id)
    if participant.consent_date is None:
        flash(_("Record the consent of %(name)s before registering progress.", name=participant.name),
              "error")
        return redirect(url_for("participants.detail", participant_id=participant.id))
    refusal = service.withdrawal_refusal(participant, "assessment")
    if refusal is not None:
        flash(refusal, "error")
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
    form = AssessmentForm(obj=assessment, current=assessment)

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
