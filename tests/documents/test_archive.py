"""Issuing from the web and the command line, the archive, downloads within scope and the
public verification page."""
import hashlib
import io
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from tests.conftest import make_app
from tests.documents.conftest import AS_OF, pdf_text
from tracker.documents import render, service
from tracker.documents.requests import DocumentRequest, IssueError, check_request
from tracker.extensions import db as _db
from tracker.extensions import limiter
from tracker.models import AuditEvent, Document

NUMBER = re.compile(r"^D-\d{4}-\d{6}$")


def _stored(db, kind, scope="Byggesag T-100", content=b"%PDF-1.7 test", **kw):
    """A document row as the archive holds it (no render needed)."""
    document = Document(number=kw.pop("number"), kind=kind, scope=scope, as_of=AS_OF, parameters={},
                        sha256=hashlib.sha256(content).hexdigest(), size=len(content),
                        content=content, issued_at=datetime(2026, 7, 1, 9, 30, tzinfo=UTC),
                        **kw)
    db.session.add(document)
    db.session.commit()
    return document


# --- Issuing from the web -------------------------------------------------------------------

def test_staff_issues_from_a_project_page_button(db, client, login, world):
    login(world.users["staff"])
    response = client.post("/documents/new", data={"kind": "clause-status",
                                                   "project_id": world.project.id,
                                                   "as_of": "2026-06-30"})
    assert response.status_code == 302
    document = db.session.scalar(select(Document))
    assert response.headers["Location"].endswith(f"/documents/{document.id}")
    assert NUMBER.match(document.number)
    assert document.issued_by_id == world.users["staff"].id
    # The archive keeps the SHA-256 of exactly the stored bytes.
    assert document.sha256 == hashlib.sha256(document.content).hexdigest()
    assert document.size == len(document.content)
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert document.sha256 in page and "Hent PDF-filen" in page and "Hent regnearket" in page
    download = client.get(f"/documents/{document.id}/pdf")
    assert download.status_code == 200 and download.data == document.content
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Disposition"].endswith('-klausulstatus.pdf"')
    attachment = client.get(f"/documents/{document.id}/attachment")
    assert attachment.status_code == 200 and attachment.data[:2] == b"PK"
    text = pdf_text(document.content)
    assert world.users["staff"].name in text  # "Udstedt af <name> den …"


def test_the_document_list_counts_a_new_document_at_once(db, client, login, world):
    """Issuing a document changes no counted data: the list's length must not be kept."""
    login(world.users["staff"])
    _stored(db, "clause-status", number="D-2026-000101", project_id=world.project.id)
    assert "1 række" in client.get("/documents/").get_data(as_text=True)
    _stored(db, "clause-status", number="D-2026-000102", project_id=world.project.id)
    page = client.get("/documents/").get_data(as_text=True)
    assert "2 rækker" in page and "D-2026-000102" in page


@pytest.mark.parametrize("role, kind", [
    ("builder", "pathway"), ("builder", "municipality"), ("contractor", "training"),
    ("municipality", "clause-status"),
])
def test_kinds_a_role_may_not_issue(db, client, login, world, role, kind):
    login(world.users[role])
    response = client.post("/documents/new", data={"kind": kind, "project_id": world.project.id,
                                                   "year": "2026"})
    assert response.status_code == 400
    assert "Ikke et gyldigt valg" in response.get_data(as_text=True)
    with pytest.raises(IssueError, match="Du må ikke udstede en"):
        check_request(DocumentRequest(kind, project=world.project, year=2026),
                              world.users[role], date(2026, 11, 24))
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


@pytest.mark.parametrize("role, kind", [("other_builder", "clause-status"),
                                        ("other_contractor", "clause-status"),
                                        ("builder", "training")])
def test_projects_outside_scope_cannot_be_chosen(db, client, login, world, role, kind):
    project = world.project if role.startswith("other") else world.other_project
    login(world.users[role])
    response = client.post("/documents/new", data={"kind": kind, "project_id": project.id,
                                                   "year": "2026"})
    assert response.status_code == 400
    assert "Ikke et gyldigt valg" in response.get_data(as_text=True)
    with pytest.raises(IssueError, match="inden for din adgang"):
        check_request(DocumentRequest(kind, project=project, year=2026),
                              world.users[role], date(2026, 11, 24))
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_contractor_may_not_speak_for_another_firm(db, client, login, world):
    login(world.users["contractor"])  # C1's user
    response = client.post("/documents/new", data={
        "kind": "compliance", "project_id": world.project.id, "contractor_id": world.c2.id})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_pathway_refused_without_consent_from_the_web(db, client, login, world):
    login(world.users["other_municipality"])  # Fie's municipality
    response = client.post("/documents/new", data={"kind": "pathway",
                                                   "participant_id": world.fie.id})
    assert response.status_code == 400
    assert "kan kun udstedes, når deltagerens samtykke er registreret" in \
        response.get_data(as_text=True)
    # A resident of another municipality is no choice.
    response = client.post("/documents/new", data={"kind": "pathway",
                                                   "participant_id": world.ada.id})
    assert response.status_code == 400
    assert "Ikke et gyldigt valg" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_a_failed_render_gives_a_danish_message_and_issues_nothing(db, client, login, world,
                                                                   monkeypatch):
    def out_of_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(render, "write_pdf", out_of_memory)
    login(world.users["builder"])
    response = client.post("/documents/new", data={"kind": "clause-status",
                                                   "project_id": world.project.id})
    assert response.status_code == 400
    assert "Dokumentet krævede mere hukommelse end tilladt" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_the_issue_form_offers_only_what_the_user_may_issue(db, client, login, world):
    login(world.users["municipality"])
    page = client.get("/documents/new").get_data(as_text=True)
    assert "Kommunerapport" in page and "Forløbsbeskrivelse" in page
    assert "Klausulstatus" not in page
    page = client.get("/documents/new?kind=municipality").get_data(as_text=True)
    assert f'<option value="{world.m.id}">Testrup Kommune</option>' in page
    assert "Andeby Kommune" not in page


