"""Reference data administration (admin only): benefit groups and placement rules.

Both tables are dated because Danish law changes them (the 2025 reform merged several
benefits into kontanthjælp): a row that no longer holds is ended by its "valid to" date,
not deleted, so older participants and placements keep the meaning they had.
"""
from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager
from wtforms import BooleanField

from tracker.auth import admin_required
from tracker.extensions import db
from tracker.formatting import short_date
from tracker.forms import CONFLICT_MESSAGE, VersionField, apply_form, commit_edit, is_stale
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.i18n import ngettext
from tracker.lists import Column, Filter, ListSpec
from tracker.models import BenefitGroup, Participant, PlacementRule
from tracker.models.codes import PLACEMENT_KINDS, READINESS, label
from tracker.reference.forms import BenefitGroupForm, EndForm, PlacementRuleForm
from tracker.urls import parse_id

bp = Blueprint("reference", __name__, url_prefix="/reference")

VALIDITY = {"current": _l("In force"), "ended": _l("Ended"), "future": _l("Not yet in force")}


def validity(row, today: date | None = None) -> str:
    """'current', 'ended' or 'future' for a dated row, as of today."""
    today = today or date.today()
    if row.valid_from > today:
        return "future"
    if row.valid_to is not None and row.valid_to < today:
        return "ended"
    return "current"


def _validity_filter(model) -> Filter:
    def condition(value: str):
        today = date.today()
        if value == "current":
            return (model.valid_from <= today) & or_(model.valid_to.is_(None),
                                                     model.valid_to >= today)
        if value == "ended":
            return model.valid_to < today
        if value == "future":
            return model.valid_from > today
        return True  # an unknown value filters nothing

    return Filter("validity", _l("Validity"), condition, VALIDITY)


BENEFIT_GROUPS = ListSpec(
    columns=[
        Column("code", _l("Code"), lambda g: g.code, BenefitGroup.code),
        Column("name", _l("Name in Danish"), lambda g: g.name_da, BenefitGroup.name_da,
               link=lambda g: url_for("reference.edit_group", benefit_group_id=g.id)),
        Column("name_en", _l("Name in English"), lambda g: g.name_en, BenefitGroup.name_en),
        Column("valid_from", _l("Valid from"), lambda g: g.valid_from, BenefitGroup.valid_from),
        Column("valid_to", _l("Valid to"), lambda g: g.valid_to, BenefitGroup.valid_to),
        Column("validity", _l("Validity"), lambda g: VALIDITY[validity(g)]),
        Column("order", _l("Sort order"), lambda g: g.sort_order, BenefitGroup.sort_order,
               numeric=True),
    ],
    search=[BenefitGroup.code, BenefitGroup.name_da, BenefitGroup.name_en],
    filters=[_validity_filter(BenefitGroup)],
    default_sort="order",
    search_label=_l("Search code or name"),
)


def _group_options() -> list[tuple[str, str]]:
    rows = db.session.execute(select(BenefitGroup.id, BenefitGroup.name_da)
                              .order_by(BenefitGroup.sort_order, BenefitGroup.name_da)).all()
    return [(str(i), n) for i, n in rows]


def _group_condition(value: str):
    if value == "all":
        return PlacementRule.benefit_group_id.is_(None)
    return PlacementRule.benefit_group_id == parse_id(value) if parse_id(value) else False


PLACEMENT_RULES = ListSpec(
    columns=[
        Column("kind", _l("Placement kind"), lambda r: label(PLACEMENT_KINDS, r.placement_kind),
               PlacementRule.placement_kind,
               link=lambda r: url_for("reference.edit_rule", rule_id=r.id)),
        Column("benefit", _l("Benefit group"),
               lambda r: r.benefit_group.name_da if r.benefit_group else _l("All"),
               BenefitGroup.name_da),
        Column("readiness", _l("Readiness"),
               lambda r: label(READINESS, r.readiness) if r.readiness else _l("All"),
               PlacementRule.readiness),
        Column("max_weeks", _l("Max weeks"), lambda r: r.max_weeks, PlacementRule.max_weeks,
               numeric=True),
        Column("max_hours", _l("Max hours/week"), lambda r: r.max_hours_per_week,
               PlacementRule.max_hours_per_week, numeric=True),
        Column("valid_from", _l("Valid from"), lambda r: r.valid_from, PlacementRule.valid_from),
        Column("valid_to", _l("Valid to"), lambda r: r.valid_to, PlacementRule.valid_to),
        Column("validity", _l("Validity"), lambda r: VALIDITY[validity(r)]),
        Column("description", _l("Description"), lambda r: r.description),
    ],
    search=[PlacementRule.description, BenefitGroup.name_da],
    filters=[
        Filter("kind", _l("Placement kind"), lambda v: PlacementRule.placement_kind == v,
               PLACEMENT_KINDS),
        Filter("benefit", _l("Benefit group"), _group_condition,
               lambda: [("all", _l("Rules for all benefits")), *_group_options()]),
        _validity_filter(PlacementRule),
    ],
    default_sort="kind",
    search_label=_l("Search description or benefit"),
)


