"""Rules of agreements and clauses that know nothing of HTTP: derived targets and their
calculation, and the figures of clauses as a page shows them."""
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal

from sqlalchemy import Select
from sqlalchemy.orm import joinedload

from tracker.counting import ClauseFigures, clause_figures
from tracker.extensions import db
from tracker.formatting import money, number
from tracker.i18n import gettext as _
from tracker.models import Clause, ClauseReporter, Project
from tracker.models.codes import UNITS, label

MILLION = Decimal(1_000_000)
# Exact whatever decimal context the caller set: amounts have at most 15 digits.
_EXACT = Context(prec=40)


def basis_amount(project: Project, basis: str) -> Decimal | None:
    """The project's contract sum or craft cost, as a clause's target basis names it."""
    if basis not in ("contract_sum", "craft_cost"):
        raise ValueError(f"unknown target basis {basis!r}")
    return getattr(project, basis)


def derived_target(amount: Decimal, rate: Decimal) -> Decimal:
    """Target from an amount and a rate in units per DKK 1 million, to two decimals (half up)."""
    exact = _EXACT.divide(_EXACT.multiply(Decimal(amount), Decimal(rate)), MILLION)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def figure(value, places: int = 2) -> str:
    """A clause figure with the decimals it has, at most `places`: 8,5 · 7,16 · 10."""
    if value is None:
        return ""
    value = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    shown = max(0, -value.normalize().as_tuple().exponent)
    return number(value, shown)


def unit_word(unit: str) -> str:
    """The unit as a word in running text: "elevårsværk", "personer"."""
    return label(UNITS, unit).lower()


def target_calculation(clause: Clause, project: Project) -> str | None:
    """How a derived target was computed, in words: "Mål = 85.000.000 kr. / 1 mio. × 0,1 = …"."""
    if not clause.target_basis or clause.target_rate is None:
        return None
    amount = basis_amount(project, clause.target_basis)
    return _("Target = %(amount)s / 1 million × %(rate)s = %(target)s %(unit)s",
             amount=money(amount) if amount is not None else "?",
             rate=figure(clause.target_rate, 4), target=figure(clause.target),
             unit=unit_word(clause.unit))


def clauses_with_figures(query: Select, as_of: date) -> tuple[list[Clause], dict[int, ClauseFigures]]:
    """The clauses of a (role-scoped) Select with their figures as of a date: three
    statements (the clauses with the contractors chosen to report, then the figures' two)."""
    clauses = db.session.scalars(
        query.options(joinedload(Clause.responsible_contractor), joinedload(Clause.agreement),
                      joinedload(Clause.reporters).joinedload(ClauseReporter.contractor))
        .order_by(Clause.ref)).unique().all()
    figures = clause_figures(query, as_of) if clauses else {}
    return clauses, figures
