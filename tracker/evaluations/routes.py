"""Yearly evaluations of agreements and their follow-up actions (secretariat only).

An evaluation has a development aim (DESIGN §1): its figures are computed from the
counting rules, and every finding gets an action with an owner and a due date.
"""
import re
from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import case, distinct, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from tracker import access
from tracker.auth import secretariat_required
from tracker.evaluations.forms import ActionForm, EvaluationForm
from tracker.evaluations.service import summary
from tracker.extensions import db
from tracker.forms import apply_form, commit_edit
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.lists import Column, Filter, ListSpec
from tracker.models import Agreement, Evaluation, EvaluationAction, Project
from tracker.removal import Removal, confirm

bp = Blueprint("evaluations", __name__)
_YEAR = re.compile(r"[0-9]{4}", re.ASCII)


def agreement_url(agreement: Agreement) -> str:
    """The agreement's own page when that view exists, else its project's page."""
    if "agreements.detail" in current_app.view_functions:
        return url_for("agreements.detail", agreement_id=agreement.id)
    return url_for("projects.detail", project_id=agreement.project_id)


def _project_label(project: Project) -> str:
    return f"{project.case_number} {project.name}"


def _year_options() -> list[tuple[str, str]]:
    years = db.session.scalars(select(distinct(Evaluation.year)).order_by(Evaluation.year.desc()))
    return [(str(y), str(y)) for y in years]


EVALUATIONS = ListSpec(
    columns=[
        Column("year", _l("Year"), lambda e: str(e.year), Evaluation.year,
               link=lambda e: url_for("evaluations.detail", evaluation_id=e.id)),
        Column("project", _l("Building project"), lambda e: _project_label(e.agreement.project),
               Project.case_number),
        Column("agreement", _l("Partnership agreement"), lambda e: e.agreement.title,
               Agreement.title,
               link=lambda e: url_for("evaluations.detail", evaluation_id=e.id)),
        Column("open", _l("Open actions"),
               lambda e: sum(1 for a in e.actions if a.done_on is None), numeric=True),
        Column("updated", _l("Last changed"), lambda e: e.updated_at, Evaluation.updated_at),
    ],
    search=[Project.case_number, Project.name, Agreement.title, Agreement.ref],
    filters=[Filter("year", _l("Year"),
                    lambda v: Evaluation.year == int(v) if _YEAR.fullmatch(v) else False,
                    _year_options)],
    default_sort="-year",
    search_label=_l("Search project or agreement"),
)


def _owner_options() -> list[tuple[str, str]]:
    owners = db.session.scalars(select(distinct(EvaluationAction.owner))
                                .where(EvaluationAction.done_on.is_(None))
                                .order_by(EvaluationAction.owner))
    return [(o, o) for o in owners]


def _overdue_condition(value: str):
    today = date.today()
    if value == "yes":
        return EvaluationAction.due_date < today
    if value == "no":
        return EvaluationAction.due_date >= today
    return True  # an unknown value filters nothing


OPEN_ACTIONS = ListSpec(
    columns=[
        Column("project", _l("Building project"),
               lambda a: _project_label(a.evaluation.agreement.project), Project.case_number),
        Column("agreement", _l("Partnership agreement"),
               lambda a: f"{a.evaluation.agreement.title} ({a.evaluation.year})", Agreement.title,
               link=lambda a: url_for("evaluations.detail", evaluation_id=a.evaluation_id)),
        Column("description", _l("Action"), lambda a: a.description,
               link=lambda a: url_for("evaluations.edit_action", action_id=a.id,
                                      back="actions")),
        Column("owner", _l("Owner"), lambda a: a.owner, EvaluationAction.owner),
        Column("due", _l("Due"), lambda a: a.due_date, EvaluationAction.due_date),
        Column("overdue", _l("Overdue"), lambda a: a.due_date < date.today()),
    ],
    search=[EvaluationAction.description, EvaluationAction.owner, Project.case_number,
            Project.name],
    filters=[
        Filter("owner", _l("Owner"), lambda v: EvaluationAction.owner == v, _owner_options),
        Filter("overdue", _l("Overdue"), _overdue_condition,
               {"yes": _l("Overdue only"), "no": _l("Not overdue")}),
    ],
    default_sort="due",
    search_label=_l("Search action, owner or project"),
)


