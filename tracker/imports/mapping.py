"""Between sheet and table: the query that reads a table as its sheet's rows (natural keys
instead of ids), and how each column is written back (which column, which id lookup).

The same queries feed the import's comparison (new / changed / unchanged) and the export,
so what is exported is exactly what an import compares with.

Rows without a key of their own (parties, follow-ups, assessments, actions) are sorted by
their parent's key and then in the order they were entered, so an import into an empty
database enters them in that order and every page lists them as before.
"""
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Select, func, null, select
from sqlalchemy.orm import aliased

from tracker.imports.sheets import SPECS
from tracker.models import (
    Agreement,
    AgreementParty,
    BenefitGroup,
    Clause,
    ContractorReport,
    Evaluation,
    EvaluationAction,
    FollowUp,
    HousingArea,
    Organisation,
    Participant,
    Placement,
    ProgressAssessment,
    Project,
    ProjectContractor,
)
from tracker.models.codes import DIMENSIONS


@dataclass(frozen=True)
class Target:
    """Where a sheet column goes: the table column, and the entity whose key→id it needs."""

    column: str | None  # None: the sheet column is not stored (`occurrence`)
    lookup: str | None = None  # organisations, housing_areas, projects, agreements, clauses,
    #                            participants, placements, evaluations, benefits


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
    "agreement_parties": AgreementParty,
    "follow_ups": FollowUp,
    "progress_assessments": ProgressAssessment,
    "evaluations": Evaluation,
    "evaluation_actions": EvaluationAction,
}

TARGETS: dict[str, dict[str, Target]] = {
    "organisations": {"cvr": Target("cvr"), "name": Target("name"), "kind": Target("kind"),
                      "municipality_code": Target("municipality_code"),
                      "email": Target("email")},
    "housing_areas": {"name": Target("name"),
                      "municipality_cvr": Target("municipality_id", "organisations")},
    "projects": {"case_number": Target("case_number"), "name": Target("name"),
                 "housing_area": Target("housing_area_id", "housing_areas"),
                 "builder_cvr": Target("builder_id", "organisations"),
                 "start": Target("start_date"), "end": Target("end_date"),
                 "contract_sum": Target("contract_sum"), "craft_cost": Target("craft_cost"),
                 "status": Target("status")},
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
                     "consent_date": Target("consent_date"),
                     "consent_scope": Target("consent_scope"), "email": Target("email"),
                     "phone": Target("phone"), "readiness": Target("readiness"),
                     "months_unemployed": Target("months_unemployed"),
                     "education_level": Target("education_level"),
                     "pseudonym": Target("pseudonym"), "anonymised_on": Target("anonymised_at"),
                     "intake_age_band": Target("intake_age_band")},
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
                           "site_hours": Target("site_hours"), "status": Target("status"),
                           "comment": Target("comment"), "review_note": Target("review_note")},
    "agreement_parties": {"agreement_ref": Target("agreement_id", "agreements"),
                          "organisation_cvr": Target("organisation_id", "organisations"),
                          "role": Target("role"), "contributions": Target("contributions"),
                          "benefits": Target("benefits")},
    "follow_ups": {"placement_ref": Target("placement_id", "placements"),
                   "months": Target("months"), "status": Target("status"),
                   "follow_up_date": Target("follow_up_date"), "note": Target("note")},
    "progress_assessments": {"participant_ref": Target("participant_id", "participants"),
                             "assessed_on": Target("assessed_on"), "occurrence": Target(None),
                             **{d: Target(d) for d in DIMENSIONS}, "note": Target("note")},
    "evaluations": {"agreement_ref": Target("agreement_id", "agreements"),
                    "year": Target("year"), "findings": Target("findings"),
                    "promoting_factors": Target("promoting_factors"),
                    "hindering_factors": Target("hindering_factors")},
    # The evaluation is found by two columns together (PARENTS).
    "evaluation_actions": {"agreement_ref": Target(None), "year": Target(None),
                           "description": Target("description"), "occurrence": Target(None),
                           "owner": Target("owner"), "due": Target("due_date"),
                           "done_on": Target("done_on")},
}

# References made of several sheet columns: table column → (entity, the sheet's columns).
PARENTS = {"evaluation_actions": {"evaluation_id": ("evaluations", ("agreement_ref", "year"))}}


# Columns that are NOT NULL in the table: what an empty cell is stored as.
EMPTY = {("clauses", "text"): "", ("contractor_reports", "comment"): "",
         ("agreement_parties", "contributions"): [], ("agreement_parties", "benefits"): [],
         ("follow_ups", "note"): "", ("progress_assessments", "note"): "",
         ("evaluations", "findings"): "", ("evaluations", "promoting_factors"): "",
         ("evaluations", "hindering_factors"): ""}


