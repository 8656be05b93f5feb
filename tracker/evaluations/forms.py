"""Forms for yearly evaluations and their follow-up actions."""
from datetime import date

from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from tracker.extensions import db
from tracker.forms import Form, VersionField, choices, no_cpr
from tracker.i18n import lazy_gettext as _l
from tracker.models import Agreement, Evaluation, Project
from tracker.urls import parse_id

FIRST_YEAR = 2000


def agreement_choices() -> list:
    """Agreements to evaluate, labelled with their project so look-alike titles differ."""
    rows = db.session.execute(
        select(Agreement.id, Agreement.ref, Agreement.title, Project.case_number)
        .join(Project, Agreement.project_id == Project.id)
        .order_by(Project.case_number, Agreement.ref)).all()
    return choices({str(i): f"{case} · {title} ({ref})" for i, ref, title, case in rows},
                   blank=str(_l("— choose an agreement —")))


class EvaluationForm(Form):
    """The year and the qualitative parts; the figures are computed, never typed."""

    agreement_id = SelectField(_l("Partnership agreement"), validators=[DataRequired()])
    year = IntegerField(_l("Year"), validators=[InputRequired()])
    findings = TextAreaField(_l("Findings"), validators=[Length(max=20000), no_cpr],
                             render_kw={"rows": 6})
    promoting_factors = TextAreaField(_l("Promoting factors"),
                                      validators=[Length(max=20000), no_cpr],
                                      render_kw={"rows": 4})
    hindering_factors = TextAreaField(_l("Hindering factors"),
                                      validators=[Length(max=20000), no_cpr],
                                      render_kw={"rows": 4})
    version = VersionField()

    def __init__(self, *args, agreement: Agreement | None = None,
                 current: Evaluation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement = agreement or (current.agreement if current else None)
        self.current = current
        if self.agreement is not None:
            del self.agreement_id  # the agreement comes from the URL or the record
        else:
            self.agreement_id.choices = agreement_choices()

    def chosen_agreement(self) -> Agreement | None:
        if self.agreement is not None:
            return self.agreement
        ident = parse_id(str(self.agreement_id.data or ""))
        return db.session.get(Agreement, ident) if ident else None

    def validate_year(self, field):
        if field.data is None:
            return  # unreadable: the field already says so
        if field.data < FIRST_YEAR:
            raise ValidationError(_l("Number must be at least %(min)s.", min=FIRST_YEAR))
        this_year = date.today().year
        if field.data > this_year:
            raise ValidationError(_l(
                "An evaluation looks back at a year that has begun: choose %(year)s or earlier.",
                year=this_year))
        agreement = self.chosen_agreement()
        if agreement is None:
            return
        clash = db.session.scalar(select(Evaluation).where(
            Evaluation.agreement_id == agreement.id, Evaluation.year == field.data))
        if clash is not None and clash is not self.current:
            raise ValidationError(_l(
                "This agreement already has an evaluation of %(year)s. Open it from the list "
                "of evaluations and add to it instead.", year=field.data))


class ActionForm(Form):
    """A follow-up action: what is done, who owns it, by when, and when it was done."""

    description = TextAreaField(_l("Action"), validators=[DataRequired(), Length(max=2000), no_cpr],
                                render_kw={"rows": 3})
    owner = StringField(_l("Owner"), validators=[DataRequired(), Length(max=200), no_cpr],
                        description=_l("A person or an organisation, e.g. Jobcenter Aarhus."))
    # InputRequired, not DataRequired: an unreadable date must say so, not "required".
    due_date = DateField(_l("Due"), validators=[InputRequired()])
    done_on = DateField(_l("Done on"), validators=[Optional()])
    version = VersionField()

    def validate_done_on(self, field):
        if field.data is not None and field.data > date.today():
            raise ValidationError(_l("The done date cannot be in the future."))
