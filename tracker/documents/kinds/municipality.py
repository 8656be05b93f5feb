"""Municipality report for one municipality and period (DESIGN §5.3): the figures of
`tracker.counting.municipality_summary` (what the municipality dashboard and the API show),
progression and breakdowns, every count of them under disclosure control
(`tracker.counting.disclosure`): the report is addressed outside the secretariat."""
from collections import defaultdict
from datetime import date
from fractions import Fraction
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import case, exists, extract, func, select

from tracker import charts
from tracker.counting import moving, municipality_summary
from tracker.counting.disclosure import Shown, Table, has_small_counts
from tracker.counting.placements import overlaps, sql_date
from tracker.documents.content import Built, placements_chart, rounded, running_by_month
from tracker.extensions import db
from tracker.formatting import short_date
from tracker.i18n import gettext as _
from tracker.i18n import lazy_gettext as _l
from tracker.models import BenefitGroup, HousingArea, Organisation, Participant, Placement, ProgressAssessment
from tracker.models.codes import AGE_BANDS as KNOWN_AGE_BANDS
from tracker.models.codes import DIMENSIONS, FOLLOW_UP_STATUSES, GENDERS, PLACEMENT_KINDS, label

# The columns of a breakdown, each adding up to the total of the same name (key figures).
BREAKDOWN_COLUMNS = ("enrolled", "placed", "moved")
CHAIN_STEPS = ("internship", "wage_subsidy", "ordinary_job", "direct_job")

NOT_STATED = _l("Not stated")
# The age bands of the breakdown, in the order it lists them.
AGE_BANDS = {**KNOWN_AGE_BANDS, "unknown": NOT_STATED}


# Each band's first age beyond it; older than the last: "50+".
BAND_ENDS = ((25, "u25"), (30, "25-29"), (40, "30-39"), (50, "40-49"))


def age_band() -> Any:
    """A participant's age band (a key of AGE_BANDS) by the age reached in the year of
    intake: fixed for the person, so an anonymised participant, who keeps only the band
    (`intake_age_band`, set by `age_band_of`), is counted as before."""
    age = extract("year", Participant.intake_date) - Participant.birth_year
    return case(
        (Participant.birth_year.is_(None), func.coalesce(Participant.intake_age_band, "unknown")),
        *((age < end, band) for end, band in BAND_ENDS), else_="50+")


def age_band_of(age: int) -> str:
    """`age_band` of one age, for the band an anonymised participant keeps."""
    return next((band for end, band in BAND_ENDS if age < end), "50+")


def _breakdowns(municipality_id: int, start: date, end: date) -> list[dict]:
    """Residents enrolled, in a placement and moved into work or education in the period,
    by housing area, benefit group, age band (the age reached in the year of intake)
    and gender; only the values with any of them, each with the number of residents it
    counts at all (`persons`: the size of the category)."""
    s, e = sql_date(start), sql_date(end)

    def flag(condition):
        return case((condition, 1), else_=0)

    def with_placement(condition):
        return flag(exists().where(Placement.participant_id == Participant.id, condition))

    rows = db.session.execute(
        select(HousingArea.name, BenefitGroup.name_da, age_band(), Participant.gender,
               flag(Participant.intake_date.between(s, e)), with_placement(overlaps(s, e)),
               with_placement(moving(s, e)))
        .outerjoin(HousingArea, Participant.housing_area_id == HousingArea.id)
        .outerjoin(BenefitGroup, Participant.benefit_group_id == BenefitGroup.id)
        .where(Participant.municipality_id == municipality_id))
    groups: list[dict] = [defaultdict(lambda: [0, 0, 0]) for _ in range(4)]
    persons: list[dict] = [defaultdict(int) for _ in range(4)]
    for row in rows:
        for group, size, key in zip(groups, persons, row[:4]):
            group[key] = [a + b for a, b in zip(group[key], row[4:])]
            size[key] += any(row[4:])
    groupings = [(_("Housing area"), None), (_("Benefit group at intake"), None),
                 (_("Age at intake"), AGE_BANDS), (_("Gender"), GENDERS)]
    result = []
    for (title, words), counts, size in zip(groupings, groups, persons):
        shown = [(key, *figures) for key, figures in counts.items() if any(figures)]
        if words is not None:
            order = list(words)
            shown.sort(key=lambda r: order.index(r[0]) if r[0] in order else len(order))
        else:
            shown.sort(key=lambda r: (r[0] is None, r[0] or ""))
        result.append({"title": title, "persons": [size[row[0]] for row in shown],
                       "rows": [(_named(row[0], words), *row[1:]) for row in shown]})
    return result


def _named(key, words) -> str:
    if key is None:
        return str(NOT_STATED)
    return label(words, key) if words is not None else key


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


