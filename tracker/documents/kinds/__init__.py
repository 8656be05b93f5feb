"""What goes into each of the six documents of DESIGN §5, one module each.

Figures come from the counting rules (`tracker.counting`) so a document says what the
dashboard and the API say; the rest are SQL aggregates with a fixed number of queries per
document, whatever its size.
Person-level rows go into the XLSX attachment with pseudonyms, never into the PDF.
"""
from flask_babel import force_locale

from tracker.documents.content import Built
from tracker.documents.kinds import (
    annual,
    clause_status,
    compliance,
    municipality,
    pathway,
    training,
)


def build(req) -> Built:
    """The content of a checked DocumentRequest, in Danish."""
    with force_locale("da"):
        if req.kind == "clause-status":
            return clause_status.clause_status(req.project, req.as_of)
        if req.kind == "compliance":
            return compliance.compliance(req.project, req.contractor, req.as_of)
        if req.kind == "municipality":
            return municipality.municipality_report(req.municipality, req.date_from,
                                                    req.date_to, req.as_of)
        if req.kind == "pathway":
            return pathway.pathway(req.participant, req.as_of)
        if req.kind == "annual":
            return annual.annual(req.year, req.as_of)
        return training.training(req.project, req.year, req.as_of)
