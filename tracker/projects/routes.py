"""Building projects: list, project page, create and edit, contractors on the project.

Everyone sees the projects in their scope (read-only for the external roles); only the
secretariat creates and changes them.
"""
import sys
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, contains_eager

from tracker import access
from tracker.audit import chosen_purpose, record_list_view
from tracker.auth import secretariat_required
from tracker.extensions import db
from tracker.formatting import kroner
from tracker.forms import apply_form, commit_edit
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.lists import Column, Filter, ListSpec, Records
from tracker.models import HousingArea, Organisation, Project, ProjectContractor
from tracker.models.codes import CONTRACTOR_ROLES, PROJECT_STATUSES, label
from tracker.projects.forms import AddContractorForm, ContractorRoleForm, ProjectForm
from tracker.projects.service import (
    contractor_removal_problem,
    load_project,
    project_figures,
    project_page,
    recompute_derived_targets,
)
from tracker.removal import Removal, confirm, references, refusal
from tracker.urls import as_of_arg

bp = Blueprint("projects", __name__, url_prefix="/projects")

BUILDER = aliased(Organisation, name="builder_org")
MUNICIPALITY = aliased(Organisation, name="municipality_org")


def _amount(value):
    """An amount for the list and its exports: whole kroner as a whole number, øre kept."""
    return int(value) if value is not None and value == int(value) else value


def _visible_ids(column) -> Select:
    return access.visible(Project, current_user).with_only_columns(column)


def _organisations(ids: Select) -> Select:
    return (select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
            .order_by(Organisation.name, Organisation.id))


# The options of each filter: only records of the user's own projects.
MUNICIPALITIES = Records(lambda: _organisations(
    select(HousingArea.municipality_id)
    .where(HousingArea.id.in_(_visible_ids(Project.housing_area_id)))), [Organisation.name])
AREAS = Records(lambda: (
    select(HousingArea.id, HousingArea.name)
    .where(HousingArea.id.in_(_visible_ids(Project.housing_area_id)))
    .order_by(HousingArea.name, HousingArea.id)), [HousingArea.name])
BUILDERS = Records(lambda: _organisations(_visible_ids(Project.builder_id)), [Organisation.name])
CONTRACTORS = Records(lambda: _organisations(
    select(ProjectContractor.contractor_id)
    .where(ProjectContractor.project_id.in_(_visible_ids(Project.id)))), [Organisation.name])


PROJECTS = ListSpec(
    columns=[
        Column("case_number", _l("Case number"), lambda p: p.case_number, Project.case_number,
               link=lambda p: url_for("projects.detail", project_id=p.id)),
        Column("name", _l("Name"), lambda p: p.name, Project.name),
        Column("area", _l("Housing area"), lambda p: p.housing_area.name, HousingArea.name),
        Column("municipality", _l("Municipality"), lambda p: p.housing_area.municipality.name,
               MUNICIPALITY.name),
        Column("builder", _l("Builder"), lambda p: p.builder.name, BUILDER.name),
        Column("start", _l("Start date"), lambda p: p.start_date, Project.start_date),
        Column("end", _l("End date"), lambda p: p.end_date, Project.end_date),
        Column("contract_sum", _l("Contract sum (DKK)"), lambda p: _amount(p.contract_sum),
               Project.contract_sum, numeric=True, shown=kroner),
        Column("status", _l("Status"), lambda p: label(PROJECT_STATUSES, p.status),
               Project.status),
    ],
    search=[Project.case_number, Project.name],
    filters=[
        Filter("status", _l("Status"), lambda v: Project.status == v, PROJECT_STATUSES),
        Filter("municipality", _l("Municipality"),
               lambda ids: HousingArea.municipality_id.in_(ids), MUNICIPALITIES),
        Filter("area", _l("Housing area"), lambda ids: Project.housing_area_id.in_(ids), AREAS),
        Filter("builder", _l("Builder"), lambda ids: Project.builder_id.in_(ids), BUILDERS),
        Filter("contractor", _l("Contractor"), lambda ids: Project.id.in_(
            select(ProjectContractor.project_id).where(ProjectContractor.contractor_id.in_(ids))),
            CONTRACTORS),
        # A project overlaps the period when it ends on or after "from" and starts by "to".
        Filter("period_from", _l("Running from"), lambda d: Project.end_date >= d,
               kind="date_from"),
        Filter("period_to", _l("Running until"), lambda d: Project.start_date <= d,
               kind="date_to"),
    ],
    default_sort="case_number",
    search_label=_l("Search case number or name"),
)


