"""The clause rules of DESIGN §4 under their former names; they live in tracker.counting."""
from tracker.counting.clauses import (  # noqa: F401
    DAYS_PER_WEEK,
    DAYS_PER_YEAR,
    DISCREPANCY_SHARE,
    FULL_TIME_HOURS,
    ClauseFigures,
    Window,
    clause_figure,
    clause_figures,
    rounded,
    window_registered,
)
