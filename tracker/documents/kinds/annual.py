"""Annual report across all building projects of the secretariat (DESIGN §5.5). It is
addressed outside the secretariat: its counts of residents and placements are shown under
disclosure control (`tracker.counting.disclosure`); clause counts are not about persons."""
from collections import Counter, defaultdict
from datetime import date
from typing import Any

from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from tracker.counting import clause_figures, moving
from tracker.counting.disclosure import Shown, Table, has_small_counts
from tracker.counting.placements import overlaps, sql_date
from tracker.documents.content import Built, Sheet, placements_chart, running_by_month
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.models import (
    Agreement,
    Clause,
    Evaluation,
    EvaluationAction,
    FollowUp,
    HousingArea,
    Organisation,
    Participant,
    Placement,
    Project,
)
from tracker.models.codes import CLAUSE_STATUSES, FOLLOW_UP_STATUSES, PLACEMENT_KINDS

# Beyond this many projects the PDF says how many there are; the attachment lists them all.
MAX_PDF_ROWS = 100
# Beyond this many evaluations the PDF prints the most recently changed ones and says how
# many more there are; the attachment holds every finding and action.
MAX_PDF_EVALUATIONS = 25


def municipality_figures(start: date, end: date) -> dict:
    """The §6 municipality summary of every municipality at once, by municipality id (None:
    participants without a municipality), plus the distinct participants with a placement
    overlapping the period ("persons") and the distinct participants counted in any figure
    ("residents": the size of the municipality's row). A participant lives in one
    municipality, so the national totals are the sums over the ids."""
    figures: dict = defaultdict(lambda: {
        "enrolled": 0, "placements": dict.fromkeys(PLACEMENT_KINDS, 0), "persons": 0,
        "moved_into_work_or_education": 0, "follow_ups": dict.fromkeys(FOLLOW_UP_STATUSES, 0),
        "residents": 0})
    s, e = sql_date(start), sql_date(end)
    placed = select(Placement.participant_id).where(overlaps(start, end))
    followed = (select(Placement.participant_id)
                .join(FollowUp, FollowUp.placement_id == Placement.id)
                .where(FollowUp.follow_up_date.between(s, e)))
    for mid, n in db.session.execute(
            select(Participant.municipality_id, func.count())
            .where(or_(Participant.intake_date.between(s, e), Participant.id.in_(placed),
                       Participant.id.in_(followed)))
            .group_by(Participant.municipality_id)):
        figures[mid]["residents"] = n
    for mid, n in db.session.execute(
            select(Participant.municipality_id, func.count())
            .where(Participant.intake_date.between(s, e))
            .group_by(Participant.municipality_id)):
        figures[mid]["enrolled"] = n
    # A placement that moves its participant in the period also overlaps it.
    for mid, persons, moved, *by_kind in db.session.execute(
            select(Participant.municipality_id, func.count(distinct(Placement.participant_id)),
                   func.count(distinct(case((moving(start, end), Placement.participant_id)))),
                   *(func.count(case((Placement.kind == k, 1))) for k in PLACEMENT_KINDS))
            .join(Participant, Placement.participant_id == Participant.id)
            .where(overlaps(start, end))
            .group_by(Participant.municipality_id)):
        row = figures[mid]
        row["persons"], row["moved_into_work_or_education"] = persons, moved
        row["placements"] = dict(zip(PLACEMENT_KINDS, by_kind))
    for mid, status, n in db.session.execute(
            select(Participant.municipality_id, FollowUp.status, func.count())
            .join(Placement, FollowUp.placement_id == Placement.id)
            .join(Participant, Placement.participant_id == Participant.id)
            .where(FollowUp.follow_up_date.between(s, e))
            .group_by(Participant.municipality_id, FollowUp.status)):
        if status in FOLLOW_UP_STATUSES:
            figures[mid]["follow_ups"][status] += n
    return figures


def by_municipality(figures: dict) -> list[dict]:
    """The §6 municipality summary (`municipality_figures`) for every municipality with any
    figure in the period, by name."""
    municipalities = db.session.scalars(
        select(Organisation).where(Organisation.kind == "municipality")
        .order_by(Organisation.name)).all()
    rows = []
    for m in municipalities:
        f = figures.get(m.id)
        if f is None:
            continue
        if f["enrolled"] or any(f["placements"].values()) or f["moved_into_work_or_education"] \
                or any(f["follow_ups"].values()):
            rows.append({"municipality": m, "enrolled": f["enrolled"],
                         "placements": f["placements"],
                         "moved_into_work_or_education": f["moved_into_work_or_education"],
                         "follow_ups": f["follow_ups"]})
    return rows


def _running_projects(start: date, end: date) -> Any:
    """Building projects running at some time from `start` to `end`."""
    return and_(Project.start_date <= sql_date(end), Project.end_date >= sql_date(start))