def _evaluations_query():
    return (select(Evaluation)
            .join(Evaluation.agreement).join(Agreement.project)
            .options(contains_eager(Evaluation.agreement).contains_eager(Agreement.project),
                     selectinload(Evaluation.actions)))


def _get_evaluation(evaluation_id: int) -> Evaluation:
    """An evaluation whose agreement the user may see; 404 otherwise."""
    evaluation = db.get_or_404(Evaluation, evaluation_id)
    access.get_visible_or_404(Agreement, evaluation.agreement_id, current_user)
    return evaluation


def _get_action(action_id: int) -> EvaluationAction:
    action = db.get_or_404(EvaluationAction, action_id)
    _get_evaluation(action.evaluation_id)
    return action


@bp.route("/evaluations/")
@secretariat_required
def index():
    """Every evaluation, newest year first, with search, year filter and export; secretariat."""
    state = EVALUATIONS.state()
    query = EVALUATIONS.apply(_evaluations_query(), state).order_by(Evaluation.id)
    return EVALUATIONS.respond(query, state, "evalueringer", "evaluations/index.html")


@bp.route("/evaluations/actions/")
@secretariat_required
def actions():
    """Open follow-up actions across all agreements, overdue first; secretariat only."""
    state = OPEN_ACTIONS.state()
    # Overdue actions lead whatever column the list is sorted by.
    overdue_first = case((EvaluationAction.due_date < date.today(), 0), else_=1)
    query = (select(EvaluationAction)
             .join(EvaluationAction.evaluation).join(Evaluation.agreement).join(Agreement.project)
             .where(EvaluationAction.done_on.is_(None))
             .options(contains_eager(EvaluationAction.evaluation)
                      .contains_eager(Evaluation.agreement).contains_eager(Agreement.project))
             .order_by(overdue_first))
    query = OPEN_ACTIONS.apply(query, state).order_by(EvaluationAction.id)
    return OPEN_ACTIONS.respond(query, state, "handlinger", "evaluations/actions.html",
                                today=date.today())


def _create(form: EvaluationForm, agreement: Agreement | None):
    if form.validate_on_submit():
        agreement = form.chosen_agreement()
        if agreement is None:
            abort(404)
        access.get_visible_or_404(Agreement, agreement.id, current_user)
        evaluation = Evaluation(agreement=agreement)
        apply_form(form, evaluation, skip=("agreement_id",))
        db.session.add(evaluation)
        try:
            db.session.commit()
        except IntegrityError:  # the same year saved by someone else a moment ago
            db.session.rollback()
            form.year.errors.append(_(
                "This agreement already has an evaluation of %(year)s. Open it from the list "
                "of evaluations and add to it instead.", year=form.year.data))
        else:
            flash(_("The evaluation of %(year)s was created. Add the follow-up actions below.",
                    year=evaluation.year), "success")
            return redirect(url_for("evaluations.detail", evaluation_id=evaluation.id))
    return render_template("evaluations/form.html", form=form, evaluation=None,
                           agreement=agreement, agreement_url=agreement_url)


@bp.route("/evaluations/new", methods=["GET", "POST"])
@secretariat_required
def create_any():
    """Start an evaluation, choosing the agreement in the form; secretariat only."""
    form = EvaluationForm()
    if request.method == "GET" and form.year.data is None:
        form.year.data = date.today().year - 1
    return _create(form, None)


@bp.route("/agreements/<int:agreement_id>/evaluations/new", methods=["GET", "POST"])
@secretariat_required
def create(agreement_id: int):
    """Start the evaluation of one agreement for one year; secretariat only."""
    agreement = access.get_visible_or_404(Agreement, agreement_id, current_user)
    form = EvaluationForm(agreement=agreement)
    if request.method == "GET" and form.year.data is None:
        form.year.data = date.today().year - 1
    return _create(form, agreement)


@bp.route("/evaluations/<int:evaluation_id>")
@secretariat_required
def detail(evaluation_id: int):
    """The evaluation: computed figures, findings, factors and follow-up actions; secretariat."""
    evaluation = _get_evaluation(evaluation_id)
    today = date.today()
    return render_template("evaluations/detail.html", evaluation=evaluation,
                           summary=summary(evaluation, today), today=today,
                           action_form=ActionForm(formdata=None), agreement_url=agreement_url)


