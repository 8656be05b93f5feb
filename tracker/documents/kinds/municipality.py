"""Municipality report for one municipality and period (DESIGN §5.3): the §6 summary,
pathways, outcomes, follow-ups, progression and breakdowns with small counts suppressed."""
from collections import defaultdict
from datetime import date
from fractions import Fraction
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from tracker import charts
from tracker.documents.content import Built, placement_sheet, placements_chart, rounded, \
    running_by_month
from tracker.documents.rules import AGE_BANDS, age_band, overlapping, sql_date
from tracker.extensions import db
from tracker.formatting import short_date
from tracker.i18n import gettext as _, lazy_gettext as _l
from tracker.models import (
    BenefitGroup, FollowUp, HousingArea, Organisation, Participant, Placement, ProgressAssessment,
)
from tracker.models.codes import (
    DIMENSIONS, FOLLOW_UP_MONTHS, FOLLOW_UP_STATUSES, GENDERS, OUTCOMES, PLACEMENT_KINDS, label,
)
from tracker.pathways import moving

NOT_STATED = _l("Not stated")

# The columns of `_resident_rows` after the four breakdown keys (housing area, benefit group,
# age band, gender): first 0/1 flags, then counts.
_FLAGS = ("enrolled", "in_placement", "moved", "internship", "wage_subsidy", "ordinary_job",
          "direct_job")
_COUNTS = (*(f"kind:{k}" for k in PLACEMENT_KINDS), *(f"outcome:{o}" for o in OUTCOMES),
           "outcome:")


def _flag(condition: Any) -> Any:
    """1 where the condition holds, else 0."""
    return case((condition, 1), else_=0)


def _resident_rows(municipality_id: int, start: date, end: date) -> list[tuple]:
    """One row per resident of the municipality: housing area, benefit group, age band (the
    age reached in the period's last year) and gender; then the columns named in _FLAGS
    and _COUNTS: enrolled (intake in the period), in a placement (overlapping the period),
    moved into work or education (§4), the pathway steps (an internship in the period; it
    led on to a wage subsidy started by the period's end; that led on to an ordinary job;
    the internship led straight to an ordinary job); the resident's placements overlapping
    the period by kind, and those ended in the period by outcome (None last)."""
    s, e = sql_date(start), sql_date(end)
    second = aliased(Placement, name="next_placement")
    third = aliased(Placement, name="placement_after_next")
    residents = select(Participant.id).where(Participant.municipality_id == municipality_id)
    per_placement = (
        select(Placement.participant_id.label("pid"), Placement.kind, Placement.outcome,
               _flag(overlapping(start, end)).label("overlapping"),
               _flag(moving(start, end)).label("moved"),
               _flag(Placement.end_date.between(s, e)).label("ended"),
               second.kind.label("second_kind"), third.kind.label("third_kind"))
        .outerjoin(second, and_(Placement.kind == "internship",
                                second.id == Placement.next_placement_id, second.start_date <= e))
        .outerjoin(third, and_(third.id == second.next_placement_id, third.start_date <= e))
        .where(Placement.participant_id.in_(residents))
        .subquery("per_placement"))
    p = per_placement.c
    in_period, ended = p.overlapping == 1, p.ended == 1
    internship = and_(in_period, p.kind == "internship")
    to_wage = and_(internship, p.second_kind == "wage_subsidy")

    def flag(condition):
        return func.max(_flag(condition))

    def count(condition):
        return func.sum(_flag(condition))

    per_resident = (
        select(p.pid, func.max(p.overlapping), func.max(p.moved), flag(internship),
               flag(to_wage), flag(and_(to_wage, p.third_kind == "ordinary_job")),
               flag(and_(internship, p.second_kind == "ordinary_job")),
               *(count(and_(in_period, p.kind == k)) for k in PLACEMENT_KINDS),
               *(count(and_(ended, p.outcome == o)) for o in OUTCOMES),
               count(and_(ended, p.outcome.is_(None))))
        .group_by(p.pid).subquery("per_resident"))
    return db.session.execute(
        select(HousingArea.name, BenefitGroup.name_da, age_band(end.year), Participant.gender,
               _flag(Participant.intake_date.between(s, e)),
               *(func.coalesce(c, 0) for c in list(per_resident.c)[1:]))
        .select_from(Participant)
        .outerjoin(per_resident, per_resident.c.pid == Participant.id)
        .outerjoin(HousingArea, Participant.housing_area_id == HousingArea.id)
        .outerjoin(BenefitGroup, Participant.benefit_group_id == BenefitGroup.id)
        .where(Participant.municipality_id == municipality_id)).all()


def _resident_figures(rows: list[tuple]) -> dict:
    """The sums of `_resident_rows` over all residents and, per breakdown key, residents
    enrolled, in a placement and moved by value, for the values with any of them."""
    whole = [0] * (len(_FLAGS) + len(_COUNTS))
    groups: list[dict] = [defaultdict(lambda: [0, 0, 0]) for _ in range(4)]
    for row in rows:
        keys, figures = row[:4], [int(n) for n in row[4:]]
        whole = [a + b for a, b in zip(whole, figures)]
        for group, key in zip(groups, keys):
            group[key] = [a + b for a, b in zip(group[key], figures[:3])]
    flags = dict(zip(_FLAGS, whole))
    return {"enrolled": flags["enrolled"], "moved": flags["moved"],
            "groups": [{k: v for k, v in group.items() if any(v)} for group in groups],
            "steps": {step: flags[step]
                      for step in ("internship", "wage_subsidy", "ordinary_job", "direct_job")},
            "totals": dict(zip(_COUNTS, whole[len(_FLAGS):]))}


