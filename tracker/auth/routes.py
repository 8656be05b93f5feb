"""Sign in, sign out, choose language."""
import math

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from tracker.audit import record_event
from tracker.auth import sessions, throttle
from tracker.auth.forms import LanguageForm, LoginForm
from tracker.auth.service import sign_in
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.models.base import utcnow
from tracker.urls import safe_next

bp = Blueprint("auth", __name__)


def refusal(wait: int) -> str:
    """The words of a refused sign-in: the same for an unknown e-mail, a wrong password, a
    deactivated user and a throttled attempt, so none of them tells which it was."""
    if not wait:
        return _("The e-mail or password is wrong, or the user is deactivated.")
    if wait < 120:
        return _("The e-mail or password is wrong, or there were too many attempts. Wait "
                 "%(seconds)d seconds and try again.", seconds=wait)
    return _("The e-mail or password is wrong, or there were too many attempts. Wait "
             "%(minutes)d minutes and try again.", minutes=math.ceil(wait / 60))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in page; anyone may use it. Attempts are throttled in the database
    (tracker.auth.throttle), per address and per e-mail."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        now = utcnow()
        result = sign_in(form.email.data, form.password.data, request.remote_addr, now)
        if result.user is None:
            db.session.commit()
            throttle.prune(now)
            flash(refusal(result.wait), "error")
            return render_template("auth/login.html", form=form), 200
        session.clear()  # a new session on every sign-in
        ident = sessions.start(result.user, now)
        db.session.commit()
        login_user(result.user)
        session.permanent = True
        session[sessions.SESSION_KEY] = ident
        return redirect(safe_next(form.next.data, url_for("dashboard.index")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out (POST with CSRF token): the session ends on the server too, so a copy of
    the cookie no longer works."""
    sessions.end(sessions.current_id(), utcnow())
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
