"""The OpenAPI 3.1 document of /api/v1, kept beside the routes it describes."""

DATE = {"type": "string", "format": "date"}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
NUMBER = {"type": ["number", "null"], "description": "Rounded to two decimals."}
ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
KINDS = ["internship", "wage_subsidy", "apprenticeship", "ordinary_job"]
UNITS = ["persons", "weeks", "hours", "apprentice_years", "percent_hours"]
STATUSES = ["met", "on_track", "at_risk", "no_data", "not_started"]
# Text without NUL characters: every request carrying one is refused with 400.
TEXT = {"type": "string", "pattern": "^[^\\x00]*$"}
PSEUDONYM = {"type": "string", "pattern": "^P-[2-9A-HJ-NP-Z]{6}$",
             "description": "A participant's pseudonym, e.g. P-7KQ2MX."}


def _obj(properties: dict, required=None) -> dict:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _list(key: str, item: str) -> dict:
    return _obj({key: {"type": "array", "items": _ref(item)}, "page": {"type": "integer"},
                 "per_page": {"type": "integer"}, "total": {"type": "integer"}})


SCHEMAS = {
    "Error": _obj({"error": _obj({"status": {"type": "integer"}, "message": {"type": "string"}})}),
    "Project": _obj({
        "id": ID, "case_number": {"type": "string"}, "name": {"type": "string"},
        "housing_area": {"type": "string"}, "municipality_cvr": {"type": "string"},
        "builder": _obj({"cvr": {"type": "string"}, "name": {"type": "string"}}),
        "start": DATE, "end": DATE, "status": {"type": "string"},
        "contract_sum": NUMBER, "craft_cost": NUMBER}),
    "ProjectList": _list("projects", "Project"),
    "ClauseFigures": _obj({
        "ref": {"type": "string"}, "kind": {"type": "string", "enum": [*KINDS, "any"]},
        "unit": {"type": "string", "enum": UNITS}, "target": NUMBER, "registered": NUMBER,
        "reported": NUMBER, "percent": NUMBER,
        "status": {"type": "string", "enum": STATUSES}, "discrepancy": {"type": "boolean"}}),
    "Fulfilment": _obj({
        "project_id": ID, "case_number": {"type": "string"}, "as_of": DATE,
        "clauses": {"type": "array", "items": _ref("ClauseFigures")}}),
    "MunicipalitySummary": _obj({
        "municipality": _obj({"cvr": {"type": "string"}, "name": {"type": "string"},
                              "code": {"type": ["string", "null"]}}),
        "from": DATE, "to": DATE, "enrolled": {"type": "integer", "minimum": 0},
        "placements": _obj({k: {"type": "integer", "minimum": 0} for k in KINDS}),
        "moved_into_work_or_education": {"type": "integer", "minimum": 0},
        "follow_ups": _obj({s: {"type": "integer", "minimum": 0}
                            for s in ("employed", "education", "unemployed", "unknown")})}),
    "Clause": _obj({
        "id": ID, "ref": {"type": "string"}, "project_id": ID, "agreement_ref": {"type": "string"},
        "kind": {"type": "string"}, "unit": {"type": "string"}, "target": NUMBER,
        "responsible_cvr": {"type": ["string", "null"]}, "start": NULLABLE_DATE,
        "end": NULLABLE_DATE, "frequency": {"type": "string", "enum": ["monthly", "quarterly"]}}),
    "ClauseList": _list("clauses", "Clause"),
    "ClauseWithFigures": {"allOf": [_ref("Clause"), _obj({
        "as_of": DATE, "registered": NUMBER, "reported": NUMBER, "percent": NUMBER,
        "status": {"type": "string", "enum": STATUSES}, "discrepancy": {"type": "boolean"}})]},
    # The fields depend on the token user's role: builders get the pseudonym only,
    # contractors the pseudonym and the name, the municipality id, reference and details
    # but not the pseudonym, the secretariat all.
    "Participant": {**_obj({
        "id": ID, "pseudonym": PSEUDONYM, "ref": {"type": "string"},
        "name": {"type": "string"}, "birth_year": {"type": ["integer", "null"]},
        "gender": {"type": ["string", "null"]}, "housing_area": {"type": ["string", "null"]},
        "municipality_cvr": {"type": ["string", "null"]}, "benefit": {"type": ["string", "null"]},
        "readiness": {"type": ["string", "null"]}, "intake_date": NULLABLE_DATE,
        "consent_date": NULLABLE_DATE, "consent_withdrawn_on": NULLABLE_DATE}, required=[]),
        "description": "Builders: pseudonym. Contractors: pseudonym, name. Municipality: "
                       "id, ref, name and details. Secretariat: all."},
    "ParticipantList": _list("participants", "Participant"),
    "Placement": _obj({
        "id": ID, "ref": {"type": "string"}, "participant_id": ID, "participant": PSEUDONYM,
        "kind": {"type": "string", "enum": KINDS}, "employer_cvr": {"type": "string"},
        "project_id": {"type": ["integer", "null"]}, "trade": {"type": ["string", "null"]},
        "start": DATE, "planned_end": NULLABLE_DATE, "end": NULLABLE_DATE,
        "hours_per_week": NUMBER, "next_placement_id": {"type": ["integer", "null"]},
        "outcome": {"type": ["string", "null"]}},
        required=["id", "kind", "employer_cvr", "start"]),
    "PlacementList": _list("placements", "Placement"),
    "NewReport": {"type": "object", "additionalProperties": False, "required": [
        "clause_id", "period_start"], "properties": {
        "clause_id": ID, "period_start": {**DATE, "description": "First day of one of the "
                                          "clause's monthly or quarterly reporting periods."},
        "persons": {"type": "integer", "minimum": 0}, "weeks": {"type": "number", "minimum": 0},
        "hours": {"type": "number", "minimum": 0}, "site_hours": {"type": "number", "minimum": 0},
        "comment": {"type": "string", "maxLength": 4000}}},
    "Report": _obj({
        "id": ID, "ref": {"type": "string"}, "clause_id": ID, "contractor_cvr": {"type": "string"},
        "period_start": DATE, "period_end": DATE, "version": {"type": "integer", "minimum": 1},
        "status": {"type": "string", "enum": ["submitted", "approved", "returned"]},
        "persons": {"type": ["integer", "null"]}, "weeks": NUMBER, "hours": NUMBER,
        "site_hours": NUMBER, "comment": {"type": "string"}}),
}