@bp.route("/")
@admin_required
def index():
    """Benefit groups (ydelser), ended ones included; administrators only."""
    state = BENEFIT_GROUPS.state()
    query = BENEFIT_GROUPS.apply(select(BenefitGroup), state).order_by(BenefitGroup.id)
    return BENEFIT_GROUPS.respond(query, state, "ydelser", "reference/groups.html")


@bp.route("/rules/")
@admin_required
def rules():
    """Placement rules (legal maxima per placement kind); administrators only."""
    state = PLACEMENT_RULES.state()
    query = (select(PlacementRule).outerjoin(PlacementRule.benefit_group)
             .options(contains_eager(PlacementRule.benefit_group)))
    query = PLACEMENT_RULES.apply(query, state).order_by(PlacementRule.valid_from,
                                                         PlacementRule.id)
    return PLACEMENT_RULES.respond(query, state, "forloebsregler", "reference/rules.html")


# --- Benefit groups ---------------------------------------------------------------------


def _group_references(group: BenefitGroup) -> tuple[int, int]:
    """How many participants and placement rules refer to the group."""
    participants = db.session.scalar(select(func.count()).select_from(Participant)
                                     .where(Participant.benefit_group_id == group.id))
    rules_ = db.session.scalar(select(func.count()).select_from(PlacementRule)
                               .where(PlacementRule.benefit_group_id == group.id))
    return participants or 0, rules_ or 0


def _successor_of(raw: str | None) -> BenefitGroup | None:
    ident = parse_id(raw)
    return db.session.get(BenefitGroup, ident) if ident else None


@bp.route("/benefit-groups/new", methods=["GET", "POST"])
@admin_required
def create_group():
    """Open a benefit group (e.g. the one replacing ended groups); administrators only."""
    form = BenefitGroupForm()
    replaces = _successor_of(request.args.get("replaces"))
    if request.method == "GET" and request.args.get("valid_from"):
        try:
            form.valid_from.data = date.fromisoformat(request.args["valid_from"])
        except ValueError:
            pass  # a hand-edited link: leave the field empty
    if form.validate_on_submit():
        group = BenefitGroup()
        apply_form(form, group)
        db.session.add(group)
        db.session.commit()
        flash(_("%(name)s was created.", name=group.name_da), "success")
        return redirect(url_for("reference.index"))
    return render_template("reference/group_form.html", form=form, group=None,
                           replaces=replaces)