def _list_query(user) -> Select:
    """The user's projects joined to area, municipality and builder (for sorting and showing)."""
    return (
        access.visible(Project, user)
        .join(HousingArea, Project.housing_area_id == HousingArea.id)
        .join(MUNICIPALITY, HousingArea.municipality_id == MUNICIPALITY.id)
        .join(BUILDER, Project.builder_id == BUILDER.id)
        .options(contains_eager(Project.housing_area)
                 .contains_eager(HousingArea.municipality.of_type(MUNICIPALITY)),
                 contains_eager(Project.builder.of_type(BUILDER)))
    )


def _can_edit() -> bool:
    return current_user.role in access.SECRETARIAT


@bp.route("/")
@login_required
def index():
    """Projects the user may see, with search, filters, sorting and export; every role."""
    state = PROJECTS.state()
    # Ties (same builder, area, …) keep a stable order by case number, page after page.
    query = PROJECTS.apply(_list_query(current_user), state).order_by(Project.case_number)
    return PROJECTS.respond(query, state, "byggesager", "projects/index.html",
                            can_edit=_can_edit())


@bp.route("/<int:project_id>")
@login_required
def detail(project_id: int):
    """The project page: facts, contractors, agreements, clause figures, placements, reports,
    documents and (secretariat only) the audit history; within the user's scope. The
    participants its placements name are logged as shown."""
    user = current_user
    page = project_page(project_id, user)
    views = current_app.view_functions
    # Link to reports and documents where those pages exist and the role may open them
    # (other features provide them).
    reporting = sys.modules.get("tracker.reporting.routes")
    report_link = ("reporting.detail" in views
                   and user.role in getattr(reporting, "REPORTING_ROLES", ()))
    document_link = next((e for e in ("documents.detail", "documents.download") if e in views),
                         None)
    figures = project_figures(page.project, user, as_of_arg(),
                              all_placements=request.args.get("placements") == "all",
                              all_reports=request.args.get("reports") == "all")
    can_edit = _can_edit()
    contractor_form = AddContractorForm(project=page.project) if can_edit else None
    named = figures.detail != "pseudonym"  # builders see pseudonyms only
    if named:
        record_list_view(db.session, "project_placements",
                         [pl.participant_id for pl in figures.placements], chosen_purpose(),
                         entity_id=page.project.id)
    html = render_template("projects/detail.html", page=page, project=page.project,
                           figures=figures, can_edit=can_edit, today=date.today(),
                           report_link=report_link, contractor_form=contractor_form,
                           role_form=ContractorRoleForm(), roles=CONTRACTOR_ROLES,
                           document_link=document_link)
    if named:  # after rendering: a commit would expire the rows and load them again
        db.session.commit()
    return html


def _duplicate_case_number(form) -> None:
    db.session.rollback()
    form.case_number.errors.append(_("The case number %(number)s is already used.",
                                     number=form.case_number.data))


@bp.route("/new", methods=["GET", "POST"])
@secretariat_required
def create():
    """Register a building project; secretariat only."""
    form = ProjectForm()
    if form.validate_on_submit():
        project = Project()
        apply_form(form, project)
        db.session.add(project)
        try:
            db.session.commit()
        except IntegrityError:  # registered by someone else since the form was checked
            _duplicate_case_number(form)
        else:
            flash(_("The building project %(number)s was created.", number=project.case_number),
                  "success")
            return redirect(url_for("projects.detail", project_id=project.id))
    return render_template("projects/form.html", form=form, project=None)


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit(project_id: int):
    """Correct a project; derived clause targets follow its amounts. Secretariat only."""
    project = load_project(project_id, current_user)
    form = ProjectForm(obj=project, current=project)
    recomputed = []

    def apply(form_, project_):
        apply_form(form_, project_)
        with db.session.no_autoflush:
            recomputed.extend(recompute_derived_targets(project_))

    if form.validate_on_submit():
        try:
            saved = commit_edit(form, project, apply=apply)
        except IntegrityError:
            _duplicate_case_number(form)
            saved = False
        if saved:
            flash(_("The changes to %(name)s were saved.", name=project.case_number), "success")
            if recomputed:
                flash(_("The targets of clause %(refs)s were recomputed from the new amounts.",
                        refs=", ".join(c.ref for c in recomputed)), "info")
            return redirect(url_for("projects.detail", project_id=project.id))
    return render_template("projects/form.html", form=form, project=project)


