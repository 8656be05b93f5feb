"""Sign in, sign out, choose language."""
from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from tracker.audit import record_event
from tracker.auth.forms import LanguageForm, LoginForm
from tracker.auth.service import authenticate, find_user
from tracker.extensions import db, limiter
from tracker.i18n import gettext as _
from tracker.urls import safe_next

bp = Blueprint("auth", __name__)


def _failed_attempt(response) -> bool:
    """Only failed sign-ins count against the per-address limit."""
    return request.method == "POST" and response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"], deduct_when=_failed_attempt)
def login():
    """The sign-in page; anyone may use it."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user, reason = authenticate(form.email.data, form.password.data)
        if user is None:
            if reason == "throttled":
                flash(_("Too many failed attempts. Wait a minute and try again."), "error")
            else:
                # The same words for an unknown e-mail, a wrong password and an inactive user.
                flash(_("The e-mail or password is wrong, or the user is deactivated."), "error")
            record_event(db.session, "login_failed", find_user(form.email.data))
            db.session.commit()
            return render_template("auth/login.html", form=form), 200
        session.clear()  # a new session on every sign-in
        login_user(user)
        session.permanent = True
        session["login_at"] = datetime.now(UTC).timestamp()
        record_event(db.session, "login", user)
        db.session.commit()
        return redirect(safe_next(form.next.data, url_for("dashboard.index")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out (POST with CSRF token)."""
    record_event(db.session, "logout", current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def language():
    """Switch the interface language; kept on the user when signed in."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.locale = form.lang.data
            db.session.commit()
    return redirect(safe_next(form.next.data, url_for("dashboard.index")))
