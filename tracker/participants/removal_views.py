"""Removing what was registered by mistake: a placement, a follow-up or a progress
assessment (secretariat), or a participant with nothing registered yet (administrators),
each after the confirmation page of tracker.removal."""
from flask import url_for
from flask_login import current_user
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from tracker import access
from tracker.auth import admin_required, secretariat_required
from tracker.extensions import db
from tracker.formatting import short_date
from tracker.i18n import gettext as _
from tracker.i18n import ngettext
from tracker.models import (
    Document,
    FollowUp,
    Participant,
    Placement,
    ProgressAssessment,
)
from tracker.models.codes import FOLLOW_UP_STATUSES, PLACEMENT_KINDS, label
from tracker.participants.routes import bp
from tracker.removal import Removal, confirm
from tracker.retention import service as retention


@bp.route("/placements/<int:placement_id>/remove", methods=["GET", "POST"])
@secretariat_required
def remove_placement(placement_id: int):
    pl = access.get_visible_or_404(Placement, placement_id, current_user,
                                   joinedload(Placement.participant),
                                   joinedload(Placement.employer))
    follow_ups = db.session.scalars(select(FollowUp).where(FollowUp.placement_id == pl.id)
                                    .order_by(FollowUp.months)).all()
    previous = db.session.scalars(select(Placement).where(
        Placement.next_placement_id == pl.id)).first()
    goes = [_("Placement %(ref)s of %(name)s: %(kind)s at %(employer)s from %(start)s.",
              ref=pl.ref, name=pl.participant.name, kind=label(PLACEMENT_KINDS, pl.kind),
              employer=pl.employer.name, start=short_date(pl.start_date))]
    if follow_ups:
        goes.append(ngettext("%(num)s follow-up registered after it.",
                             "%(num)s follow-ups registered after it.", len(follow_ups)))
    if previous is not None:
        goes.append(_("Placement %(ref)s led on to this one: its outcome is cleared, so it "
                      "appears among the placements to close until its outcome is recorded "
                      "again.", ref=previous.ref))

    def perform():
        for follow_up in follow_ups:
            db.session.delete(follow_up)
        if previous is not None:
            previous.next_placement_id, previous.outcome = None, None
        db.session.delete(pl)

    return confirm(Removal(
        title=_("Remove placement %(ref)s", ref=pl.ref), goes=goes, perform=perform,
        done=_("Placement %(ref)s was removed.", ref=pl.ref),
        back=url_for("participants.placement", placement_id=pl.id),
        after=url_for("participants.detail", participant_id=pl.participant_id),
        projects=[pl.project_id] if pl.project_id else []))


@bp.route("/follow-ups/<int:follow_up_id>/remove", methods=["GET", "POST"])
@secretariat_required
def remove_follow_up(follow_up_id: int):
    follow_up = access.get_visible_or_404(FollowUp, follow_up_id, current_user)
    pl = follow_up.placement
    goes = [_("The follow-up %(months)s months after placement %(ref)s of %(name)s, dated "
              "%(date)s: %(status)s. It is due again on the follow-up list.",
              months=follow_up.months, ref=pl.ref, name=pl.participant.name,
              date=short_date(follow_up.follow_up_date),
              status=label(FOLLOW_UP_STATUSES, follow_up.status))]
    return confirm(Removal(
        title=_("Remove follow-up"), goes=goes,
        perform=lambda: db.session.delete(follow_up),
        done=_("The follow-up was removed."),
        back=url_for("participants.detail", participant_id=pl.participant_id)))


@bp.route("/assessments/<int:assessment_id>/remove", methods=["GET", "POST"])
@secretariat_required
def remove_assessment(assessment_id: int):
    assessment = access.get_visible_or_404(ProgressAssessment, assessment_id, current_user)
    goes = [_("The progress assessment of %(name)s of %(date)s, with its scores and note.",
              name=assessment.participant.name, date=short_date(assessment.assessed_on))]
    return confirm(Removal(
        title=_("Remove progress assessment"), goes=goes,
        perform=lambda: db.session.delete(assessment),
        done=_("The progress assessment was removed."),
        back=url_for("participants.detail", participant_id=assessment.participant_id)
        + "#progress"))


@bp.route("/participants/<int:participant_id>/remove", methods=["GET", "POST"])
@admin_required
def remove_participant(participant_id: int):
    """A participant enrolled by mistake, with nothing registered: removed, so that they no
    longer count as enrolled; what identified them is first wiped from every copy (the
    audit trail included) as erasure does. Anyone with a pathway is erased instead."""
    participant = access.get_visible_or_404(Participant, participant_id, current_user)
    registered = db.session.scalar(select(
        exists().where(Placement.participant_id == participant.id)
        | exists().where(ProgressAssessment.participant_id == participant.id)
        | exists().where(Document.participant_id == participant.id)))
    refused = _("%(name)s has placements, assessments or documents and cannot be removed. "
                "Remove those first if they were registered by mistake; if the resident asked "
                "to be forgotten, erase the participant instead: the figures are then kept.",
                name=participant.name) if registered else None
    goes = [_("%(name)s (%(ref)s), enrolled %(date)s, with contact details and consent.",
              name=participant.name, ref=participant.ref,
              date=short_date(participant.intake_date)),
            _("The participant no longer counts as enrolled in the municipality report, the "
              "annual report and the dashboards."),
            _("What identified the participant is wiped from the audit trail and other "
              "texts, as an erasure does.")]

    def perform():
        retention.anonymise([participant.id], retention.ERASE, "removed: enrolled by mistake")
        db.session.delete(db.session.get(Participant, participant.id))

    return confirm(Removal(
        title=_("Remove %(name)s", name=participant.name), goes=goes, perform=perform,
        done=_("The participant was removed."), refused=refused,
        back=url_for("participants.detail", participant_id=participant.id),
        after=url_for("participants.index")))
