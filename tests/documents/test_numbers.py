"""Document numbers come from a counter per year, taken before rendering in a transaction of
their own: concurrent issuers are never refused, no number is used twice, and a number
whose document failed stays taken (a gap)."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from tests import factories
from tests.conftest import make_app, scratch_database
from tests.documents.conftest import AS_OF
from tracker.documents import render, service
from tracker.documents.requests import DocumentRequest
from tracker.extensions import db as _db
from tracker.models import Document, DocumentNumberCounter
from tracker.models.base import utcnow

ISSUERS = 4


def test_concurrent_issuers_all_get_a_number_of_their_own(app, db, world, monkeypatch):
    """Four issuers start together, each in its own app context and database session, as
    four workers would. Whatever the interleaving, all four are issued, numbered 1 to 4."""
    ids = DocumentRequest("clause-status", as_of=AS_OF, project=world.project).ids()
    start = threading.Barrier(ISSUERS)
    year = utcnow().year
    # The numbers are taken concurrently; the PDFs are drawn one at a time, since the
    # renderer (Pango) must not run in several threads of one process (workers are
    # processes): together they crashed the test process.
    drawing, write_pdf = threading.Lock(), render.write_pdf

    def one_at_a_time(*args, **kwargs):
        with drawing:
            return write_pdf(*args, **kwargs)

    monkeypatch.setattr(render, "write_pdf", one_at_a_time)

    def issue_one(_):
        with app.app_context():
            try:
                start.wait()
                document = service.issue(DocumentRequest.from_ids("clause-status", ids), None)
                _db.session.commit()
                return document.number
            finally:
                _db.session.remove()

    with ThreadPoolExecutor(ISSUERS) as pool:
        numbers = list(pool.map(issue_one, range(ISSUERS)))
    assert sorted(numbers) == [f"D-{year}-{serial:06d}" for serial in range(1, ISSUERS + 1)]
    assert len(db.session.scalars(select(Document.number)).all()) == ISSUERS
    assert db.session.get(DocumentNumberCounter, year).last_serial == ISSUERS


def test_a_failed_render_keeps_its_number(db, world, monkeypatch):
    req = DocumentRequest("clause-status", as_of=AS_OF, project=world.project)
    year = utcnow().year
    write_pdf = render.write_pdf

    def broken(*args, **kwargs):
        raise RuntimeError("the renderer fell over")

    monkeypatch.setattr(render, "write_pdf", broken)
    with pytest.raises(RuntimeError):
        service.issue(req, None)
    db.session.rollback()
    monkeypatch.setattr(render, "write_pdf", write_pdf)
    document = service.issue(req, None)
    db.session.commit()
    # Number 1 went to the failed attempt: a gap, never a number used twice.
    assert document.number == f"D-{year}-000002"


def test_issuing_while_the_session_has_unsaved_changes(db, world):
    """A caller that has written in its transaction (on SQLite it then holds the one write
    lock) still gets a number, kept with the document when it commits."""
    factories.participant(name="Gry Ventesen")
    document = service.issue(DocumentRequest("clause-status", as_of=AS_OF,
                                             project=world.project), None)
    db.session.commit()
    assert document.number == f"D-{utcnow().year}-000001"


def test_the_counters_start_at_the_highest_number_of_each_year(tmp_path):
    with scratch_database("tracker_0019", tmp_path) as url:
        app = make_app(url)
        with app.app_context():
            upgrade(revision="0018")
            with _db.engine.begin() as conn:
                for number in ("D-2025-000007", "D-2026-000099", "D-2026-000123",
                               "D-2026-1000000"):
                    conn.execute(text(
                        "INSERT INTO documents (number, kind, scope, as_of, parameters, "
                        "issued_at, sha256, size, content) VALUES (:number, 'annual', 'Test', "
                        "'2026-01-01', '{}', '2026-01-01 12:00:00', :sha, 1, :content)"),
                        {"number": number, "sha": "0" * 64, "content": b"x"})
            upgrade()
            with _db.engine.connect() as conn:
                counters = conn.execute(text(
                    "SELECT year, last_serial FROM document_number_counters ORDER BY year")).all()
            _db.engine.dispose()
    # The seven-digit serial of 2026 is the highest, though it sorts first as text.
    assert [tuple(row) for row in counters] == [(2025, 7), (2026, 1_000_000)]
