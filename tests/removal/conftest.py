"""The hand-made world of the documents' tests (figures worked out there)."""
from tests.documents.conftest import document_cli, world  # noqa: F401
