"""Sign-in and language forms."""
from wtforms import EmailField, HiddenField, PasswordField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length

from tracker.forms import Form, sign_in_email
from tracker.i18n import lazy_gettext as _l


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254), sign_in_email])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    next = HiddenField()


class LanguageForm(Form):
    lang = SelectField(_l("Language"), choices=[SelectChoice("da", "Dansk"), SelectChoice("en", "English")])
    next = HiddenField()