@bp.route("/benefit-groups/<int:benefit_group_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_group(benefit_group_id: int):
    """Correct a benefit group (not its code); optimistic locking; administrators only."""
    group = db.get_or_404(BenefitGroup, benefit_group_id)
    form = BenefitGroupForm(obj=group, current=group)
    if form.validate_on_submit() and commit_edit(form, group):
        flash(_("The changes to %(name)s were saved.", name=group.name_da), "success")
        return redirect(url_for("reference.index"))
    participants, rules_ = _group_references(group)
    return render_template("reference/group_form.html", form=form, group=group, replaces=None,
                           participants=participants, rules=rules_,
                           validity=validity(group))


class EndGroupForm(EndForm):
    end_rules = BooleanField(_l("End the placement rules for this benefit group on the same day"),
                             default=True)
    open_successor = BooleanField(_l("Then open a new benefit group from the next day "
                                     "(e.g. the benefit it was merged into)"))
    version = VersionField()


def _running_rules(group: BenefitGroup, day: date | None) -> list[PlacementRule]:
    """The group's rules that hold after `day` (or at all, without a day)."""
    query = select(PlacementRule).where(PlacementRule.benefit_group_id == group.id)
    if day is not None:
        query = query.where(or_(PlacementRule.valid_to.is_(None), PlacementRule.valid_to > day))
    else:
        query = query.where(PlacementRule.valid_to.is_(None))
    return db.session.scalars(query.order_by(PlacementRule.placement_kind)).all()


@bp.route("/benefit-groups/<int:benefit_group_id>/end", methods=["GET", "POST"])
@admin_required
def end_group(benefit_group_id: int):
    """End a benefit group on a date, with its rules, instead of deleting it; administrators."""
    group = db.get_or_404(BenefitGroup, benefit_group_id)
    form = EndGroupForm(row=group, data=None if request.method == "POST" else
                        {"valid_to": group.valid_to or date.today(), "version": group.version,
                         "end_rules": True})
    if form.validate_on_submit():
        day = form.valid_to.data
        late = db.session.scalars(select(PlacementRule).where(
            PlacementRule.benefit_group_id == group.id, PlacementRule.valid_from > day)).first()
        if late is not None:
            form.valid_to.errors.append(_(
                "A placement rule for this benefit group starts on %(date)s, after this date. "
                "Change or delete that rule first.", date=short_date(late.valid_from)))
        elif is_stale(form, group):
            flash(CONFLICT_MESSAGE, "error")
            form.version.data = group.version
        else:
            ended = _running_rules(group, day) if form.end_rules.data else []
            for rule in ended:
                rule.valid_to = day
            group.valid_to = day
            db.session.commit()
            flash(_("%(name)s ends on %(date)s.", name=group.name_da, date=short_date(day))
                  + (" " + ngettext("%(num)d placement rule ends on the same day.",
                                     "%(num)d placement rules end on the same day.", len(ended))
                     if ended else ""), "success")
            if form.open_successor.data:
                flash(_("Now create the benefit group that replaces it."), "info")
                return redirect(url_for("reference.create_group", replaces=group.id,
                                        valid_from=(day + timedelta(days=1)).isoformat()))
            return redirect(url_for("reference.index"))
    return render_template("reference/end_group.html", form=form, group=group,
                           rules=_running_rules(group, form.valid_to.data))


@bp.route("/benefit-groups/<int:benefit_group_id>/delete", methods=["GET", "POST"])
@admin_required
def delete_group(benefit_group_id: int):
    """Delete a benefit group no one refers to (e.g. made by mistake); administrators only."""
    group = db.get_or_404(BenefitGroup, benefit_group_id)
    participants, rules_ = _group_references(group)
    refused = participants or rules_
    if request.method == "POST" and not refused:
        db.session.delete(group)
        try:
            db.session.commit()
        except IntegrityError:  # referred to by a row saved a moment ago
            db.session.rollback()
            refused = True
        else:
            flash(_("%(name)s was deleted.", name=group.name_da), "success")
            return redirect(url_for("reference.index"))
    if request.method == "POST":
        flash(_("%(name)s is in use and cannot be deleted. End it instead by setting "
                "“valid to”.", name=group.name_da), "error")
    return render_template("reference/delete.html", title=group.name_da,
                           back=url_for("reference.edit_group", benefit_group_id=group.id),
                           end=url_for("reference.end_group", benefit_group_id=group.id),
                           participants=participants, rules=rules_, refused=refused)


# --- Placement rules --------------------------------------------------------------------


@bp.route("/rules/new", methods=["GET", "POST"])
@admin_required
def create_rule():
    """Add a legal maximum for a placement kind; administrators only."""
    form = PlacementRuleForm()
    if form.validate_on_submit():
        rule = PlacementRule()
        form.populate(rule)
        db.session.add(rule)
        db.session.commit()
        flash(_("The placement rule was created."), "success")
        return redirect(url_for("reference.rules"))
    return render_template("reference/rule_form.html", form=form, rule=None)


@bp.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_rule(rule_id: int):
    """Correct a placement rule; optimistic locking; administrators only."""
    rule = db.get_or_404(PlacementRule, rule_id)
    form = PlacementRuleForm(obj=rule)
    if form.validate_on_submit() and commit_edit(form, rule, apply=lambda f, r: f.populate(r)):
        flash(_("The placement rule was saved."), "success")
        return redirect(url_for("reference.rules"))
    return render_template("reference/rule_form.html", form=form, rule=rule,
                           validity=validity(rule))


class EndRuleForm(EndForm):
    version = VersionField()


@bp.route("/rules/<int:rule_id>/end", methods=["GET", "POST"])
@admin_required
def end_rule(rule_id: int):
    """End a placement rule on a date (the law changed); administrators only."""
    rule = db.get_or_404(PlacementRule, rule_id)
    form = EndRuleForm(row=rule, data=None if request.method == "POST" else
                       {"valid_to": rule.valid_to or date.today(), "version": rule.version})
    if form.validate_on_submit() and commit_edit(
            form, rule, apply=lambda f, r: setattr(r, "valid_to", f.valid_to.data)):
        flash(_("The placement rule ends on %(date)s.", date=short_date(rule.valid_to)),
              "success")
        return redirect(url_for("reference.rules"))
    return render_template("reference/end_rule.html", form=form, rule=rule)


@bp.route("/rules/<int:rule_id>/delete", methods=["GET", "POST"])
@admin_required
def delete_rule(rule_id: int):
    """Delete a placement rule entered by mistake; administrators only."""
    rule = db.get_or_404(PlacementRule, rule_id)
    if request.method == "POST":
        db.session.delete(rule)
        db.session.commit()
        flash(_("The placement rule was deleted."), "success")
        return redirect(url_for("reference.rules"))
    return render_template("reference/delete.html", title=rule.description or _("Placement rule"),
                           back=url_for("reference.edit_rule", rule_id=rule.id),
                           end=url_for("reference.end_rule", rule_id=rule.id),
                           participants=0, rules=0, refused=False)