def _year_clauses(start: date, end: date) -> Any:
    """The clause ids, with their projects, of the projects running from `start` to `end`."""
    return (select(Clause.id, Agreement.project_id)
            .join(Agreement, Clause.agreement_id == Agreement.id)
            .where(Agreement.project_id.in_(select(Project.id)
                                            .where(_running_projects(start, end)))))


def _annual_projects(start: date, end: date, as_of: date) -> list[dict]:
    """Every building project running in the period, by case number, with its clauses by
    status as of `as_of` and its placements and participants overlapping the period."""
    builder, area, municipality = aliased(Organisation), aliased(HousingArea), aliased(Organisation)
    running = _running_projects(start, end)
    projects = db.session.execute(
        select(Project.id, Project.case_number, Project.name, builder.name.label("builder"),
               area.name.label("area"), municipality.name.label("municipality"))
        .outerjoin(builder, Project.builder_id == builder.id)
        .outerjoin(area, Project.housing_area_id == area.id)
        .outerjoin(municipality, area.municipality_id == municipality.id)
        .where(running).order_by(Project.case_number)).all()
    year_clauses = _year_clauses(start, end)
    clause_projects = dict(db.session.execute(year_clauses).all())
    statuses = defaultdict(Counter)
    for clause_id, f in clause_figures(year_clauses.with_only_columns(Clause.id), as_of).items():
        statuses[clause_projects[clause_id]][f.status] += 1
    per_project = {pid: (n, persons) for pid, n, persons in db.session.execute(
        select(Placement.project_id, func.count(), func.count(distinct(Placement.participant_id)))
        .where(overlaps(start, end),
               Placement.project_id.in_(select(Project.id).where(running)))
        .group_by(Placement.project_id))}
    rows = []
    for p in projects:
        counts, (n, persons) = statuses[p.id], per_project.get(p.id, (0, 0))
        rows.append({"project": p, "clauses": sum(counts.values()), "statuses": counts,
                     "placements": n, "persons": persons})
    return rows


def _disclosure(headline: dict, by_kind: list, follow_ups: list, projects: list[dict],
                municipalities: list[dict], per_municipality: dict) -> Shown:
    """The report's counts of residents and placements, the totals they add up to (the
    headline figures), and each municipality's row as a category of its residents,
    protected (`counting.disclosure`). What the PDF does not print still adds up: residents
    without a municipality and rows beyond the printed ones are unshown parts of the lines."""
    table = Table()
    for key in ("enrolled", "placements", "persons", "moved"):
        table.cell(key, headline[key])
    table.line("placements", [table.cell(("kind", kind), n) for kind, n in by_kind])
    table.cell("follow_ups", sum(n for _status, n in follow_ups))
    table.line("follow_ups", [table.cell(("follow_up", status), n) for status, n in follow_ups])
    printed = municipalities[:MAX_PDF_ROWS]
    columns = {"enrolled": "enrolled", **{kind: ("kind", kind) for kind in PLACEMENT_KINDS},
               "moved": "moved", "follow_ups": "follow_ups"}
    for row in printed:
        mid = row["municipality"].id
        values = {"enrolled": row["enrolled"], **row["placements"],
                  "moved": row["moved_into_work_or_education"],
                  "follow_ups": sum(row["follow_ups"].values())}
        table.category(per_municipality[mid]["residents"],
                       [table.cell(("municipality", mid, column), values[column])
                        for column in columns])
    for column, total in columns.items():
        parts = [("municipality", row["municipality"].id, column) for row in printed]
        rest = table.values[total] - sum(table.values[key] for key in parts)
        table.line(total, [*parts, table.part(("rest", column), rest)])
    # Every project's row is in the attachment, so all of them are cells.
    parts = []
    for r in projects:
        pid = r["project"].id
        parts.append(table.cell(("project", pid, "placements"), r["placements"]))
        table.cell(("project", pid, "persons"), r["persons"])
    rest = headline["placements"] - sum(table.values[key] for key in parts)
    table.line("placements", [*parts, table.part(("rest", "project placements"), rest)])
    return table.protect()


