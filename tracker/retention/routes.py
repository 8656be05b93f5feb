"""Retention settings and their application, and erasure of one participant on request:
administrators only, each after a page that says what will go."""
from datetime import date

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from tracker import access
from tracker.auth import admin_required
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.i18n import ngettext
from tracker.models import Document, Participant, RetentionSetting
from tracker.models.codes import RETENTION_KINDS
from tracker.retention import service
from tracker.retention.forms import ApplyForm, EraseForm, RetentionForm

bp = Blueprint("retention", __name__)

# Rows of each kind listed on the confirmation page; the rest are counted.
LISTED = 50


@bp.route("/admin/retention", methods=["GET", "POST"])
@admin_required
def settings():
    current = service.settings()
    form = RetentionForm(data=current)
    if form.validate_on_submit():
        for kind in RETENTION_KINDS:
            setting = db.session.get(RetentionSetting, kind)
            setting.months = getattr(form, kind).data
        db.session.commit()
        flash(_("The retention periods are saved."), "success")
        return redirect(url_for("retention.settings"))
    return render_template("retention/settings.html", form=form, kinds=RETENTION_KINDS,
                           due=service.due(date.today()))


@bp.route("/admin/retention/apply", methods=["GET", "POST"])
@admin_required
def apply():
    form = ApplyForm()
    found = service.due(date.today())
    if form.validate_on_submit():
        done = service.apply(found)
        db.session.commit()
        flash(_("Retention applied: %(n)s records anonymised or removed.",
                n=sum(done.values())), "success")
        return redirect(url_for("retention.settings"))
    return render_template("retention/apply.html", form=form, found=found, kinds=RETENTION_KINDS,
                           listed=LISTED, total=sum(len(item.items) for item in found))


def _erasable(participant_id: int) -> Participant:
    return access.get_visible_or_404(Participant, participant_id, current_user)


@bp.route("/participants/<int:participant_id>/erase", methods=["GET", "POST"])
@admin_required
def erase(participant_id: int):
    participant = _erasable(participant_id)
    if participant.anonymised_at is not None:
        flash(_("The participant is already anonymised."), "info")
        return redirect(url_for("participants.detail", participant_id=participant.id))
    form = EraseForm()
    if form.validate_on_submit():
        outcome = service.anonymise([participant.id], service.ERASE, form.reason.data)
        db.session.commit()
        withdrawn = len(outcome.documents_withdrawn) + len(outcome.attachments_withdrawn)
        flash(ngettext("The participant is erased: name, contact details and notes are gone, "
                       "and %(num)s document was withdrawn. The figures are unchanged.",
                       "The participant is erased: name, contact details and notes are gone, "
                       "and %(num)s documents were withdrawn. The figures are unchanged.",
                       withdrawn), "success")
        return redirect(url_for("participants.detail", participant_id=participant.id))
    # What would go, found by doing it and undoing it again.
    with db.session.begin_nested() as trial:
        preview = service.anonymise([participant.id], service.ERASE, "preview")
        trial.rollback()
    db.session.expire_all()
    participant = _erasable(participant_id)
    documents = db.session.scalars(
        select(Document).where(Document.number.in_(
            preview.documents_withdrawn + preview.attachments_withdrawn))
        .order_by(Document.number)).all()
    return render_template("retention/erase.html", participant=participant, form=form,
                           preview=preview, documents=documents)