# --- The list and downloads within scope --------------------------------------------------------

@pytest.fixture()
def archive(db, world):
    """One stored document of each kind about the world's project, municipality and Ada,
    and one about the other side."""
    kinds = {
        "clause-status": {"project_id": world.project.id},
        "training": {"project_id": world.project.id, "year": 2026},
        "compliance": {"project_id": world.project.id, "organisation_id": world.c1.id},
        "municipality": {"organisation_id": world.m.id},
        "pathway": {"participant_id": world.ada.id},
        "annual": {"year": 2026},
    }
    docs = {kind: _stored(db, kind, content=f"%PDF-1.7 {kind}".encode(), number=f"D-2026-00010{i}",
                          attachment=b"PK xlsx", **keys)
            for i, (kind, keys) in enumerate(kinds.items())}
    docs["other"] = _stored(db, "clause-status", scope="Byggesag A-200", number="D-2026-000200",
                            content=b"%PDF-1.7 other", project_id=world.other_project.id)
    return docs


SEES = {
    "builder": {"clause-status", "compliance", "training"},
    "contractor": {"clause-status", "compliance"},
    "municipality": {"clause-status", "training", "municipality", "pathway"},
    "staff": {"clause-status", "training", "compliance", "municipality", "pathway", "annual",
              "other"},
}


@pytest.mark.parametrize("role", list(SEES))
def test_downloads_within_scope_only(db, client, login, world, archive, role):
    login(world.users[role])
    listing = client.get("/documents/").get_data(as_text=True)
    for kind, document in archive.items():
        allowed = kind in SEES[role]
        for suffix in ("", "/pdf", "/attachment"):
            response = client.get(f"/documents/{document.id}{suffix}")
            if not allowed:
                assert response.status_code == 404, (role, kind, suffix)
            elif suffix == "/pdf":
                assert response.status_code == 200 and response.data == document.content
                assert response.headers["Cache-Control"] == "no-store"
        assert (document.number in listing) == allowed, (role, kind)


def test_other_organisations_get_404(db, client, login, world, archive):
    for role in ("other_builder", "other_contractor", "other_municipality"):
        login(world.users[role])
        for kind, document in archive.items():
            if kind != "other":
                assert client.get(f"/documents/{document.id}/pdf").status_code == 404, role
                assert client.get(f"/documents/{document.id}").status_code == 404, role
        # The other side's own project document is theirs to download.
        assert client.get(f"/documents/{archive['other'].id}/pdf").status_code == 200, role


def test_pathway_download_is_logged_for_the_participant(db, client, login, world, archive):
    login(world.users["municipality"])
    assert client.get(f"/documents/{archive['pathway'].id}/pdf").status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event.participant_id == world.ada.id and event.entity == "documents"


def test_list_filters_by_project_and_municipality(db, client, login, world, archive):
    login(world.users["staff"])
    by_project = client.get(f"/documents/?project={world.other_project.id}").get_data(as_text=True)
    assert "D-2026-000200" in by_project and "D-2026-000100" not in by_project
    by_municipality = client.get(f"/documents/?municipality={world.m.id}").get_data(as_text=True)
    for kind in ("clause-status", "training", "compliance", "municipality", "pathway"):
        assert archive[kind].number in by_municipality, kind
    assert "D-2026-000200" not in by_municipality and archive["annual"].number not in by_municipality


# --- Verification ---------------------------------------------------------------------------

