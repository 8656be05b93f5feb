"""The overview page each role lands on."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from tracker import access
from tracker.extensions import db
from tracker.models import Clause, ContractorReport, Participant, Placement, Project

bp = Blueprint("dashboard", __name__)


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


@bp.route("/")
@login_required
def index():
    """Counts of what the current user may see; every role."""
    user = current_user
    counts = {
        "projects": _count(access.visible(Project, user)),
        "clauses": _count(access.visible(Clause, user)),
        "placements": _count(access.visible(Placement, user)),
        "reports": _count(access.visible(ContractorReport, user)),
    }
    if user.role != "builder":
        counts["participants"] = _count(access.visible(Participant, user))
    return render_template("dashboard/index.html", counts=counts)
