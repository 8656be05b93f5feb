"""Between sheet and table: the query that reads a table as its sheet's rows (natural keys
instead of ids), and how each column is written back (which column, which id lookup).

The same queries feed the import's comparison (new / changed / unchanged) and the export,
so what is exported is exactly what an import compares with.
"""
from dataclasses import dataclass

from sqlalchemy import Select, null, select
from sqlalchemy.orm import aliased

from tracker.models import (
    Agreement,
    BenefitGroup,
    Clause,
    ContractorReport,
    HousingArea,
    Organisation,
    Participant,
    Placement,
    Project,
    ProjectContractor,
)


@dataclass(frozen=True)
class Target:
    """Where a sheet column goes: the table column, and the entity whose key→id it needs."""

    column: str
    lookup: str | None = None  # organisations, housing_areas, projects, agreements, clauses,
    #                            participants, placements, benefits


MODELS = {
    "organisations": Organisation,
    "housing_areas": HousingArea,
    "projects": Project,
    "project_contractors": ProjectContractor,
    "agreements": Agreement,
    "clauses": Clause,
    "participants": Participant,
    "placements": Placement,
    "contractor_reports": ContractorReport,
}

TARGETS: dict[str, dict[str, Target]] = {
    "organisations": {"cvr": Target("cvr"), "name": Target("name"), "kind": Target("kind"),
                      "municipality_code": Target("municipality_code")},
    "housing_areas": {"name": Target("name"),
                      "municipality_cvr": Target("municipality_id", "organisations")},
    "projects": {"case_number": Target("case_number"), "name": Target("name"),
                 "housing_area": Target("housing_area_id", "housing_areas"),
                 "builder_cvr": Target("builder_id", "organisations"),
                 "start": Target("start_date"), "end": Target("end_date"),
                 "contract_sum": Target("contract_sum"), "craft_cost": Target("craft_cost")},
    "project_contractors": {"case_number": Target("project_id", "projects"),
                            "contractor_cvr": Target("contractor_id", "organisations"),
                            "role": Target("role")},
    "agreements": {"ref": Target("ref"), "case_number": Target("project_id", "projects"),
                   "title": Target("title"), "signed_on": Target("signed_on"),
                   "status": Target("status")},
    "clauses": {"ref": Target("ref"), "agreement_ref": Target("agreement_id", "agreements"),
                "kind": Target("kind"), "unit": Target("unit"), "target": Target("target"),
                "responsible_cvr": Target("responsible_contractor_id", "organisations"),
                "start": Target("start_date"), "end": Target("end_date"),
                "frequency": Target("frequency"), "text": Target("text"),
                "reporting_from": Target("reporting_from")},
    "participants": {"ref": Target("ref"), "name": Target("name"),
                     "birth_year": Target("birth_year"), "gender": Target("gender"),
                     "housing_area": Target("housing_area_id", "housing_areas"),
                     "municipality_cvr": Target("municipality_id", "organisations"),
                     "benefit": Target("benefit_group_id", "benefits"),
                     "intake_date": Target("intake_date"),
                     "consent_date": Target("consent_date")},
    "placements": {"ref": Target("ref"),
                   "participant_ref": Target("participant_id", "participants"),
                   "kind": Target("kind"), "employer_cvr": Target("employer_id", "organisations"),
                   "case_number": Target("project_id", "projects"), "trade": Target("trade"),
                   "start": Target("start_date"), "planned_end": Target("planned_end"),
                   "end": Target("end_date"), "hours_per_week": Target("hours_per_week"),
                   "outcome": Target("outcome"),
                   "next_ref": Target("next_placement_id", "placements")},
    "contractor_reports": {"ref": Target("ref"), "clause_ref": Target("clause_id", "clauses"),
                           "contractor_cvr": Target("contractor_id", "organisations"),
                           "period_start": Target("period_start"),
                           "period_end": Target("period_end"), "persons": Target("persons"),
                           "weeks": Target("weeks"), "hours": Target("hours"),
                           "site_hours": Target("site_hours"), "status": Target("status")},
}

# Text columns that are NOT NULL in the table: an empty cell is stored as "".
EMPTY_TEXT = {("clauses", "text")}