def test_verify_the_real_file_a_tampered_one_and_typed_number(db, client, world):
    document = service.issue(DocumentRequest("clause-status", as_of=AS_OF,
                                             project=world.project), None)
    db.session.commit()
    content = document.content
    found = client.post("/verify", data={"file": (io.BytesIO(content), "dokument.pdf")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "Udstedt af systemet" in found and document.number in found
    assert "Klausulstatus" in found and "Byggesag T-100 Renovering af Testparken" in found
    # Nothing more: no figures, no issuer, no names.
    assert "50,0" not in found and "Testesen" not in found and "Opgjort" not in found
    tampered = bytearray(content)
    tampered[len(tampered) // 2] ^= 0x01
    answer = client.post("/verify", data={"file": (io.BytesIO(bytes(tampered)), "dokument.pdf")},
                         content_type="multipart/form-data").get_data(as_text=True)
    assert "Ikke udstedt af systemet" in answer and document.number not in answer
    response = client.post("/verify", data={"number": document.number.lower(),
                                            "sha256": document.sha256.upper()})
    typed = response.get_data(as_text=True)
    # Failed once in CI without a clue; the status and the page's main part tell why.
    assert response.status_code == 200, _main(typed)
    assert "Udstedt af systemet" in typed and document.number in typed, _main(typed)
    wrong = client.post("/verify", data={"number": "D-2026-999999",
                                         "sha256": document.sha256}).get_data(as_text=True)
    assert "Ikke udstedt af systemet" in wrong


def _main(page: str) -> str:
    return page.split("<main", 1)[-1].split("</main>", 1)[0]


def test_verify_refuses_bad_input_and_large_files(db, client):
    page = client.post("/verify", data={"number": "123", "sha256": "xyz"}).get_data(as_text=True)
    assert "Et dokumentnummer ser sådan ud" in page and "64 tegn 0–9 og a–f" in page
    big = io.BytesIO(b"%PDF-" + b"0" * (11 * 1024 * 1024))
    response = client.post("/verify", data={"file": (big, "stor.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Filen er større end 10 MB" in response.get_data(as_text=True)


def test_verify_is_rate_limited(migrated):
    app = make_app(migrated, RATELIMIT_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        try:
            codes = [client.post("/verify", data={"number": "D-2026-000001",
                                                  "sha256": "0" * 64}).status_code
                     for _ in range(31)]
        finally:
            # The limiter is one object for every app of the run: leave no counts behind.
            limiter.reset()
            _db.engine.dispose()
    assert codes[:30] == [200] * 30 and codes[30] == 429


# --- The command line -----------------------------------------------------------------------

def test_cli_issues_as_the_system(db, runner, world, tmp_path):
    target = tmp_path / "kommune.pdf"
    result = runner.invoke(args=["document", "municipality", "--municipality", world.m.cvr,
                                 "--from", "2026-01-01", "--to", "2026-06-30",
                                 "--as-of", "2026-06-30", "-o", str(target)])
    assert result.exit_code == 0, result.output
    document = db.session.scalar(select(Document))
    assert document.issued_by_id is None and document.kind == "municipality"
    assert target.read_bytes() == document.content
    # A municipality report goes without a spreadsheet of persons (disclosure control).
    assert document.attachment is None and not (tmp_path / "kommune.xlsx").exists()
    assert document.number in result.output and document.sha256 in result.output
    assert "Udstedt af systemet den" in pdf_text(document.content)


@pytest.mark.parametrize("args, message", [
    (["clause-status"], "kræver --project"),
    (["clause-status", "--project", "T-100", "--year", "2026"], "bruger ikke --year"),
    (["compliance", "--project", "T-100"], "kræver --contractor"),
    (["clause-status", "--project", "NOPE"], "Ingen byggesag har sagsnummer NOPE"),
    (["municipality", "--municipality", "99999999", "--from", "2026-01-01", "--to", "2026-06-30"],
     "Ingen organisation har CVR-nummer 99999999"),
    (["municipality", "--municipality", "{c1}", "--from", "2026-01-01", "--to", "2026-06-30"],
     "er ikke en kommune"),
    (["municipality", "--municipality", "{m}", "--from", "2026-06-30", "--to", "2026-01-01",
      "--as-of", "2026-06-30"], "Perioden må ikke slutte, før den begynder"),
    (["municipality", "--municipality", "{m}", "--from", "1.1.2026", "--to", "2026-06-30"],
     "skal være en dato skrevet ÅÅÅÅ-MM-DD"),
    (["compliance", "--project", "T-100", "--contractor", "{c3}"],
     "Fremmed Byg A/S er ikke entreprenør på byggesag T-100"),
    (["pathway", "--participant", "D-9"], "samtykke er registreret"),
    (["annual", "--year", "2026", "--as-of", "2999-01-01"], "kan ikke ligge efter i dag"),
    (["training", "--project", "T-100", "--year", "2025", "--as-of", "2025-12-31"],
     "har ingen dage i 2025"),
    (["report", "--project", "T-100"], "Invalid value for 'KIND'"),
])
def test_cli_errors(db, runner, world, tmp_path, args, message):
    args = [a.format(c1=world.c1.cvr, c3=world.c3.cvr, m=world.m.cvr) for a in args]
    result = runner.invoke(args=["document", *args, "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0
    assert message in result.output, result.output
    assert not (tmp_path / "x.pdf").exists()
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_cli_help_names_every_option(runner):
    result = runner.invoke(args=["document", "--help"])
    assert result.exit_code == 0
    for option in ("--project", "--contractor", "--municipality", "--from", "--to",
                   "--participant", "--year", "--as-of", "-o"):
        assert option in result.output
