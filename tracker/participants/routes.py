"""Participants: list and participant page, with field-level access by role."""
from flask import Blueprint, abort, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import or_
from sqlalchemy.orm import joinedload

from tracker import access
from tracker.audit import record_access
from tracker.extensions import db
from tracker.models import FollowUp, Participant, Placement, ProgressAssessment

bp = Blueprint("participants", __name__, url_prefix="/participants")


@bp.route("/")
@login_required
def index():
    """Participants in scope; builders see none here (only pseudonyms in documents)."""
    user = current_user
    if access.participant_detail(user) == "pseudonym":
        abort(404)
    query = access.visible(Participant, user).options(
        joinedload(Participant.housing_area), joinedload(Participant.municipality)
    )
    q = request.args.get("q", "").strip()
    if q:
        like = f"%{q}%"
        query = query.where(or_(Participant.name.ilike(like), Participant.ref.ilike(like)))
    page = db.paginate(query.order_by(Participant.name), per_page=25, error_out=False)
    return render_template("participants/index.html", page=page, q=q,
                           detail=access.participant_detail(user))


@bp.route("/<int:participant_id>")
@login_required
def detail(participant_id: int):
    """One participant; contractors see name and their own placements only. Logged as a view."""
    user = current_user
    detail_level = access.participant_detail(user)
    if detail_level == "pseudonym":
        abort(404)
    participant = access.get_visible_or_404(Participant, participant_id, user)
    placements = db.session.scalars(
        access.visible(Placement, user).where(Placement.participant_id == participant.id)
        .options(joinedload(Placement.employer), joinedload(Placement.project))
        .order_by(Placement.start_date)
    ).all()
    follow_ups = assessments = []
    if detail_level == "full":
        follow_ups = db.session.scalars(
            access.visible(FollowUp, user).join(Placement, FollowUp.placement_id == Placement.id)
            .where(Placement.participant_id == participant.id)
            .order_by(FollowUp.follow_up_date)
        ).all()
        assessments = db.session.scalars(
            access.visible(ProgressAssessment, user)
            .where(ProgressAssessment.participant_id == participant.id)
            .order_by(ProgressAssessment.assessed_on)
        ).all()
    record_access(db.session, "view", participant, purpose="casework")
    db.session.commit()
    return render_template(
        "participants/detail.html", participant=participant, placements=placements,
        follow_ups=follow_ups, assessments=assessments, detail=detail_level,
    )
