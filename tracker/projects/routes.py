"""Building projects: list and project page, within the user's scope."""
from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from tracker import access
from tracker.extensions import db
from tracker.models import Agreement, Clause, Placement, Project, ProjectContractor

bp = Blueprint("projects", __name__, url_prefix="/projects")


@bp.route("/")
@login_required
def index():
    """Projects the user may see, searchable by case number or name; every role."""
    query = access.visible(Project, current_user).options(
        joinedload(Project.housing_area), joinedload(Project.builder)
    )
    q = request.args.get("q", "").strip()
    if q:
        like = f"%{q}%"
        query = query.where(or_(Project.case_number.ilike(like), Project.name.ilike(like)))
    page = db.paginate(query.order_by(Project.case_number), per_page=25, error_out=False)
    return render_template("projects/index.html", page=page, q=q)


@bp.route("/<int:project_id>")
@login_required
def detail(project_id: int):
    """One project with its agreements, clauses and placements; within scope only."""
    user = current_user
    project = access.get_visible_or_404(Project, project_id, user)
    contractors = db.session.scalars(
        select(ProjectContractor).where(ProjectContractor.project_id == project.id)
        .options(joinedload(ProjectContractor.contractor))
    ).all()
    agreements = db.session.scalars(
        access.visible(Agreement, user).where(Agreement.project_id == project.id)
        .order_by(Agreement.ref)
    ).all()
    clauses = db.session.scalars(
        access.visible(Clause, user)
        .join(Agreement, Clause.agreement_id == Agreement.id)
        .where(Agreement.project_id == project.id)
        .options(joinedload(Clause.responsible_contractor))
        .order_by(Clause.ref)
    ).all()
    placements = db.session.scalars(
        access.visible(Placement, user).where(Placement.project_id == project.id)
        .options(joinedload(Placement.participant), joinedload(Placement.employer))
        .order_by(Placement.start_date)
    ).all()
    return render_template(
        "projects/detail.html", project=project, contractors=contractors,
        agreements=agreements, clauses=clauses, placements=placements,
        detail=access.participant_detail(user),
    )
