"""The JSON API under /api/v1 (DESIGN §6): bearer tokens, the same scope as the pages."""