@bp.route("/evaluations/<int:evaluation_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit(evaluation_id: int):
    """Change the year, findings or factors; refused when someone else saved meanwhile."""
    evaluation = _get_evaluation(evaluation_id)
    form = EvaluationForm(obj=evaluation, current=evaluation)
    if form.validate_on_submit():
        try:
            saved = commit_edit(form, evaluation)
        except IntegrityError:  # the same year saved by someone else a moment ago
            db.session.rollback()
            saved = False
            form.year.errors.append(_(
                "This agreement already has an evaluation of %(year)s. Open it from the list "
                "of evaluations and add to it instead.", year=form.year.data))
        if saved:
            flash(_("The evaluation was saved."), "success")
            return redirect(url_for("evaluations.detail", evaluation_id=evaluation.id))
    return render_template("evaluations/form.html", form=form, evaluation=evaluation,
                           agreement=evaluation.agreement, agreement_url=agreement_url)


@bp.route("/evaluations/<int:evaluation_id>/actions/new", methods=["GET", "POST"])
@secretariat_required
def create_action(evaluation_id: int):
    """Add a follow-up action with an owner and a due date; secretariat only."""
    evaluation = _get_evaluation(evaluation_id)
    form = ActionForm()
    if form.validate_on_submit():
        action = EvaluationAction(evaluation=evaluation)
        apply_form(form, action)
        db.session.add(action)
        db.session.commit()
        flash(_("The action was added."), "success")
        return redirect(url_for("evaluations.detail", evaluation_id=evaluation.id) + "#actions")
    return render_template("evaluations/action_form.html", form=form, evaluation=evaluation,
                           action=None)


def _back_to(action: EvaluationAction) -> str:
    """Where to go after an action was changed: the open-actions list or the evaluation."""
    if request.values.get("back") == "actions":
        return url_for("evaluations.actions")
    return url_for("evaluations.detail", evaluation_id=action.evaluation_id) + "#actions"


@bp.route("/evaluations/actions/<int:action_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit_action(action_id: int):
    """Correct an action or record when it was done; optimistic locking; secretariat only."""
    action = _get_action(action_id)
    form = ActionForm(obj=action)
    if form.validate_on_submit() and commit_edit(form, action):
        flash(_("The action was saved."), "success")
        return redirect(_back_to(action))
    return render_template("evaluations/action_form.html", form=form,
                           evaluation=action.evaluation, action=action)


@bp.route("/evaluations/actions/<int:action_id>/done", methods=["POST"])
@secretariat_required
def toggle_done(action_id: int):
    """Mark an action done today, or open it again; secretariat only."""
    action = _get_action(action_id)
    if action.done_on is None:
        action.done_on = date.today()
        message = _("The action is marked as done.")
    else:
        action.done_on = None
        message = _("The action is open again.")
    db.session.commit()
    flash(message, "success")
    return redirect(_back_to(action))


@bp.route("/evaluations/<int:evaluation_id>/remove", methods=["GET", "POST"])
@secretariat_required
def remove(evaluation_id: int):
    """Remove an evaluation made by mistake, with its actions, after a confirmation."""
    evaluation = _get_evaluation(evaluation_id)
    return confirm(Removal(
        title=_("Remove the evaluation of %(year)s", year=evaluation.year),
        goes=[_("The evaluation of agreement %(ref)s for %(year)s: findings, factors and its "
                "%(n)s follow-up actions.", ref=evaluation.agreement.ref, year=evaluation.year,
                n=len(evaluation.actions))],
        perform=lambda: db.session.delete(evaluation),
        done=_("The evaluation was removed."),
        back=url_for("evaluations.detail", evaluation_id=evaluation.id),
        after=url_for("evaluations.index")))


@bp.route("/evaluations/actions/<int:action_id>/remove", methods=["GET", "POST"])
@secretariat_required
def remove_action(action_id: int):
    """Remove a follow-up action made by mistake, after a confirmation."""
    action = _get_action(action_id)
    return confirm(Removal(
        title=_("Remove action"),
        goes=[_("The action “%(description)s” (%(owner)s).", description=action.description,
                owner=action.owner)],
        perform=lambda: db.session.delete(action),
        done=_("The action was removed."),
        back=url_for("evaluations.detail", evaluation_id=action.evaluation_id) + "#actions"))