PAGING = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
]


def _path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID}


def _query(name: str, schema: dict, required: bool = False, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description}


def _get(summary: str, schema: str, parameters: list, errors=(400, 401, 404)) -> dict:
    messages = {400: "Bad input; the message says why.", 401: "No valid bearer token.",
                404: "Not found, or outside the token user's access."}
    responses = {"200": {"description": "OK",
                         "content": {"application/json": {"schema": _ref(schema)}}}}
    for code in errors:
        responses[str(code)] = {"description": messages[code],
                                "content": {"application/json": {"schema": _ref("Error")}}}
    return {"get": {"summary": summary, "parameters": parameters, "responses": responses}}


def openapi_document(base: str) -> dict:
    """The document, with the server URL the API is mounted at."""
    as_of = _query("as_of", DATE, description="As-of date; today when left out. An empty "
                   "or unreadable value is refused (400), never read as today.")
    return {
        "openapi": "3.1.0",
        "info": {"title": "Partnership and placement tracker API", "version": "1",
                 "description": "The same role scope as the web pages. Figures follow the "
                                "counting rules of the design (as of a date)."},
        "servers": [{"url": base}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "A token from `flask create-token`."}},
            "schemas": SCHEMAS,
        },
        "paths": {
            "/projects": _get("Projects within scope", "ProjectList", [
                _query("case_number", TEXT, description="Exact case number."),
                *PAGING], errors=(400, 401)),
            "/projects/{project_id}": _get("One project", "Project", [_path_id("project_id")]),
            "/projects/{project_id}/fulfilment": _get(
                "Every clause of a project with its figures", "Fulfilment",
                [_path_id("project_id"), as_of]),
            "/municipalities/{cvr}/summary": _get(
                "Figures for a municipality's residents in a period", "MunicipalitySummary", [
                    {"name": "cvr", "in": "path", "required": True, "schema": TEXT},
                    _query("from", DATE, required=True), _query("to", DATE, required=True)]),
            "/clauses": _get("Clauses within scope", "ClauseList", [
                _query("project_id", ID), *PAGING]),
            "/clauses/{clause_id}": _get("One clause with its figures", "ClauseWithFigures",
                                         [_path_id("clause_id"), as_of]),
            "/participants": _get("Participants within scope (fields by role)",
                                  "ParticipantList", PAGING, errors=(400, 401)),
            "/participants/{participant_id}": _get(
                "One participant by id (the secretariat and the municipality)", "Participant",
                [_path_id("participant_id")]),
            "/participants/{pseudonym}": _get(
                "One participant by pseudonym (the secretariat, contractors and builders)",
                "Participant", [{"name": "pseudonym", "in": "path", "required": True,
                                 "schema": PSEUDONYM}]),
            "/placements": _get("Placements within scope", "PlacementList", [
                _query("participant", PSEUDONYM, description="The participant's pseudonym "
                       "(the secretariat, contractors and builders)."),
                _query("participant_id", ID, description="The participant's id (the "
                       "secretariat and the municipality)."),
                _query("project_id", ID), *PAGING]),
            "/placements/{placement_id}": _get("One placement", "Placement",
                                               [_path_id("placement_id")]),
            "/reports": {"post": {
                "summary": "Submit a contractor report (contractor users; the same checks as "
                           "the portal; a second report on a period is a new version)",
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": _ref("NewReport")}}},
                "responses": {
                    "201": {"description": "Stored as submitted, awaiting review.",
                            "content": {"application/json": {"schema": _ref("Report")}}},
                    **{str(code): {"description": text, "content": {
                        "application/json": {"schema": _ref("Error")}}}
                       for code, text in ((400, "Bad input; the message says why."),
                                          (401, "No valid bearer token."),
                                          (403, "Only contractor users submit reports."),
                                          (404, "No such clause within your access."),
                                          (409, "A report on the same period arrived at the "
                                                "same moment."))}},
            }},
            "/reports/{report_id}": _get("One contractor report (one version)", "Report",
                                         [_path_id("report_id")]),
        },
    }