def key_ids(entity: str) -> Select:
    """(natural key, id) of every row of an entity, for resolving references."""
    if entity == "benefits":
        return select(BenefitGroup.code, BenefitGroup.id)
    model = MODELS[entity]
    column = {"organisations": Organisation.cvr, "housing_areas": HousingArea.name,
              "projects": Project.case_number}.get(entity, getattr(model, "ref", None))
    return select(column, model.id)


def sheet_rows(name: str) -> Select:
    """The table read as its sheet: id, the sheet's columns in order, then one extra value
    the import needs (participants: anonymised; reports: report_version; clauses: the
    amount a computed target is derived from), sorted by key."""
    if name == "organisations":
        o = Organisation
        return select(o.id, o.cvr, o.name, o.kind, o.municipality_code, null()).order_by(o.cvr)
    if name == "housing_areas":
        m = aliased(Organisation)
        return (select(HousingArea.id, HousingArea.name, m.cvr, null())
                .join(m, HousingArea.municipality_id == m.id).order_by(HousingArea.name))
    if name == "projects":
        p, b = Project, aliased(Organisation)
        return (select(p.id, p.case_number, p.name, HousingArea.name, b.cvr, p.start_date,
                       p.end_date, p.contract_sum, p.craft_cost, null())
                .join(HousingArea, p.housing_area_id == HousingArea.id)
                .join(b, p.builder_id == b.id).order_by(p.case_number))
    if name == "project_contractors":
        pc, c = ProjectContractor, aliased(Organisation)
        return (select(pc.id, Project.case_number, c.cvr, pc.role, null())
                .join(Project, pc.project_id == Project.id).join(c, pc.contractor_id == c.id)
                .order_by(Project.case_number, c.cvr))
    if name == "agreements":
        a = Agreement
        return (select(a.id, a.ref, Project.case_number, a.title, a.signed_on, a.status, null())
                .join(Project, a.project_id == Project.id).order_by(a.ref))
    if name == "clauses":
        c, r = Clause, aliased(Organisation)
        return (select(c.id, c.ref, Agreement.ref, c.kind, c.unit, c.target, r.cvr,
                       c.start_date, c.end_date, c.frequency, c.text, c.reporting_from,
                       c.target_basis)
                .join(Agreement, c.agreement_id == Agreement.id)
                .outerjoin(r, c.responsible_contractor_id == r.id).order_by(c.ref))
    if name == "participants":
        p, m = Participant, aliased(Organisation)
        return (select(p.id, p.ref, p.name, p.birth_year, p.gender, HousingArea.name, m.cvr,
                       BenefitGroup.code, p.intake_date, p.consent_date,
                       p.anonymised_at.is_not(None))
                .outerjoin(HousingArea, p.housing_area_id == HousingArea.id)
                .outerjoin(m, p.municipality_id == m.id)
                .outerjoin(BenefitGroup, p.benefit_group_id == BenefitGroup.id)
                .order_by(p.ref))
    if name == "placements":
        pl, e, nx = Placement, aliased(Organisation), aliased(Placement)
        return (select(pl.id, pl.ref, Participant.ref, pl.kind, e.cvr, Project.case_number,
                       pl.trade, pl.start_date, pl.planned_end, pl.end_date, pl.hours_per_week,
                       pl.outcome, nx.ref, null())
                .join(Participant, pl.participant_id == Participant.id)
                .join(e, pl.employer_id == e.id)
                .outerjoin(Project, pl.project_id == Project.id)
                .outerjoin(nx, pl.next_placement_id == nx.id).order_by(pl.ref))
    if name == "contractor_reports":
        r, c = ContractorReport, aliased(Organisation)
        # Versions of one period in version order, so an import gives them the same numbers.
        return (select(r.id, r.ref, Clause.ref, c.cvr, r.period_start, r.period_end, r.persons,
                       r.weeks, r.hours, r.site_hours, r.status, r.report_version)
                .join(Clause, r.clause_id == Clause.id).join(c, r.contractor_id == c.id)
                .order_by(Clause.ref, c.cvr, r.period_start, r.report_version, r.ref))
    raise KeyError(name)