def annual(year: int, as_of: date) -> Built:
    """Headline figures, per project (up to MAX_PDF_ROWS of them in the PDF, all in the
    attachment) and per municipality, and the year's evaluation findings; counts of
    residents and placements under disclosure control (`_disclosure`)."""
    start, end = date(year, 1, 1), min(date(year, 12, 31), as_of)
    projects = _annual_projects(start, end, as_of)
    all_statuses = sum((row["statuses"] for row in projects), Counter())
    per_municipality = municipality_figures(start, end)
    totals = list(per_municipality.values())
    by_kind = {k: sum(f["placements"][k] for f in totals) for k in PLACEMENT_KINDS}
    follow_ups = {st: sum(f["follow_ups"][st] for f in totals) for st in FOLLOW_UP_STATUSES}
    evaluations, evaluation_count, findings_sheets = evaluation_findings(year)
    headline = {"projects": len(projects), "clauses": sum(all_statuses.values()),
                "met": all_statuses["met"],
                "enrolled": sum(f["enrolled"] for f in totals),
                "persons": sum(f["persons"] for f in totals),
                "moved": sum(f["moved_into_work_or_education"] for f in totals),
                "placements": sum(by_kind.values())}
    kinds = [(k, by_kind.get(k, 0)) for k in PLACEMENT_KINDS]
    statuses = [(st, follow_ups.get(st, 0)) for st in FOLLOW_UP_STATUSES]
    municipalities = by_municipality(per_municipality)
    shown = _disclosure(headline, kinds, statuses, projects, municipalities, per_municipality)
    sheet = Sheet(_("Building projects"), [
        _("Case number"), _("Name"), _("Builder"), _("Municipality"), _("Clauses"),
        *[str(w) for w in CLAUSE_STATUSES.values()], _("Placements"), _("Participants")],
        [[r["project"].case_number, r["project"].name, r["project"].builder,
          r["project"].municipality, r["clauses"],
          *[r["statuses"].get(st, 0) for st in CLAUSE_STATUSES],
          shown.cell(("project", r["project"].id, "placements")),
          shown.cell(("project", r["project"].id, "persons"))]
         for r in projects])
    running = running_by_month(start, end)
    context = {
        "year": year, "start": start, "end": end, "headline": headline, "shown": shown,
        "status_counts": [(st, all_statuses[st]) for st in CLAUSE_STATUSES if all_statuses[st]],
        "by_kind": kinds,
        "follow_ups": statuses,
        # None: more projects than the PDF lists (the attachment has them all).
        "projects": projects if len(projects) <= MAX_PDF_ROWS else None,
        "project_count": len(projects),
        "municipalities": municipalities,
        "evaluations": evaluations, "evaluation_count": evaluation_count,
        "max_rows": MAX_PDF_ROWS,
        # A chart cannot show "<5": with any count from 1 to 4 in it, it is left out.
        "placements_chart": None if has_small_counts(running["series"]) else placements_chart(
            running, _("Running placements per month")),
        "chart_withheld": has_small_counts(running["series"]),
        "attachment_rows": len(projects),  # one sheet row per project
    }
    return Built(title=_("Annual report"),
                 scope=_("The year %(year)s, all building projects", year=year),
                 context=context, sheets=[sheet, *findings_sheets], year=year)


def evaluation_findings(year: int) -> tuple[list[Evaluation], int, list[Sheet]]:
    """The year's evaluations the PDF prints (all, or the MAX_PDF_EVALUATIONS most recently
    changed), how many there are, and the attachment's sheets of all their findings and
    follow-up actions; each by agreement."""
    # Plain rows for the sheets: objects only for the few evaluations printed.
    evaluations = db.session.execute(
        select(Evaluation.id, Evaluation.updated_at, Agreement.ref, Agreement.title,
               Project.case_number, Evaluation.findings, Evaluation.promoting_factors,
               Evaluation.hindering_factors)
        .join(Agreement, Evaluation.agreement_id == Agreement.id)
        .join(Project, Agreement.project_id == Project.id)
        .where(Evaluation.year == year).order_by(Agreement.ref)).all()
    actions = db.session.execute(
        select(Agreement.ref, Project.case_number, EvaluationAction.description,
               EvaluationAction.owner, EvaluationAction.due_date, EvaluationAction.done_on)
        .join(Evaluation, EvaluationAction.evaluation_id == Evaluation.id)
        .join(Agreement, Evaluation.agreement_id == Agreement.id)
        .join(Project, Agreement.project_id == Project.id)
        .where(Evaluation.year == year)
        .order_by(Agreement.ref, EvaluationAction.due_date, EvaluationAction.id)).all()
    # sorted() is stable, also in reverse, so equal times keep the agreements' order.
    newest = [row.id for row in sorted(evaluations, key=lambda row: row.updated_at,
                                       reverse=True)[:MAX_PDF_EVALUATIONS]]
    printed = db.session.scalars(
        select(Evaluation).where(Evaluation.id.in_(newest))
        .options(joinedload(Evaluation.agreement).joinedload(Agreement.project),
                 selectinload(Evaluation.actions))
        .join(Agreement, Evaluation.agreement_id == Agreement.id).order_by(Agreement.ref)
    ).unique().all()
    sheets = [
        Sheet(_("Evaluations"), [
            _("Agreement no."), _("Partnership agreement"), _("Case number"), _("Findings"),
            _("Promoting factors"), _("Hindering factors")],
            [list(row[2:]) for row in evaluations]),
        Sheet(_("Follow-up actions"), [
            _("Agreement no."), _("Case number"), _("Action"), _("Owner"), _("Due"),
            _("Done")], [list(row) for row in actions]),
    ]
    return printed, len(evaluations), sheets
