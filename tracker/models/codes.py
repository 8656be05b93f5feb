"""Code values of DESIGN §3-§4 and the words users read for them (GLOSSARY.md).

Stored values are English codes; labels are lazily translated, Danish by default.
"""
from tracker.i18n import lazy_gettext as _l

ROLES = {
    "admin": _l("Administrator"),
    "staff": _l("Secretariat staff"),
    "contractor": _l("Contractor"),
    "builder": _l("Builder"),
    "municipality": _l("Municipality"),
}
# Roles bound to one organisation, and the organisation kind each must have.
ORG_ROLES = {"contractor": "contractor", "builder": "builder", "municipality": "municipality"}

ORG_KINDS = {
    "builder": _l("Builder (housing association)"),
    "contractor": _l("Contractor"),
    "municipality": _l("Municipality"),
    "secretariat": _l("Secretariat"),
    "education": _l("Education provider"),
    "other": _l("Other"),
}

PROJECT_STATUSES = {
    "planned": _l("Planned"),
    "active": _l("In progress"),
    "completed": _l("Completed"),
}

CONTRACTOR_ROLES = {"main": _l("Main contractor"), "sub": _l("Subcontractor")}

PLACEMENT_KINDS = {
    "internship": _l("Internship"),
    "wage_subsidy": _l("Wage-subsidy job"),
    "apprenticeship": _l("Apprenticeship"),
    "ordinary_job": _l("Ordinary job"),
}
CLAUSE_KINDS = {**PLACEMENT_KINDS, "any": _l("Any kind")}

UNITS = {
    "persons": _l("Persons"),
    "weeks": _l("Weeks"),
    "hours": _l("Hours"),
    "apprentice_years": _l("Apprentice years"),
    "percent_hours": _l("Share of site hours (%)"),
}

CLAUSE_STATUSES = {
    "met": _l("Met"),
    "on_track": _l("On track"),
    "at_risk": _l("At risk"),
    "no_data": _l("No data"),
    "not_started": _l("Not started"),
}

TARGET_BASES = {"contract_sum": _l("Contract sum"), "craft_cost": _l("Craft cost")}

FREQUENCIES = {"monthly": _l("Monthly"), "quarterly": _l("Quarterly")}

REPORT_STATUSES = {
    "submitted": _l("Submitted"),
    "approved": _l("Approved"),
    "returned": _l("Returned"),
}

# A reporting obligation's state: due until a report is submitted, then the newest
# version's status; or waived by the secretariat.
OBLIGATION_STATES = {
    "due": _l("Not reported"),
    **REPORT_STATUSES,
    "waived": _l("Waived"),
}

AGREEMENT_STATUSES = {"draft": _l("Draft"), "active": _l("Active"), "closed": _l("Closed")}

GENDERS = {"f": _l("Woman"), "m": _l("Man"), "x": _l("Other or not stated")}

READINESS = {"job_ready": _l("Job-ready"), "activity_ready": _l("Activity-ready")}

EDUCATION_LEVELS = {
    "primary": _l("Primary school"),
    "upper_secondary": _l("Upper secondary"),
    "vocational": _l("Vocational education"),
    "higher": _l("Higher education"),
    "foreign": _l("Foreign education, not recognised"),
    "unknown": _l("Unknown"),
}

OUTCOMES = {
    "ordinary_job": _l("Ordinary job"),
    "education": _l("Education"),
    "next_placement": _l("Next placement"),
    "unemployed": _l("Unemployed"),
    "dropped_out": _l("Dropped out"),
    "other": _l("Other"),
}

FOLLOW_UP_STATUSES = {
    "employed": _l("Employed"),
    "education": _l("In education"),
    "unemployed": _l("Unemployed"),
    "unknown": _l("Unknown"),
}
FOLLOW_UP_MONTHS = (3, 6, 12)

DIMENSIONS = {
    "work_readiness": _l("Work readiness"),
    "danish_language": _l("Danish language"),
    "professional_skills": _l("Professional skills"),
    "attendance": _l("Attendance"),
    "well_being": _l("Well-being"),
    "network": _l("Network"),
    "self_confidence": _l("Self-confidence"),
}

BENEFITS = {
    "dagpenge": _l("Unemployment insurance benefit"),
    "kontanthjaelp": _l("Social assistance"),
    "uddannelseshjaelp": _l("Education assistance"),
    "integrationsydelse": _l("Integration benefit"),
    "sygedagpenge": _l("Sickness benefit"),
    "jobafklaring": _l("Job clarification"),
    "ressourceforloeb": _l("Resource programme"),
    "ledighedsydelse": _l("Flex-job waiting benefit"),
    "none": _l("No benefit"),
    "other": _l("Other benefit"),
}

DOCUMENT_KINDS = {
    "clause-status": _l("Clause status report"),
    "compliance": _l("Compliance statement"),
    "municipality": _l("Municipality report"),
    "pathway": _l("Participant pathway"),
    "annual": _l("Annual report"),
    "training": _l("Training report"),
}

# Age bands of the statistics, by the age reached in the year of intake. An anonymised
# participant keeps only the band (the birth year goes), so every figure stays the same.
AGE_BANDS = {
    "u25": _l("Under 25"), "25-29": _l("25–29"), "30-39": _l("30–39"), "40-49": _l("40–49"),
    "50+": _l("50 and over"),
}

# What the retention rules cover (`flask retention`), each kept this many months.
RETENTION_KINDS = {
    "participants": _l("Participants, after their last activity"),
    "consent_documents": _l("Consent documents, after the participant's last activity"),
    "evidence_files": _l("Evidence files of reports, after the report's period"),
    "access_log": _l("Access log (who looked at whom)"),
    "person_documents": _l("Issued documents naming a person (pathways), after issue"),
}

ACCESS_PURPOSES = {
    "casework": _l("Casework"),
    "follow_up": _l("Follow-up"),
    "reporting": _l("Reporting"),
    "data_request": _l("Request from the resident"),
}


def label(mapping: dict, code) -> str:
    """The user-facing word for a code value; the code itself when unknown."""
    if code is None:
        return ""
    return str(mapping.get(code, code))