ANONYMISED_ON = SPECS["participants"].index("anonymised_on")


def to_table(sheet: str, column: str, value):
    """A parsed cell as its table column holds it (lookups apart)."""
    if value is None:
        return EMPTY.get((sheet, column))
    if (sheet, column) == ("participants", "anonymised_on"):
        return datetime.combine(value, datetime.min.time(), tzinfo=UTC)
    return value


def as_day(moment: datetime | None) -> date | None:
    """A stored moment as its day in UTC (SQLite gives it back without a time zone)."""
    if moment is None:
        return None
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date()


def sheet_values(name: str, values: tuple) -> tuple:
    """A row of `sheet_rows` (without id and extra) as the sheet holds it."""
    if name == "participants":
        index = ANONYMISED_ON
        return (*values[:index], as_day(values[index]), *values[index + 1:])
    return values


def key_ids(entity: str) -> Select:
    """(natural key, id) of every row of an entity, for resolving references; a key of
    several columns comes as several columns."""
    if entity == "benefits":
        return select(BenefitGroup.code, BenefitGroup.id)
    if entity == "evaluations":
        return select(Agreement.ref, Evaluation.year, Evaluation.id).join(
            Agreement, Evaluation.agreement_id == Agreement.id)
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
        return select(o.id, o.cvr, o.name, o.kind, o.municipality_code, o.email,
                      null()).order_by(o.cvr)
    if name == "housing_areas":
        m = aliased(Organisation)
        return (select(HousingArea.id, HousingArea.name, m.cvr, null())
                .join(m, HousingArea.municipality_id == m.id).order_by(HousingArea.name))
    if name == "projects":
        p, b = Project, aliased(Organisation)
        return (select(p.id, p.case_number, p.name, HousingArea.name, b.cvr, p.start_date,
                       p.end_date, p.contract_sum, p.craft_cost, p.status, null())
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
                       BenefitGroup.code, p.intake_date, p.consent_date, p.consent_scope,
                       p.email, p.phone, p.readiness, p.months_unemployed, p.education_level,
                       p.pseudonym, p.anonymised_at, p.intake_age_band,
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
                       r.weeks, r.hours, r.site_hours, r.status, r.comment, r.review_note,
                       r.report_version)
                .join(Clause, r.clause_id == Clause.id).join(c, r.contractor_id == c.id)
                .order_by(Clause.ref, c.cvr, r.period_start, r.report_version, r.ref))
    if name == "agreement_parties":
        party, o = AgreementParty, aliased(Organisation)
        return (select(party.id, Agreement.ref, o.cvr, party.role, party.contributions,
                       party.benefits, null())
                .join(Agreement, party.agreement_id == Agreement.id)
                .join(o, party.organisation_id == o.id).order_by(Agreement.ref, party.id))
    if name == "follow_ups":
        f = FollowUp
        return (select(f.id, Placement.ref, f.months, f.status, f.follow_up_date, f.note,
                       null())
                .join(Placement, f.placement_id == Placement.id)
                .order_by(Placement.ref, f.months))
    if name == "progress_assessments":
        a = ProgressAssessment
        occurrence = func.row_number().over(partition_by=(a.participant_id, a.assessed_on),
                                            order_by=a.id)
        return (select(a.id, Participant.ref, a.assessed_on, occurrence,
                       *(getattr(a, d) for d in DIMENSIONS), a.note, null())
                .join(Participant, a.participant_id == Participant.id)
                .order_by(Participant.ref, a.assessed_on, a.id))
    if name == "evaluations":
        e = Evaluation
        return (select(e.id, Agreement.ref, e.year, e.findings, e.promoting_factors,
                       e.hindering_factors, null())
                .join(Agreement, e.agreement_id == Agreement.id)
                .order_by(Agreement.ref, e.year))
    if name == "evaluation_actions":
        a, e = EvaluationAction, Evaluation
        occurrence = func.row_number().over(partition_by=(a.evaluation_id, a.description),
                                            order_by=a.id)
        return (select(a.id, Agreement.ref, e.year, a.description, occurrence, a.owner,
                       a.due_date, a.done_on, null())
                .join(e, a.evaluation_id == e.id)
                .join(Agreement, e.agreement_id == Agreement.id)
                .order_by(Agreement.ref, e.year, a.id))
    raise KeyError(name)