def _disclosure(summary: dict, outcomes: list, progression: list,
                breakdowns: list[dict]) -> Shown:
    """Every count the report shows, the totals they add up to and the categories of
    persons its breakdowns describe, protected (`counting.disclosure`). The key figures
    are the totals of the tables: hiding one hides it everywhere it is shown."""
    table = Table()
    table.cell("enrolled", summary["enrolled"])
    table.cell("moved", summary["moved_into_work_or_education"])
    kinds = [table.cell(("kind", kind), n) for kind, n in summary["placements"].items()]
    table.cell("placements", sum(summary["placements"].values()))
    table.line("placements", kinds)
    parts = [table.cell(("outcome", code), n) for code, n in outcomes]
    table.cell("outcomes", sum(n for _code, n in outcomes))
    table.line("outcomes", parts)
    by_months = summary["follow_ups_by_months"]
    for row in by_months:
        months = row["months"]
        table.cell(("follow_up_months", months), sum(row[st] for st in FOLLOW_UP_STATUSES))
        table.line(("follow_up_months", months),
                   [table.cell(("follow_up", months, st), row[st]) for st in FOLLOW_UP_STATUSES])
    for st in FOLLOW_UP_STATUSES:
        table.cell(("follow_up_status", st), summary["follow_ups"][st])
        table.line(("follow_up_status", st), [("follow_up", row["months"], st) for row in by_months])
    table.cell("follow_ups", sum(summary["follow_ups"].values()))
    table.line("follow_ups", [("follow_up_months", row["months"]) for row in by_months])
    table.line("follow_ups", [("follow_up_status", st) for st in FOLLOW_UP_STATUSES])
    for step in CHAIN_STEPS:
        table.cell(("step", step), summary["steps"][step])
    for row in progression:
        table.cell(("measured", row["dimension"]), row["persons"])
    # Every resident counted falls in one row of each breakdown, so each column adds up to
    # the same total in all four.
    first = breakdowns[0]["rows"] if breakdowns else []
    table.cell("placed", sum(row[2] for row in first))
    for b, breakdown in enumerate(breakdowns):
        for i, (row, persons) in enumerate(zip(breakdown["rows"], breakdown["persons"])):
            keys = [table.cell(("breakdown", b, i, column), n)
                    for column, n in zip(BREAKDOWN_COLUMNS, row[1:])]
            table.category(persons, keys)
        for column in BREAKDOWN_COLUMNS:
            table.line(column, [("breakdown", b, i, column)
                                for i in range(len(breakdown["rows"]))])
    return table.protect()


def municipality_report(municipality: Organisation, date_from: date, date_to: date,
                        as_of: date) -> Built:
    """The residents' figures in the period (`counting.municipality_summary`), the running
    placements by month, progression and breakdowns. Every count is shown under disclosure
    control (`_disclosure`), and no spreadsheet of placements goes with it: rows at person
    level would let anyone count what "<5" hides. The municipality's staff see their
    residents' placements in the application and the API."""
    summary = municipality_summary(municipality.id, date_from, date_to)
    residents = select(Participant.id).where(Participant.municipality_id == municipality.id)
    of_residents = Placement.participant_id.in_(residents)
    outcomes = [(outcome, n) for outcome, n in summary["outcomes"].items() if n]
    if summary["ended_without_outcome"]:
        outcomes.append((None, summary["ended_without_outcome"]))
    steps = summary["steps"]
    progression = _progression(municipality.id, date_from, date_to)
    breakdowns = _breakdowns(municipality.id, date_from, date_to)
    shown = _disclosure(summary, outcomes, progression, breakdowns)
    flow = charts.pathway_flow(
        [(str(PLACEMENT_KINDS[kind]), shown(("step", kind)))
         for kind in ("internship", "wage_subsidy", "ordinary_job")],
        _("Pathway: internship, wage subsidy, ordinary job"))
    running = running_by_month(date_from, date_to, of_residents)
    context = {
        "municipality": municipality, "date_from": date_from, "date_to": date_to,
        "summary": summary, "outcomes": outcomes,
        "follow_up_rows": [(row["months"], row, sum(row[st] for st in FOLLOW_UP_STATUSES))
                           for row in summary["follow_ups_by_months"]],
        "steps": steps, "flow_chart": flow, "shown": shown,
        # A column of one placement in a month could be read off the chart: with any count
        # from 1 to 4 in it the chart is left out.
        "placements_chart": None if has_small_counts(running["series"]) else placements_chart(
            running, _("Running placements per month")),
        "chart_withheld": has_small_counts(running["series"]),
        "progression": progression,
        "breakdowns": breakdowns,
    }
    return Built(
        title=_("Municipality report"),
        scope=_("%(name)s, %(start)s–%(end)s", name=municipality.name,
                start=short_date(date_from), end=short_date(date_to)),
        context=context, sheets=[], organisation_id=municipality.id)
