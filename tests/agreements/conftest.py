"""Agreements reuse the project tests' small world (Aarhus, Gellerup, Brabrand, Kærhøj)."""
from tests.projects.conftest import project, site  # noqa: F401  (fixtures)
