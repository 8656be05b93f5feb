"""Removing a record made by mistake: a page that says what goes with it and how the
figures change, a box to tick, then the removal, audited by the session hook.

The figures' change is found by removing in a savepoint, counting the affected clauses
again, and rolling back: the page shows exactly what the removal will do.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import flash, redirect, render_template, request
from sqlalchemy import func, select
from wtforms import BooleanField
from wtforms.validators import DataRequired

from tracker.counting import clause_figures
from tracker.extensions import db
from tracker.formatting import number, percent
from tracker.forms import Form
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.models import Agreement, Clause
from tracker.models.codes import CLAUSE_KINDS, label


class ConfirmForm(Form):
    confirm = BooleanField(_l("I have read what will be removed"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


@dataclass
class Removal:
    """One removal: what the page says, and how to do it."""

    title: str  # "Remove placement F-0042"
    goes: list[str]  # what is removed with it, in words
    perform: Callable[[], None]  # deletes in the session; the caller commits
    done: str  # the message after it
    back: str  # where to go after it, or on cancel
    after: str | None = None  # where to go after it, when not back (the record is gone)
    refused: str | None = None  # why it cannot be removed, when it cannot
    projects: list[int] = field(default_factory=list)  # whose clause figures may change


# Rows derived from others (kept in step, or a cache): never a reason to keep a record.
BOOKKEEPING = {"clause_figures", "sent_reminders", "report_obligations", "pending_follow_ups",
               "document_participants"}


def references(obj, going: set[str] = frozenset()) -> dict[str, int]:
    """How many rows of each other table point at `obj` (by foreign key), leaving out the
    bookkeeping that goes with it and the tables in `going`: what would lose its meaning."""
    table = obj.__table__
    counts = {}
    for other in table.metadata.sorted_tables:
        if other.name in BOOKKEEPING or other.name in going:
            continue
        for fk in other.foreign_keys:
            if fk.column.table is table:
                n = db.session.scalar(select(func.count()).select_from(other).where(
                    fk.parent == getattr(obj, fk.column.key)))
                if n:
                    counts[other.name] = counts.get(other.name, 0) + n
    return counts


def refusal(name: str, counts: dict[str, int]) -> str | None:
    """Why a record still referred to cannot be removed, in words, or None."""
    if not counts:
        return None
    return _("%(name)s is in use and cannot be removed: %(uses)s refer to it.", name=name,
             uses=", ".join(f"{n} {TABLE_WORDS.get(t, t)}" for t, n in sorted(counts.items())))


TABLE_WORDS = {
    "agreements": _l("agreements"), "clauses": _l("clauses"), "contractor_reports":
    _l("contractor reports"), "documents": _l("documents"), "evaluations": _l("evaluations"),
    "housing_areas": _l("housing areas"), "participants": _l("participants"),
    "placements": _l("placements"), "projects": _l("building projects"), "users": _l("users"),
    "follow_ups": _l("follow-ups"), "progress_assessments": _l("progress assessments"),
    "document_jobs": _l("document requests"), "report_evidence": _l("evidence files"),
    "project_contractors": _l("building projects as contractor"),
    "agreement_parties": _l("agreements as a party"), "clause_reporters": _l("clauses"),
}


def figure_changes(project_ids: list[int], perform: Callable[[], None]) -> list[str]:
    """Each clause of the projects whose figures `perform` changes, as 'K1: 2 → 1 (50,0 %
    → 25,0 %)', found in a savepoint that is rolled back."""
    if not project_ids:
        return []
    today = date.today()
    clauses = select(Clause.id).join(Agreement, Clause.agreement_id == Agreement.id).where(
        Agreement.project_id.in_(project_ids))
    before = clause_figures(clauses, today)
    with db.session.begin_nested() as trial:
        perform()
        db.session.flush()
        after = clause_figures(clauses, today)
        trial.rollback()
    db.session.expire_all()
    names = {clause_id: (ref, kind) for clause_id, ref, kind in db.session.execute(
        select(Clause.id, Clause.ref, Clause.kind).where(Clause.id.in_(list(before))))}
    changes = []
    for clause_id, old in sorted(before.items(), key=lambda item: names[item[0]][0]):
        new = after.get(clause_id)
        if new is None or (old.registered, old.percent) == (new.registered, new.percent):
            continue
        changes.append(_("%(ref)s (%(kind)s): registered %(old)s → %(new)s (%(old_pct)s → "
                         "%(new_pct)s of the target)", ref=names[clause_id][0],
                         kind=label(CLAUSE_KINDS, names[clause_id][1]),
                         old=_figure(old.registered), new=_figure(new.registered),
                         old_pct=_percent(old.percent), new_pct=_percent(new.percent)))
    return changes


def _figure(value) -> str:
    return "–" if value is None else number(value, 2 if value != int(value) else 0)


def _percent(value) -> str:
    return "–" if value is None else percent(value)


def confirm(removal: Removal):
    """The confirmation page (GET, or a POST without the box ticked), or the removal (POST
    with it), then back where the user came from."""
    form = ConfirmForm()
    if removal.refused is None and request.method == "POST" and form.validate_on_submit():
        removal.perform()
        db.session.commit()
        flash(removal.done, "success")
        return redirect(removal.after or removal.back)
    changes = [] if removal.refused else figure_changes(removal.projects, removal.perform)
    return render_template("remove.html", removal=removal, form=form, changes=changes)
