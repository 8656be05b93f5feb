"""The Danish demo data set behind `flask --app tracker seed-demo`.

Four real municipalities (with their real CVR and kommunekode), five housing areas,
six building projects, partnership agreements with clauses, 40 residents and 80
placements forming pathways, contractor reports, follow-ups, progress assessments,
evaluations and one user per role. Every other CVR is fictitious (modulus-11 valid).

Dates are relative to today so the demo always looks current; everything else is
drawn from `random.Random(2026)` (one generator per part). Every row is looked up by
its natural key first, so running the seed again adds nothing. The caller commits.
`data` holds the fixed content, `plans` draws the pathways, `writing` writes it all.
"""
from tracker.demo.writing import existing_logins, seed

__all__ = ["existing_logins", "seed"]