def _detail_url(project: Project) -> str:
    # No #anchor: the page opens at the top, where the message about the change is shown.
    return url_for("projects.detail", project_id=project.id)


def _flash_errors(form) -> None:
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


@bp.route("/<int:project_id>/contractors", methods=["POST"])
@secretariat_required
def add_contractor(project_id: int):
    """Put a contractor on the project as main or subcontractor; secretariat only."""
    project = load_project(project_id, current_user)
    form = AddContractorForm(project=project)
    if form.validate_on_submit():
        link = ProjectContractor(project=project, contractor_id=form.chosen_id(),
                                 role=form.role.data)
        db.session.add(link)
        try:
            db.session.commit()
        except IntegrityError:  # added by someone else meanwhile
            db.session.rollback()
            flash(_("The contractor is already on the project."), "error")
        else:
            flash(_("%(name)s was added as %(role)s.", name=link.contractor.name,
                    role=label(CONTRACTOR_ROLES, link.role).lower()), "success")
    else:
        _flash_errors(form)
    return redirect(_detail_url(project))


def _link_or_404(project: Project, organisation_id: int) -> ProjectContractor:
    link = db.session.scalar(select(ProjectContractor).where(
        ProjectContractor.project_id == project.id,
        ProjectContractor.contractor_id == organisation_id))
    if link is None:
        abort(404)
    return link


@bp.route("/<int:project_id>/contractors/<int:organisation_id>/role", methods=["POST"])
@secretariat_required
def change_contractor_role(project_id: int, organisation_id: int):
    """Change a contractor's role (main/sub) on the project; secretariat only."""
    project = load_project(project_id, current_user)
    link = _link_or_404(project, organisation_id)
    form = ContractorRoleForm()
    if form.validate_on_submit():
        if commit_edit(form, link):
            flash(_("%(name)s is now %(role)s.", name=link.contractor.name,
                    role=label(CONTRACTOR_ROLES, link.role).lower()), "success")
    else:
        _flash_errors(form)
    return redirect(_detail_url(project))


@bp.route("/<int:project_id>/contractors/<int:organisation_id>/remove", methods=["GET", "POST"])
@secretariat_required
def remove_contractor(project_id: int, organisation_id: int):
    """Take a contractor off the project, after a confirmation; not while placements,
    reports or clauses name it."""
    project = load_project(project_id, current_user)
    link = _link_or_404(project, organisation_id)
    name = link.contractor.name
    return confirm(Removal(
        title=_("Remove %(name)s from building project %(case)s", name=name,
                case=project.case_number),
        goes=[_("%(name)s is no longer a contractor on the project; the firm itself stays.",
                name=name)],
        perform=lambda: db.session.delete(link),
        done=_("%(name)s was removed from the project.", name=name),
        refused=contractor_removal_problem(project, organisation_id),
        back=_detail_url(project), projects=[project.id]))


@bp.route("/<int:project_id>/remove", methods=["GET", "POST"])
@secretariat_required
def remove(project_id: int):
    """Remove a building project made by mistake, after a confirmation; not once it has
    agreements, placements or documents."""
    project = load_project(project_id, current_user)
    return confirm(Removal(
        title=_("Remove building project %(case)s", case=project.case_number),
        goes=[_("Building project %(case)s %(name)s, with its list of contractors.",
                case=project.case_number, name=project.name)],
        perform=lambda: db.session.delete(project),
        done=_("Building project %(case)s was removed.", case=project.case_number),
        refused=refusal(project.case_number, references(project, {"project_contractors"})),
        back=_detail_url(project), after=url_for("projects.index")))