def _breakdowns(groups: list[dict]) -> list[dict]:
    """Residents enrolled, in a placement and moved into work or education in the period,
    by housing area, benefit group, age band and gender."""
    groupings = [(_("Housing area"), None), (_("Benefit group at intake"), None),
                 (_("Age"), AGE_BANDS), (_("Gender"), GENDERS)]
    result = []
    for (title, words), counts in zip(groupings, groups):
        grouped = [(k, a, b, c) for k, (a, b, c) in counts.items()]
        if words is not None:
            order = list(words)
            grouped.sort(key=lambda r: order.index(r[0]) if r[0] in order else len(order))
            grouped = [(label(words, k) if k is not None else str(NOT_STATED), a, b, c)
                       for k, a, b, c in grouped]
        else:
            grouped.sort(key=lambda r: (r[0] is None, r[0] or ""))
            grouped = [(k if k is not None else str(NOT_STATED), a, b, c)
                       for k, a, b, c in grouped]
        result.append({"title": title, "rows": grouped})
    return result


def _progression(municipality_id: int, start: date, end: date) -> list[dict]:
    """Per dimension: residents with two or more scores in the period, their average first
    and latest score and the average change (first to latest non-empty score)."""
    pa = ProgressAssessment
    rows = db.session.execute(
        select(pa.participant_id, *(getattr(pa, d) for d in DIMENSIONS))
        .join(Participant, pa.participant_id == Participant.id)
        .where(Participant.municipality_id == municipality_id,
               pa.assessed_on.between(sql_date(start), sql_date(end)))
        .order_by(pa.participant_id, pa.assessed_on, pa.id)).all()
    width = len(DIMENSIONS)
    persons, first_sum, latest_sum = [0] * width, [0] * width, [0] * width
    for _pid, assessments in groupby(rows, key=itemgetter(0)):  # one person's, in order
        for i, column in enumerate(list(zip(*assessments))[1:]):
            scores = [score for score in column if score is not None]
            if len(scores) >= 2:
                persons[i] += 1
                first_sum[i] += scores[0]
                latest_sum[i] += scores[-1]
    result = []
    for i, dimension in enumerate(DIMENSIONS):
        n = persons[i]
        result.append({
            "dimension": dimension, "persons": n,
            "first": rounded(Fraction(first_sum[i], n), 1) if n else None,
            "latest": rounded(Fraction(latest_sum[i], n), 1) if n else None,
            "change": rounded(Fraction(latest_sum[i] - first_sum[i], n), 1) if n else None,
        })
    return result


def municipality_report(municipality: Organisation, date_from: date, date_to: date,
                        as_of: date) -> Built:
    """The residents' figures in the period (the same as `pathways.municipality_summary`,
    checked in the tests), pathway steps, outcomes, follow-ups, progression, breakdowns."""
    residents = select(Participant.id).where(Participant.municipality_id == municipality.id)
    of_residents = Placement.participant_id.in_(residents)
    figures = _resident_figures(_resident_rows(municipality.id, date_from, date_to))
    totals = figures["totals"]
    follow_ups = {(months, status): n for months, status, n in db.session.execute(
        select(FollowUp.months, FollowUp.status, func.count())
        .join(Placement, FollowUp.placement_id == Placement.id)
        .where(of_residents,
               FollowUp.follow_up_date.between(sql_date(date_from), sql_date(date_to)))
        .group_by(FollowUp.months, FollowUp.status))}
    by_status = defaultdict(int)
    for (_months, status), n in follow_ups.items():
        by_status[status] += n
    summary = {
        "enrolled": figures["enrolled"],
        "placements": {k: totals[f"kind:{k}"] for k in PLACEMENT_KINDS},
        "moved_into_work_or_education": figures["moved"],
        "follow_ups": {status: by_status.get(status, 0) for status in FOLLOW_UP_STATUSES},
    }
    outcomes = [(o, totals[f"outcome:{o}"]) for o in OUTCOMES if totals[f"outcome:{o}"]]
    if totals["outcome:"]:
        outcomes.append((None, totals["outcome:"]))
    steps = figures["steps"]
    flow = charts.pathway_flow(
        [(str(PLACEMENT_KINDS["internship"]), steps["internship"]),
         (str(PLACEMENT_KINDS["wage_subsidy"]), steps["wage_subsidy"]),
         (str(PLACEMENT_KINDS["ordinary_job"]), steps["ordinary_job"])],
        _("Pathway: internship, wage subsidy, ordinary job"))
    context = {
        "municipality": municipality, "date_from": date_from, "date_to": date_to,
        "summary": summary, "outcomes": outcomes,
        "follow_up_rows": [
            (m, {st: n for (mm, st), n in follow_ups.items() if mm == m},
             sum(n for (mm, _st), n in follow_ups.items() if mm == m))
            for m in FOLLOW_UP_MONTHS],
        "steps": steps, "flow_chart": flow,
        "placements_chart": placements_chart(running_by_month(date_from, date_to, of_residents),
                                             _("Running placements per month")),
        "progression": _progression(municipality.id, date_from, date_to),
        "breakdowns": _breakdowns(figures["groups"]),
        # The sheet's rows are the placements counted by kind: the period ends by the as-of
        # date (check_request), so every placement overlapping it started by then.
        "attachment_rows": sum(summary["placements"].values()),
    }
    sheet = placement_sheet(and_(of_residents, overlapping(date_from, date_to)), as_of,
                            _("Placements"))
    return Built(
        title=_("Municipality report"),
        scope=_("%(name)s, %(start)s–%(end)s", name=municipality.name,
                start=short_date(date_from), end=short_date(date_to)),
        context=context, sheets=[sheet], organisation_id=municipality.id)
