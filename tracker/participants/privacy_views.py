"""A resident's rights over their data: the access request (everything held on them, as
JSON and as a PDF for them) and consent withdrawal, recorded and, when recorded by
mistake, removed. On the participants blueprint (tracker.participants.routes), for the
secretariat only; everything is logged or audited, and every response is no-store.
"""
from datetime import date

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from tracker.audit import chosen_purpose, record_access
from tracker.auth import secretariat_required
from tracker.extensions import db
from tracker.formatting import short_date
from tracker.i18n import gettext as _
from tracker.models import Participant
from tracker.participants import access_request
from tracker.participants.forms import WithdrawConsentForm
from tracker.participants.routes import bp, participant_or_404

DATA_REQUEST = "data_request"


# --- access request (GDPR art. 15) ----------------------------------------------------------

def _export(participant_id: int, suffix: str, mimetype: str, make) -> Response:
    """The participant's holdings made into a file and sent as a download; the export is
    logged (and so audited) with the purpose 'data_request'. Nothing is archived."""
    participant = participant_or_404(
        participant_id, joinedload(Participant.housing_area),
        joinedload(Participant.municipality), joinedload(Participant.benefit_group))
    today = date.today()
    body = make(access_request.holdings(participant, current_user, today))
    record_access(db.session, "export", participant, purpose=DATA_REQUEST)
    name = f"indsigt-{participant.ref}-{today.isoformat()}.{suffix}"
    db.session.commit()
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/participants/<int:participant_id>/access-request.json")
@secretariat_required
def access_request_json(participant_id: int):
    """Everything held on the participant, as JSON (access request). Secretariat; logged."""
    return _export(participant_id, "json", "application/json", access_request.as_json)


@bp.route("/participants/<int:participant_id>/access-request.pdf")
@secretariat_required
def access_request_pdf(participant_id: int):
    """Everything held on the participant, as a PDF for them in plain Danish (access
    request); made on request, never archived. Secretariat; logged."""
    return _export(participant_id, "pdf", "application/pdf", access_request.as_pdf)


# --- consent withdrawal ---------------------------------------------------------------------

def _back(participant: Participant):
    return redirect(url_for("participants.detail", participant_id=participant.id))


def _log_view(participant: Participant) -> None:
    """A page showing the participant's consent is a view of personal data (a GET)."""
    if request.method == "GET":
        record_access(db.session, "view", participant, purpose=chosen_purpose())
        db.session.commit()


@bp.route("/participants/<int:participant_id>/consent/withdraw", methods=["GET", "POST"])
@secretariat_required
def withdraw_consent(participant_id: int):
    """Record that the participant withdrew consent: the form, then a page saying what
    stops, then (confirmed) the withdrawal is saved and audited. Secretariat."""
    participant = participant_or_404(participant_id)
    if participant.consent_date is None:
        flash(_("%(name)s has no consent recorded, so there is nothing to withdraw.",
                name=participant.name), "error")
        return _back(participant)
    if participant.consent_withdrawn_on is not None:
        flash(_("The consent was already withdrawn on %(date)s.",
                date=short_date(participant.consent_withdrawn_on)), "info")
        return _back(participant)
    _log_view(participant)
    form = WithdrawConsentForm(participant=participant)
    # "Change" on the confirmation page sends the values back to the form.
    if form.validate_on_submit() and not request.form.get("change"):
        if form.confirmed.data == "1":
            participant.consent_withdrawn_on = form.withdrawn_on.data
            participant.consent_withdrawal_note = (form.note.data or "").strip() or None
            db.session.commit()
            flash(_("The withdrawal of the consent of %(name)s on %(date)s was recorded.",
                    name=participant.name, date=short_date(participant.consent_withdrawn_on)),
                  "success")
            return _back(participant)
        form.confirmed.data = "1"
        return render_template("participants/withdraw_consent.html", form=form,
                               participant=participant, confirming=True)
    form.confirmed.data = ""
    return render_template("participants/withdraw_consent.html", form=form,
                           participant=participant, confirming=False)


@bp.route("/participants/<int:participant_id>/consent/withdrawal/remove",
          methods=["GET", "POST"])
@secretariat_required
def remove_withdrawal(participant_id: int):
    """Remove a withdrawal of consent recorded by mistake, after a confirmation page; the
    removal is audited. Secretariat."""
    participant = participant_or_404(participant_id)
    if participant.consent_withdrawn_on is None:
        flash(_("No withdrawal of the consent is recorded."), "info")
        return _back(participant)
    if request.method == "POST":
        participant.consent_withdrawn_on = None
        participant.consent_withdrawal_note = None
        db.session.commit()
        flash(_("The withdrawal of the consent of %(name)s was removed.",
                name=participant.name), "success")
        return _back(participant)
    _log_view(participant)
    return render_template("participants/remove_withdrawal.html", participant=participant)
