"""Participants' domain rules, free of HTTP: legal maxima of placements, follow-up due
dates, next references, pathway links and the export trail.

Views, the API, documents and tests call these and get the same answers. Nothing here
commits; callers commit once.
"""
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from sqlalchemy import (
    Select,
    exists,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql.elements import ColumnElement

from tracker.audit import current_actor
from tracker.counting.pathways import add_months, is_pathway_end
from tracker.counting.placements import running
from tracker.extensions import db
from tracker.formatting import number, short_date
from tracker.i18n import gettext as _
from tracker.i18n import locale
from tracker.models import (
    AuditEvent,
    FollowUp,
    Participant,
    PendingFollowUp,
    Placement,
    PlacementRule,
    ProgressAssessment,
)
from tracker.models.base import utcnow
from tracker.models.codes import DIMENSIONS, FOLLOW_UP_MONTHS, PLACEMENT_KINDS, label
from tracker.participants import pending

DAYS_PER_WEEK = 7
# The usual steps of a pathway: what a placement of each kind most often leads to.
NEXT_KIND = {
    "internship": "wage_subsidy",
    "wage_subsidy": "ordinary_job",
    "apprenticeship": "ordinary_job",
    "ordinary_job": "ordinary_job",
}
# The trades (fag) offered as suggestions; any other text is allowed too.
TRADES = ("murer", "tømrer", "maler", "VVS", "elektriker", "anlægsgartner", "stilladsmontør",
          "struktør", "betonarbejder", "smed", "tagdækker", "gulvlægger", "isolatør",
          "kloakmester", "nedriver", "byggepladsarbejder")


# --- Dates -------------------------------------------------------------------------------

def duration_weeks(start: date, end: date) -> Fraction:
    """Weeks of a period with both ends counted: 5 January–15 February 2026 = 42 days = 6."""
    return Fraction((end - start).days + 1, DAYS_PER_WEEK)


def start_problem(start: date, name: str, intake: date, consent: date | None) -> str | None:
    """Why a placement of the participant `name` cannot start on `start`: before the intake
    date, or before the consent when one is recorded (the later of the two is named, as
    it is the earliest start allowed); None when it may."""
    if consent is not None and consent >= intake and start < consent:
        return _("The placement cannot start before %(name)s gave consent (%(date)s).",
                 name=name, date=short_date(consent))
    if start < intake:
        return _("The placement cannot start before the intake date of %(name)s (%(date)s).",
                 name=name, date=short_date(intake))
    return None


def _one_decimal(value: Fraction | Decimal) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- Legal maxima -----------------------------------------------------------------------

@dataclass(frozen=True)
class RuleWarning:
    """A placement over a legal maximum: which rule, the limit, the value and the excess."""

    rule_id: int
    rule_text: str
    limit: str  # "weeks" or "hours"
    basis: str  # "planned" or "actual" for weeks; "hours" for hours
    allowed: Decimal
    value: Decimal  # rounded to one decimal
    excess: Decimal

    @property
    def message(self) -> str:
        """The warning users read, e.g. "… højst 4 uger for modtagere af dagpenge — planlagt 6,0 uger …"."""
        args = {"rule": self.rule_text, "value": number(self.value, 1),
                "excess": number(self.excess, 1)}
        if self.limit == "hours":
            return _("%(rule)s — %(value)s hours a week (%(excess)s hours over the limit)", **args)
        if self.basis == "actual":
            return _("%(rule)s — actual %(value)s weeks (%(excess)s weeks over the limit)", **args)
        return _("%(rule)s — planned %(value)s weeks (%(excess)s weeks over the limit)", **args)


def load_rules(session: Session | None = None) -> list[PlacementRule]:
    """Every placement rule, once, so many placements can be checked without more queries."""
    return list((session or db.session).scalars(
        select(PlacementRule).options(joinedload(PlacementRule.benefit_group))
        .order_by(PlacementRule.id)))


def applicable_rules(rules: Iterable[PlacementRule], kind: str, start: date,
                     benefit_group_id: int | None, readiness: str | None) -> list[PlacementRule]:
    """The rules valid on the start date for this kind; a rule naming a benefit group or a
    readiness applies only to participants with exactly that one, NULL means everyone."""
    return [
        rule for rule in rules
        if rule.placement_kind == kind
        and rule.valid_from <= start and (rule.valid_to is None or rule.valid_to >= start)
        and (rule.benefit_group_id is None or rule.benefit_group_id == benefit_group_id)
        and (rule.readiness is None or rule.readiness == readiness)
    ]


def _figure(value) -> str:
    """A rule's limit: whole numbers without decimals, others with one."""
    return number(value, 0 if value % 1 == 0 else 1)


def _whom(rule: PlacementRule) -> str:
    """Whom a rule holds for, in words: "for job-ready recipients of social assistance"."""
    group = rule.benefit_group
    if group is None:
        return {"job_ready": _("for job-ready participants"),
                "activity_ready": _("for activity-ready participants")}.get(rule.readiness, "")
    language = locale()
    benefit = group.name("en" if language is not None and language.language == "en"
                         else "da").lower()
    if rule.readiness == "job_ready":
        return _("for job-ready recipients of %(benefit)s", benefit=benefit)
    if rule.readiness == "activity_ready":
        return _("for activity-ready recipients of %(benefit)s", benefit=benefit)
    return _("for recipients of %(benefit)s", benefit=benefit)


def _rule_text(rule: PlacementRule) -> str:
    """The rule in the user's language. Its description is written in Danish by an
    administrator, so it is shown in Danish only; otherwise the text is made from the
    rule's own fields."""
    language = locale()
    if rule.description and (language is None or language.language == "da"):
        return rule.description.strip().rstrip(".")
    parts = []
    if rule.max_weeks is not None:
        parts.append(_("at most %(n)s weeks", n=_figure(rule.max_weeks)))
    if rule.max_hours_per_week is not None:
        parts.append(_("at most %(n)s hours a week", n=_figure(rule.max_hours_per_week)))
    whom = _whom(rule)
    return f"{label(PLACEMENT_KINDS, rule.placement_kind)}: {', '.join(parts)}" + (
        f" {whom}" if whom else "")


def check_placement(kind: str, start: date, planned_end: date | None, end_date: date | None,
                    hours_per_week: Decimal | float | int | None, benefit_group_id: int | None,
                    readiness: str | None,
                    rules: Sequence[PlacementRule] | None = None) -> list[RuleWarning]:
    """The legal maxima a placement exceeds. Weeks are counted from the actual end when the
    placement has ended, else from the planned end; a placement over a limit is still saved."""
    if rules is None:
        rules = load_rules()
    end, basis = (end_date, "actual") if end_date is not None else (planned_end, "planned")
    warnings = []
    for rule in applicable_rules(rules, kind, start, benefit_group_id, readiness):
        if rule.max_weeks is not None and end is not None and end >= start:
            weeks = duration_weeks(start, end)
            if weeks > Fraction(rule.max_weeks):
                warnings.append(RuleWarning(
                    rule.id, _rule_text(rule), "weeks", basis, Decimal(rule.max_weeks),
                    _one_decimal(weeks), _one_decimal(weeks - Fraction(rule.max_weeks))))
        if rule.max_hours_per_week is not None and hours_per_week is not None:
            hours = Decimal(str(hours_per_week))
            if hours > rule.max_hours_per_week:
                warnings.append(RuleWarning(
                    rule.id, _rule_text(rule), "hours", "hours", Decimal(rule.max_hours_per_week),
                    _one_decimal(hours), _one_decimal(hours - rule.max_hours_per_week)))
    return warnings


def placement_warnings(placement: Placement, participant: Participant | None = None,
                       rules: Sequence[PlacementRule] | None = None) -> list[RuleWarning]:
    """`check_placement` for a stored placement of a (given or loaded) participant."""
    person = participant or placement.participant
    return check_placement(placement.kind, placement.start_date, placement.planned_end,
                           placement.end_date, placement.hours_per_week,
                           person.benefit_group_id, person.readiness, rules)


# --- References -------------------------------------------------------------------------

def next_ref(column: ColumnElement, prefix: str, width: int = 4) -> str:
    """The next free reference of the form PREFIX-0042 after the highest one in use."""
    pattern = re.compile(rf"{re.escape(prefix)}-(\d+)")
    candidates = db.session.scalars(
        select(column).where(column.like(f"{prefix}-%"))
        .order_by(func.length(column).desc(), column.desc()).limit(50))
    highest = max((int(m[1]) for ref in candidates if (m := pattern.fullmatch(ref))), default=0)
    return f"{prefix}-{highest + 1:0{width}d}"


def next_participant_ref() -> str:
    return next_ref(Participant.ref, "D")


def next_placement_ref() -> str:
    return next_ref(Placement.ref, "F")


# --- Pathways ---------------------------------------------------------------------------

def running_placement_exists(as_of: date) -> ColumnElement[bool]:
    """SQL: the participant has a placement running on `as_of` (DESIGN §4)."""
    return exists().where(Placement.participant_id == Participant.id, running(as_of))


def placed_with(employer_id: int) -> ColumnElement[bool]:
    """SQL: the participant has (had) a placement with this employer."""
    return exists().where(Placement.participant_id == Participant.id,
                          Placement.employer_id == employer_id)


def next_start(previous: Placement) -> date | None:
    """Where the next placement of a pathway begins: the day after the previous one ended."""
    return previous.end_date + timedelta(days=1) if previous.end_date else None


def link_next(previous: Placement, new: Placement) -> None:
    """Make `new` the placement `previous` led to (the pathway chain); flushes for the id."""
    if new.id is None:
        db.session.flush()
    previous.next_placement_id = new.id


# --- Follow-ups -------------------------------------------------------------------------

@dataclass(frozen=True)
class DueFollowUp:
    """A follow-up not yet registered: the placement, after how many months, and when due."""

    placement: Placement
    months: int
    due: date

    def days_overdue(self, today: date) -> int:
        return max((today - self.due).days, 0)


def follow_up_due(end: date, months: int) -> date:
    """When the follow-up N months after a placement that ended on `end` is due."""
    return add_months(end, months)


def pending_follow_ups(placements: Iterable[Placement], registered: Iterable[FollowUp]
                       ) -> list[DueFollowUp]:
    """Follow-ups due after placements that ended a pathway and not yet registered, earliest
    first."""
    done = {(f.placement_id, f.months) for f in registered}
    due = [DueFollowUp(p, months, follow_up_due(p.end_date, months))
           for p in placements if is_pathway_end(p)
           for months in FOLLOW_UP_MONTHS if (p.id, months) not in done]
    return sorted(due, key=lambda d: (d.due, d.placement.id, d.months))


def due_follow_ups_query(placements: Select) -> tuple[Select, ColumnElement, ColumnElement]:
    """Follow-ups due and not registered after the placements that ended a pathway, of a
    (role-scoped) Select of Placement rows: rows of (Placement, months, due). Returns the
    Select and its months and due-date columns, for filtering and sorting in SQL."""
    pending.sync_pending(db.session)
    query = (placements.add_columns(PendingFollowUp.months,
                                    PendingFollowUp.due_date.label("due"))
             .join(PendingFollowUp, PendingFollowUp.placement_id == Placement.id))
    return query, PendingFollowUp.months, PendingFollowUp.due_date


def due_by(today: date) -> ColumnElement[bool]:
    """True for a row of `due_follow_ups_query` whose follow-up is due by `today`."""
    return PendingFollowUp.due_date <= today


# --- Progress ---------------------------------------------------------------------------

@dataclass(frozen=True)
class DimensionChange:
    dimension: str
    first: int | None
    latest: int | None

    @property
    def change(self) -> int | None:
        if self.first is None or self.latest is None:
            return None
        return self.latest - self.first


def change_since_first(assessments: Sequence[ProgressAssessment]) -> list[DimensionChange]:
    """Per dimension: the first and the latest score given (in date order) and the change."""
    ordered = sorted(assessments, key=lambda a: (a.assessed_on, a.id or 0))
    result = []
    for dimension in DIMENSIONS:
        scores = [getattr(a, dimension) for a in ordered if getattr(a, dimension) is not None]
        result.append(DimensionChange(dimension, scores[0] if scores else None,
                                      scores[-1] if scores else None))
    return result


# --- Consent withdrawal -------------------------------------------------------------------

def withdrawal_refusal(participant: Participant, what: str) -> str | None:
    """Why nothing new of `what` ('placement' or 'assessment') may be added for the
    participant: their consent is withdrawn. None while it is not."""
    if participant.consent_withdrawn_on is None:
        return None
    args = {"name": participant.name, "date": short_date(participant.consent_withdrawn_on)}
    if what == "placement":
        return _("%(name)s withdrew their consent on %(date)s. No new placements can be "
                 "added.", **args)
    return _("%(name)s withdrew their consent on %(date)s. No new progress assessments can "
             "be registered.", **args)


# --- Audit trail of exports -------------------------------------------------------------

def record_exports(session: Session, participant_ids: Iterable[int], purpose: str | None) -> int:
    """Record one 'export' event per exported participant, so each resident's own history
    shows who exported their data and why; one multi-row insert. Returns the count."""
    user_id, actor = current_actor()
    now = utcnow()
    rows = [{"occurred_at": now, "user_id": user_id, "actor": actor, "action": "export",
             "entity": "participants", "entity_id": pid,
             "participant_id": pid, "changes": None, "purpose": purpose}
            for pid in dict.fromkeys(participant_ids)]
    if rows:
        session.execute(insert(AuditEvent), rows)
    return len(rows)
