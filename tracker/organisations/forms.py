"""Forms for organisations and housing areas."""
from sqlalchemy import select
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from tracker.extensions import db
from tracker.forms import Form, VersionField, choices, no_cpr, record_choices
from tracker.i18n import lazy_gettext as _l
from tracker.models import HousingArea, Organisation
from tracker.models.codes import ORG_KINDS
from tracker.validation import cvr_is_valid, municipalities


def municipality_code_choices():
    rows = sorted(municipalities().values(), key=lambda r: r["name"])
    return choices({r["kommunekode"]: f"{r['kommunekode']} {r['name']}" for r in rows},
                   blank=str(_l("— not a municipality —")))


class OrganisationForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), no_cpr])
    kind = SelectField(_l("Kind"), choices=choices(ORG_KINDS))
    cvr = StringField(_l("CVR number"), validators=[DataRequired()],
                      description=_l("8 digits, e.g. 55133018."))
    municipality_code = SelectField(_l("Municipality code (kommunekode)"))
    email = EmailField(_l("E-mail for reminders"), validators=[Optional(), Email(), Length(max=254)])
    version = VersionField()

    def __init__(self, *args, current: Organisation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current
        self.municipality_code.choices = municipality_code_choices()

    def validate_cvr(self, field):
        field.data = (field.data or "").replace(" ", "")
        if not cvr_is_valid(field.data):
            raise ValidationError(_l(
                "A CVR number has 8 digits and a valid check digit (modulus 11). "
                "Check the number against the CVR register."))
        clash = db.session.scalar(select(Organisation).where(Organisation.cvr == field.data))
        if clash is not None and clash is not self.current:
            raise ValidationError(_l("%(name)s already has this CVR number.", name=clash.name))

    def validate_municipality_code(self, field):
        field.data = field.data or None
        if self.kind.data == "municipality" and not field.data:
            raise ValidationError(_l("A municipality needs its municipality code."))
        if self.kind.data != "municipality" and field.data:
            raise ValidationError(_l("Only municipalities have a municipality code."))
        if field.data:
            clash = db.session.scalar(
                select(Organisation).where(Organisation.municipality_code == field.data))
            if clash is not None and clash is not self.current:
                raise ValidationError(_l("%(name)s already has this municipality code.",
                                         name=clash.name))


class HousingAreaForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), no_cpr])
    municipality_id = SelectField(_l("Municipality"), coerce=int)
    version = VersionField()

    def __init__(self, *args, current: HousingArea | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current
        municipalities_ = db.session.scalars(
            select(Organisation).where(Organisation.kind == "municipality")
            .order_by(Organisation.name)).all()
        self.municipality_id.choices = record_choices(municipalities_)

    def validate_name(self, field):
        clash = db.session.scalar(select(HousingArea).where(HousingArea.name == field.data))
        if clash is not None and clash is not self.current:
            raise ValidationError(_l("A housing area with this name exists already."))
