"""User administration (admin only); one's own password and API tokens (every signed-in
user); the sign-in throttle (admin only).

Users are never deleted (reports, documents and the audit trail name them); they are
deactivated. Signing a user out everywhere, and a new password, end the user's session
rows and revoke their API tokens (SECURITY: sign out everywhere, a password change ends
other sessions).
"""
import math

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from tracker.audit import record_event
from tracker.auth import admin_required, sessions, throttle
from tracker.auth.passwords import hash_password, verify_password
from tracker.extensions import db
from tracker.forms import commit_edit
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.lists import Column, Filter, ListSpec
from tracker.models import ApiToken, Organisation, SignInThrottle, User
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


def _end_everywhere(user: User) -> tuple[int, int]:
    """End the user's sessions and revoke their API tokens; the current session carries on
    when the user is the one acting."""
    keep = sessions.current_id() if user.id == current_user.id else None
    return sessions.end_everywhere(user, utcnow(), keep=keep)


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
    now = utcnow()
    return render_template("users/form.html", form=form, user=user, tokens=_tokens(user),
                           now=now, open_sessions=sessions.open_count(user, now))


def _tokens(user: User) -> list[ApiToken]:
    return db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def toggle_active(user_id: int):
    """Deactivate or reactivate a user (never deleted); not oneself; administrators only."""
    user = _get_user(user_id)
    if user.id == current_user.id:
        flash(_("You cannot deactivate yourself. Ask another administrator to do it."), "error")
        return redirect(url_for("users.edit", user_id=user.id))
    user.active = not user.active
    if not user.active:
        # Ended now, so a reactivation does not bring back the sessions open today.
        sessions.end_everywhere(user, utcnow())
    db.session.commit()
    flash(_("%(name)s can sign in again.", name=user.name) if user.active
          else _("%(name)s is deactivated and signed out.", name=user.name), "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/users/<int:user_id>/sign-out", methods=["POST"])
@admin_required
def sign_out_everywhere(user_id: int):
    """End all of a user's sessions and revoke their API tokens (e.g. a lost laptop);
    administrators only."""
    user = _get_user(user_id)
    _end_everywhere(user)
    db.session.commit()
    if user.id == current_user.id:
        flash(_("Your other sessions were ended and your API tokens revoked; this session "
                "carries on."), "success")
    else:
        flash(_("%(name)s was signed out everywhere, and their API tokens were revoked.",
                name=user.name), "success")
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@admin_required
def reset_password(user_id: int):
    """Set a new password for a user, which signs them out everywhere and revokes their API
    tokens; administrators only."""
    user = _get_user(user_id)
    form = ResetPasswordForm(user=user)
    if form.validate_on_submit():
        user.password_hash = hash_password(form.password.data)
        throttle.clear(throttle.account_key(user.email))  # a reset also lifts a throttle
        record_event(db.session, "password_reset", user)
        _end_everywhere(user)
        db.session.commit()
        flash(_("The password of %(name)s was changed, their sessions were ended and their "
                "API tokens revoked. Give them the new password in a safe way.",
                name=user.name), "success")
        return redirect(url_for("users.edit", user_id=user.id))
    return render_template("users/reset_password.html", form=form, user=user)


@bp.route("/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@admin_required
def revoke_token(user_id: int, token_id: int):
    """Revoke one of the user's API tokens (kept, marked revoked); administrators only."""
    user = _get_user(user_id)
    _revoke(user, token_id)
    return redirect(url_for("users.edit", user_id=user.id) + "#tokens")


def _revoke(user: User, token_id: int) -> None:
    """Revoke the user's token `token_id` (404 when it is not theirs); audited by the
    session hook, which names the actor."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        abort(404)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
        flash(_("The API token was revoked. Programs using it can no longer sign in."),
              "success")


@bp.route("/account/api-tokens")
@login_required
def my_tokens():
    """One's own API tokens: name, created, expires, last used; every signed-in user."""
    user = current_user._get_current_object()
    return render_template("users/my_tokens.html", tokens=_tokens(user), now=utcnow())


@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_my_token(token_id: int):
    """Revoke one of one's own API tokens; another user's answers 404."""
    _revoke(current_user._get_current_object(), token_id)
    return redirect(url_for("users.my_tokens"))


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_my_sessions():
    """End one's other sessions and revoke one's API tokens (a lost phone, a shared
    computer); this session carries on. Every signed-in user."""
    _end_everywhere(current_user._get_current_object())
    db.session.commit()
    flash(_("Your other sessions were ended and your API tokens revoked; this session "
            "carries on."), "success")
    return redirect(url_for("users.my_tokens"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; ends one's other sessions and revokes one's API tokens;
    every signed-in user."""
    user = current_user._get_current_object()
    form = ChangePasswordForm(user=user)
    if form.validate_on_submit():
        now = utcnow()
        # Counted like a failed sign-in, so a left-open session cannot guess it.
        keys = throttle.keys_for(request.remote_addr, user.email)
        wait = throttle.wait_seconds(keys, now)
        if wait:
            form.current_password.errors.append(_wait_message(wait))
        elif not verify_password(user.password_hash, form.current_password.data):
            wait = throttle.register_failure(keys, now)
            db.session.commit()
            form.current_password.errors.append(
                _wait_message(wait) if wait else _("The current password is wrong."))
        else:
            user.password_hash = hash_password(form.password.data)
            throttle.clear(throttle.account_key(user.email))
            record_event(db.session, "password_changed", user)
            _end_everywhere(user)
            db.session.commit()
            flash(_("Your password was changed. You are still signed in here; your other "
                    "sessions were ended and your API tokens revoked."), "success")
            return redirect(url_for("users.change_password"))
    return render_template("users/change_password.html", form=form)


def _wait_message(wait: int) -> str:
    if wait < 120:
        return _("Too many failed attempts. Wait %(seconds)d seconds and try again.",
                 seconds=wait)
    return _("Too many failed attempts. Wait %(minutes)d minutes and try again.",
             minutes=math.ceil(wait / 60))


# --- The sign-in throttle ------------------------------------------------------------------

THROTTLES_PER_PAGE = 50


@bp.route("/users/sign-in-attempts")
@admin_required
def throttles():
    """Addresses and e-mails with recent failed sign-ins, those made to wait first;
    administrators only."""
    now = utcnow()
    throttle.prune(now)
    page = db.paginate(throttle.current(now), per_page=THROTTLES_PER_PAGE, error_out=False,
                       max_per_page=THROTTLES_PER_PAGE)
    return render_template("users/throttles.html", page=page, now=now)


@bp.route("/users/sign-in-attempts/<int:throttle_id>/clear", methods=["POST"])
@admin_required
def clear_throttle(throttle_id: int):
    """Forget an address's or an e-mail's failed sign-ins, so it may sign in at once;
    audited; administrators only."""
    row = db.get_or_404(SignInThrottle, throttle_id)
    kind, key = row.kind, row.key
    subject = None
    if kind == "account":
        subject = db.session.scalar(select(User).where(func.lower(User.email) == key))
    record_event(db.session, "throttle_cleared", subject,
                 changes={"kind": kind, "key": key, "failures": row.failures})
    throttle.clear((kind, key))
    db.session.commit()
    flash(_("%(key)s may sign in again at once.", key=key), "success")
    return redirect(url_for("users.throttles"))
