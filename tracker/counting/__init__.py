"""The counting rules of DESIGN §4, in one place: pages, the API, dashboards, documents,
the demo and the benchmark count with these and nothing else.

- `placements`: effective end, overlap days, overlapping a period, running;
- `clauses`: counts toward, registered and reported values, fulfilment, status,
  discrepancy (`clause_figures`), and the same inside a reporting period (`window_registered`);
- `pathways`: moved into work or education, the chain internship → wage subsidy → ordinary
  job, the end of a pathway and its follow-ups' due dates, placements still to close;
- `municipality`: every figure of a municipality's residents in a period.
"""
from tracker.counting.clauses import (
    ClauseFigures,
    Window,
    clause_figure,
    clause_figures,
    rounded,
    window_registered,
)
from tracker.counting.municipality import SUMMARY_FIELDS, municipality_summary
from tracker.counting.pathways import moved_into_work_or_education, moving
from tracker.counting.placements import effective_end, effective_end_of, overlap_days, running

__all__ = [
    "ClauseFigures", "SUMMARY_FIELDS", "Window", "clause_figure", "clause_figures",
    "effective_end", "effective_end_of", "moved_into_work_or_education", "moving",
    "municipality_summary", "overlap_days", "rounded", "running", "window_registered",
]
