"""User administration (admin only) and changing one's own password (every signed-in user).

Users are never deleted (reports, documents and the audit trail name them); they are
deactivated. Raising a user's session version ends all their sessions (DESIGN §2,
SECURITY: sign out everywhere, a password change ends other sessions).
"""
from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required, login_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from tracker.auth import admin_required
from tracker.auth.passwords import hash_password, verify_password
from tracker.auth.service import register_failure, throttled
from tracker.extensions import db
from tracker.forms import commit_edit
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.lists import Column, Filter, ListSpec
from tracker.models import ApiToken, Organisation, User
from tracker.models.base import utcnow
from tracker.models.codes import ROLES, label
from tracker.users.forms import ChangePasswordForm, ResetPasswordForm, UserForm

bp = Blueprint("users", __name__)

ACTIVE_STATES = {"active": _l("Active"), "inactive": _l("Deactivated")}

USERS = ListSpec(
    columns=[
        Column("name", _l("Name"), lambda u: u.name, User.name,
               link=lambda u: url_for("users.edit", user_id=u.id)),
        Column("email", _l("E-mail"), lambda u: u.email, User.email),
        Column("role", _l("Role"), lambda u: label(ROLES, u.role), User.role),
        Column("organisation", _l("Organisation"),
               lambda u: u.organisation.name if u.organisation else "", Organisation.name),
        Column("active", _l("Active"), lambda u: u.active, User.active),
        Column("last_login", _l("Last sign-in"), lambda u: u.last_login_at, User.last_login_at),
    ],
    search=[User.name, User.email, Organisation.name],
    filters=[
        Filter("role", _l("Role"), lambda v: User.role == v, ROLES),
        Filter("state", _l("Status"), lambda v: User.active.is_(v == "active"), ACTIVE_STATES),
    ],
    default_sort="name",
    search_label=_l("Search name, e-mail or organisation"),
)


def _end_sessions(user: User) -> None:
    """End every session of the user: their session cookies name the old version."""
    user.session_version += 1


def _keep_own_session(user: User) -> None:
    """After the session version was raised and committed, sign the current session in again
    so only the user's other sessions end."""
    if user.id == current_user.id:
        login_user(user)
        session["login_at"] = datetime.now(UTC).timestamp()


def _get_user(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.route("/users/")
@admin_required
def index():
    """Every user, with search, role and status filters and export; administrators only."""
    state = USERS.state()
    query = (select(User).outerjoin(User.organisation)
             .options(joinedload(User.organisation)))
    query = USERS.apply(query, state).order_by(User.id)
    return USERS.respond(query, state, "brugere", "users/index.html")


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def create():
    """Create a user with an initial password; administrators only."""
    form = UserForm(acting=current_user)
    if form.validate_on_submit():
        user = User(email=form.email.data, password_hash=hash_password(form.password.data))
        form.populate(user)
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:  # the same e-mail saved by someone else a moment ago
            db.session.rollback()
            form.email.errors.append(_("A user with this e-mail address exists already."))
        else:
            flash(_("%(name)s was created. Give them the initial password in a safe way and "
                    "ask them to change it.", name=user.name), "success")
            return redirect(url_for("users.edit", user_id=user.id))
    return render_template("users/form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(user_id: int):
    """Change a user's name, role, organisation or status; sessions and API tokens;
    administrators only."""
    user = _get_user(user_id)
    form = UserForm(obj=user, current=user, acting=current_user)
    if form.validate_on_submit() and commit_edit(form, user, apply=lambda f, u: f.populate(u)):
        flash(_("The changes to %(name)s were saved.", name=user.name), "success")
        return redirect(url_for("users.edit", user_id=user.id))
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()
    return render_template("users/form.html", form=form, user=user, tokens=tokens)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def toggle_active(user_id: int):
    """Deactivate or reactivate a user (never deleted); not oneself; administrators only."""
    user = _get_user(user_id)
    if user.id == current_user.id:
        flash(_("You cannot deactivate yourself. Ask another administrator to do it."), "error")
        return redirect(url_for("users.edit", user_id=user.id))
    user.active = not user.active
    db.session.commit()
    flash(_("%(name)s can sign in again.", name=user.name) if user.active
          else _("%(name)s is deactivated and signed out.", name=user.name), "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/users/<int:user_id>/sign-out", methods=["POST"])
@admin_required
def sign_out_everywhere(user_id: int):
    """End all of a user's sessions (e.g. a lost laptop); administrators only."""
    user = _get_user(user_id)
    _end_sessions(user)
    db.session.commit()
    _keep_own_session(user)
    if user.id == current_user.id:
        flash(_("Your other sessions were ended; this one carries on."), "success")
    else:
        flash(_("%(name)s was signed out everywhere.", name=user.name), "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@admin_required
def reset_password(user_id: int):
    """Set a new password for a user, which signs them out everywhere; administrators only."""
    user = _get_user(user_id)
    form = ResetPasswordForm(user=user)
    if form.validate_on_submit():
        user.password_hash = hash_password(form.password.data)
        user.failed_logins = 0  # an administrator's reset also lifts a throttle
        user.failed_login_window_start = None
        _end_sessions(user)
        db.session.commit()
        _keep_own_session(user)
        flash(_("The password of %(name)s was changed and their sessions were ended. Give "
                "them the new password in a safe way.", name=user.name), "success")
        return redirect(url_for("users.edit", user_id=user.id))
    return render_template("users/reset_password.html", form=form, user=user)


@bp.route("/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@admin_required
def revoke_token(user_id: int, token_id: int):
    """Revoke one of the user's API tokens (kept, marked revoked); administrators only."""
    user = _get_user(user_id)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        abort(404)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
        flash(_("The API token was revoked. Programs using it can no longer sign in."),
              "success")
    return redirect(url_for("users.edit", user_id=user.id) + "#tokens")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; ends one's other sessions; every signed-in user."""
    user = current_user._get_current_object()
    form = ChangePasswordForm(user=user)
    if form.validate_on_submit():
        now = datetime.now(UTC)
        if throttled(user, now):
            form.current_password.errors.append(
                _("Too many failed attempts. Wait a minute and try again."))
        elif not verify_password(user.password_hash, form.current_password.data):
            # Counted like a failed sign-in, so a left-open session cannot guess it.
            register_failure(user, now)
            db.session.commit()
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            user.password_hash = hash_password(form.password.data)
            user.failed_logins = 0
            user.failed_login_window_start = None
            _end_sessions(user)
            db.session.commit()
            _keep_own_session(user)
            flash(_("Your password was changed. You are still signed in here; your other "
                    "sessions were ended."), "success")
            return redirect(url_for("users.change_password"))
    return render_template("users/change_password.html", form=form)
