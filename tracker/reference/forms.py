"""Forms for the dated reference tables: benefit groups and placement rules."""
import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from tracker.extensions import db
from tracker.formatting import short_date
from tracker.forms import Form, NumberField, VersionField, choices, no_cpr
from tracker.i18n import lazy_gettext as _l
from tracker.models import BenefitGroup, PlacementRule
from tracker.models.codes import PLACEMENT_KINDS, READINESS
from tracker.urls import parse_id

CODE_PATTERN = re.compile(r"[a-z_]+")
MAX_HOURS_PER_WEEK = 60


def _valid_to_after_from(form, field) -> None:
    if field.data is not None and form.valid_from.data is not None \
            and field.data < form.valid_from.data:
        raise ValidationError(_l("“Valid to” cannot be before “valid from” (%(date)s).",
                                 date=short_date(form.valid_from.data)))


def benefit_group_label(group: BenefitGroup) -> str:
    """The group's Danish name, marked when it has ended (the 2025 reform ended several)."""
    if group.valid_to is not None and group.valid_to < date.today():
        return str(_l("%(name)s (ended %(date)s)", name=group.name_da,
                      date=short_date(group.valid_to)))
    return group.name_da


class BenefitGroupForm(Form):
    """A benefit group; its code is a natural key (imports use it) and is fixed once saved."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("Lowercase letters a–z and underscore, e.g. "
                                      "kontanthjaelp. Used by imports; cannot be changed later."))
    name_da = StringField(_l("Name in Danish"),
                          validators=[DataRequired(), Length(max=200), no_cpr])
    name_en = StringField(_l("Name in English"),
                          validators=[DataRequired(), Length(max=200), no_cpr])
    valid_from = DateField(_l("Valid from"), validators=[InputRequired()])
    valid_to = DateField(_l("Valid to"), validators=[Optional(), _valid_to_after_from],
                         description=_l("Leave empty while the benefit exists."))
    sort_order = IntegerField(_l("Sort order"), default=0, validators=[InputRequired()],
                              description=_l("Lower numbers come first in lists."))
    version = VersionField()

    def __init__(self, *args, current: BenefitGroup | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current
        if current is not None:
            del self.code  # the code is a key: close the group and open a new one instead

    def validate_sort_order(self, field):
        if field.data is not None and not 0 <= field.data <= 9999:
            raise ValidationError(_l("Number must be between %(min)s and %(max)s.",
                                     min=0, max=9999))

    def validate_code(self, field):
        field.data = (field.data or "").strip()
        if not CODE_PATTERN.fullmatch(field.data):
            raise ValidationError(_l(
                "Use only lowercase letters a–z and underscore (_), e.g. kontanthjaelp."))
        clash = db.session.scalar(select(BenefitGroup).where(BenefitGroup.code == field.data))
        if clash is not None:
            raise ValidationError(_l("The code is already used by %(name)s.", name=clash.name_da))

    def validate_valid_to(self, field):
        """A group cannot end before a placement rule that refers to it has begun."""
        if self.current is None or field.data is None:
            return
        late = db.session.scalars(select(PlacementRule).where(
            PlacementRule.benefit_group_id == self.current.id,
            PlacementRule.valid_from > field.data)).first()
        if late is not None:
            raise ValidationError(_l(
                "A placement rule for this benefit group starts on %(date)s, after this date. "
                "Change or delete that rule first.", date=short_date(late.valid_from)))


class EndForm(Form):
    """End a dated row: the last day it holds."""

    valid_to = DateField(_l("Last valid day"), validators=[InputRequired()])

    def __init__(self, *args, row=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.row = row

    def validate_valid_to(self, field):
        if self.row is not None and field.data is not None and field.data < self.row.valid_from:
            raise ValidationError(_l("“Valid to” cannot be before “valid from” (%(date)s).",
                                     date=short_date(self.row.valid_from)))


class PlacementRuleForm(Form):
    """A legal maximum for a placement kind, for one benefit group and readiness or for all."""

    placement_kind = SelectField(_l("Placement kind"), validators=[DataRequired()])
    benefit_group_id = SelectField(_l("Benefit group"))
    readiness = SelectField(_l("Readiness"))
    max_weeks = NumberField(_l("Max weeks"), places=1, minimum=None, validators=[Optional()],
                            message=_l("Not a valid decimal value."),
                                  description=_l("E.g. 4 or 13 weeks; 26 weeks is about "
                                                 "6 months."))
    max_hours_per_week = NumberField(_l("Max hours per week"), places=1, minimum=None,
                                     validators=[Optional()],
                                     message=_l("Not a valid decimal value."))
    valid_from = DateField(_l("Valid from"), validators=[InputRequired()])
    valid_to = DateField(_l("Valid to"), validators=[Optional(), _valid_to_after_from],
                         description=_l("Leave empty while the rule holds."))
    description = TextAreaField(_l("Description (Danish)"),
                                validators=[Length(max=2000), no_cpr], render_kw={"rows": 3},
                                description=_l("Shown with the warning in Danish when a "
                                               "placement exceeds the limit, e.g. "
                                               "“Virksomhedspraktik: højst 4 uger for "
                                               "modtagere af dagpenge.” In English the "
                                               "warning words the rule from its fields."))
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Labels are chosen per request, so they come in the user's language.
        self.placement_kind.choices = choices(PLACEMENT_KINDS)
        self.readiness.choices = choices(READINESS, blank=str(_l("All (any readiness)")))
        groups = db.session.scalars(
            select(BenefitGroup).order_by(BenefitGroup.sort_order, BenefitGroup.name_da)).all()
        self.benefit_group_id.choices = choices(
            {str(g.id): benefit_group_label(g) for g in groups},
            blank=str(_l("All (any benefit)")))

    def process(self, formdata=None, obj=None, data=None, **kwargs):
        super().process(formdata, obj, data, **kwargs)
        # The selects hold strings; the record holds an id or None.
        if formdata is None and obj is not None:
            self.benefit_group_id.data = str(obj.benefit_group_id or "")
            self.readiness.data = obj.readiness or ""

    def validate_max_weeks(self, field):
        if field.data is None:
            return  # empty, or unreadable (the field already says so)
        if field.data <= 0:
            raise ValidationError(_l("The maximum must be more than 0 weeks."))
        if field.data >= Decimal(100000):
            raise ValidationError(_l("Write the maximum in weeks, e.g. 26 for 6 months."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here: the Optional() of both limit fields stops their own validators.
        if self.max_weeks.data is None and self.max_hours_per_week.data is None \
                and not self.max_weeks.errors and not self.max_hours_per_week.errors:
            self.max_weeks.errors = [*self.max_weeks.errors, _l(
                "A rule needs at least one limit: max weeks, max hours per week or both.")]
            valid = False
        return valid

    def validate_max_hours_per_week(self, field):
        if field.data is None:
            return
        if not 0 < field.data <= MAX_HOURS_PER_WEEK:
            raise ValidationError(_l("Hours per week must be more than 0 and at most %(max)d.",
                                     max=MAX_HOURS_PER_WEEK))

    def group(self) -> BenefitGroup | None:
        ident = parse_id(str(self.benefit_group_id.data or ""))
        return db.session.get(BenefitGroup, ident) if ident else None

    def validate_benefit_group_id(self, field):
        """The rule's period must lie inside the benefit group's."""
        group = self.group()
        start, end = self.valid_from.data, self.valid_to.data
        if group is None or start is None:
            return
        if start < group.valid_from or (
                group.valid_to is not None and (end is None or end > group.valid_to)):
            if group.valid_to is None:
                raise ValidationError(_l(
                    "%(name)s is valid from %(start)s; the rule cannot start earlier.",
                    name=group.name_da, start=short_date(group.valid_from)))
            raise ValidationError(_l(
                "%(name)s is valid from %(start)s to %(end)s; the rule's period must lie "
                "inside it (give the rule a “valid to” date).",
                name=group.name_da, start=short_date(group.valid_from),
                end=short_date(group.valid_to)))

    def populate(self, rule: PlacementRule) -> None:
        """Copy the form onto the rule (selects' blanks become None)."""
        group = self.group()  # looked up before the rule changes (autoflush)
        rule.placement_kind = self.placement_kind.data
        rule.benefit_group_id = group.id if group else None
        rule.readiness = self.readiness.data or None
        rule.max_weeks = self.max_weeks.data
        rule.max_hours_per_week = self.max_hours_per_week.data
        rule.valid_from = self.valid_from.data
        rule.valid_to = self.valid_to.data
        rule.description = self.description.data or ""
