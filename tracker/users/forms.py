"""Forms for user administration and for changing one's own password."""
from sqlalchemy import func, select
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from tracker.auth.passwords import MAX_LENGTH, password_problem
from tracker.extensions import db
from tracker.forms import Form, VersionField, choices, no_cpr, sign_in_email
from tracker.i18n import lazy_gettext as _l
from tracker.models import Organisation, User
from tracker.models.codes import ORG_KINDS, ORG_ROLES, ROLES, label
from tracker.urls import parse_id


def organisation_choices(current: Organisation | None = None) -> list:
    """Organisations a user can belong to (builders, contractors, municipalities), active ones
    and the user's present one."""
    rows = db.session.scalars(
        select(Organisation).where(Organisation.kind.in_(set(ORG_ROLES.values())))
        .order_by(Organisation.kind, Organisation.name)).all()
    return choices(
        {str(o.id): f"{o.name} ({label(ORG_KINDS, o.kind)})" for o in rows
         if o.is_active or o is current},
        blank=str(_l("— none (secretariat) —")))


def _new_password_ok(form, field) -> None:
    name, email = form.password_owner()
    problem = password_problem(field.data or "", name=name, email=email)
    if problem:
        raise ValidationError(problem)


REPEAT_MISMATCH = _l("The two passwords are not the same.")


class UserForm(Form):
    """Name, role, organisation and active; the e-mail only when creating."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254), sign_in_email],
                       description=_l("The user signs in with it. It cannot be changed later."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), no_cpr])
    role = SelectField(_l("Role"))
    organisation_id = SelectField(_l("Organisation"))
    active = BooleanField(_l("Active (may sign in)"), default=True)
    password = PasswordField(_l("Initial password"),
                             validators=[DataRequired(), Length(max=MAX_LENGTH), _new_password_ok],
                             render_kw={"autocomplete": "new-password"})
    password_repeat = PasswordField(_l("Repeat the password"),
                                    validators=[DataRequired(),
                                                EqualTo("password", message=REPEAT_MISMATCH)],
                                    render_kw={"autocomplete": "new-password"})
    version = VersionField()

    def __init__(self, *args, current: User | None = None, acting: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current
        self.acting = acting
        self.role.choices = choices(ROLES)  # per request: labels in the user's language
        self.organisation_id.choices = organisation_choices(current.organisation if current
                                                            else None)
        if current is not None:
            # E-mail is the sign-in name; a password is reset on its own page.
            del self.email, self.password, self.password_repeat
        else:
            del self.active, self.version

    def process(self, formdata=None, obj=None, data=None, **kwargs):
        super().process(formdata, obj, data, **kwargs)
        if formdata is None and obj is not None:  # the select holds a string id
            self.organisation_id.data = str(obj.organisation_id or "")

    def validate_email(self, field):
        field.data = (field.data or "").strip().lower()
        clash = db.session.scalar(select(User).where(func.lower(User.email) == field.data))
        if clash is not None:
            raise ValidationError(_l("%(name)s already has this e-mail address.",
                                     name=clash.name))

    def password_owner(self) -> tuple[str, str]:
        """The name and e-mail the new user's password must not contain."""
        return self.name.data or "", (self.email.data or "") if self.email else ""

    def organisation(self) -> Organisation | None:
        ident = parse_id(str(self.organisation_id.data or ""))
        return db.session.get(Organisation, ident) if ident else None

    def validate_organisation_id(self, field):
        role, organisation = self.role.data, self.organisation()
        if role not in ORG_ROLES:
            if organisation is not None:
                raise ValidationError(_l(
                    "Administrators and secretariat staff do not belong to an organisation; "
                    "choose “none”."))
            return
        needed = ORG_ROLES[role]
        if organisation is None:
            raise ValidationError(_l(
                "A user with the role %(role)s must belong to an organisation of the kind "
                "%(kind)s. Choose it here.", role=label(ROLES, role),
                kind=label(ORG_KINDS, needed)))
        if organisation.kind != needed:
            raise ValidationError(_l(
                "%(org)s is registered as %(actual)s; a user with the role %(role)s must belong "
                "to an organisation of the kind %(kind)s.", org=organisation.name,
                actual=label(ORG_KINDS, organisation.kind), role=label(ROLES, role),
                kind=label(ORG_KINDS, needed)))

    def _editing_self(self) -> bool:
        return self.current is not None and self.acting is not None \
            and self.current.id == self.acting.id

    def validate_role(self, field):
        if self._editing_self() and field.data != "admin":
            raise ValidationError(_l(
                "You cannot take the administrator role from yourself. Ask another "
                "administrator to do it."))

    def validate_active(self, field):
        if self._editing_self() and not field.data:
            raise ValidationError(_l(
                "You cannot deactivate yourself. Ask another administrator to do it."))

    def populate(self, user: User) -> None:
        """Copy the form onto the user (the password is hashed by the view)."""
        organisation = self.organisation()  # looked up before the user changes (autoflush)
        user.name = self.name.data
        user.role = self.role.data
        user.organisation_id = organisation.id if organisation else None
        if self.active is not None:
            user.active = self.active.data


class _ForUser:
    """A password form for a known user, whose name and e-mail the password must not
    contain."""

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def password_owner(self) -> tuple[str, str]:
        return self.user.name, self.user.email


class ResetPasswordForm(_ForUser, Form):
    """An administrator sets a new password for a user."""

    password = PasswordField(_l("New password"),
                             validators=[DataRequired(), Length(max=MAX_LENGTH), _new_password_ok],
                             render_kw={"autocomplete": "new-password"})
    password_repeat = PasswordField(_l("Repeat the new password"),
                                    validators=[DataRequired(),
                                                EqualTo("password", message=REPEAT_MISMATCH)],
                                    render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(_ForUser, Form):
    """A signed-in user changes their own password."""

    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(), Length(max=MAX_LENGTH)],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"),
                             validators=[DataRequired(), Length(max=MAX_LENGTH), _new_password_ok],
                             render_kw={"autocomplete": "new-password"})
    password_repeat = PasswordField(_l("Repeat the new password"),
                                    validators=[DataRequired(),
                                                EqualTo("password", message=REPEAT_MISMATCH)],
                                    render_kw={"autocomplete": "new-password"})

    def validate_password(self, field):
        if field.data and field.data == self.current_password.data:
            raise ValidationError(_l("The new password must differ from the current one."))
