"""Safe rendering: only the static folder's stylesheet and fonts are ever loaded; user text
stays text; PDF/A with its metadata."""
import http.server
import io
import re
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.documents.conftest import AS_OF, pdf_text
from tracker.documents import render, service
from tracker.documents.render import RefusedURL, StaticOnlyFetcher, static_file_for
from tracker.documents.requests import DocumentRequest

STATIC = Path(__file__).resolve().parents[2] / "static"


@pytest.fixture()
def http_server():
    """A local HTTP server that records every request it receives."""
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], requests
    server.shutdown()
    server.server_close()


# --- The URL fetcher --------------------------------------------------------------------------

def test_fetcher_serves_the_stylesheet_and_fonts():
    fetcher = StaticOnlyFetcher(STATIC)
    response = fetcher.fetch((STATIC / "css" / "pdf.css").as_uri())
    assert b"@font-face" in response.read() and response.content_type == "text/css"
    assert static_file_for((STATIC / "fonts" / "DejaVuSans.ttf").as_uri(), STATIC).name == \
        "DejaVuSans.ttf"


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    (STATIC / "css").as_uri() + "/../../../../../etc/passwd",
    (STATIC / "css").as_uri() + "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "file://evil.example/" + str(STATIC / "css" / "pdf.css"),
    (STATIC / "fonts" / "LICENSE-DejaVu.txt").as_uri(),  # inside, but not a stylesheet or font
    "http://127.0.0.1:9/x.css",
    "https://example.com/x.css",
    "data:text/css,body{color:red}",
    "ftp://127.0.0.1/x",
    "css/pdf.css",  # relative URLs are resolved by WeasyPrint before they reach the fetcher
])
def test_fetcher_refuses_everything_else(url):
    with pytest.raises(RefusedURL):
        static_file_for(url, STATIC)
    with pytest.raises(RefusedURL):
        StaticOnlyFetcher(STATIC).fetch(url)


def test_fetcher_does_not_follow_symlinks_out_of_the_folder(tmp_path):
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "ok.css").write_text("p { color: black }")
    (static / "css" / "evil.css").symlink_to("/etc/passwd")
    (static / "fonts").symlink_to("/usr/share/fonts/truetype/dejavu")
    assert static_file_for((static / "css" / "ok.css").as_uri(), static).name == "ok.css"
    with pytest.raises(RefusedURL):
        static_file_for((static / "css" / "evil.css").as_uri(), static)
    with pytest.raises(RefusedURL):
        static_file_for((static / "fonts" / "DejaVuSans.ttf").as_uri(), static)


# --- Hostile markup never fetches anything ------------------------------------------------------

def _hostile(port: int) -> str:
    return (
        f'<img src="file:///etc/passwd"> <link rel="stylesheet" href="file:///etc/passwd"> '
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x"> '
        f'<img src="http://127.0.0.1:{port}/img.png"> http://127.0.0.1:{port}/x')


def _squeezed(text: str) -> str:
    """Text without the spaces and hyphens that line breaking in narrow cells adds."""
    return re.sub(r"[\s\u2010\u00ad]+", "", text)


def test_user_text_renders_as_plain_text_and_triggers_no_fetch(db, world, http_server):
    port, requests = http_server
    payload = _hostile(port)
    name = (f'Ada <img src="file:///etc/passwd"> '
            f'<link rel="stylesheet" href="file:///etc/passwd"> http://127.0.0.1:{port}/x')
    world.ada.name = name
    world.agreement.title = f'<style>@import url("http://127.0.0.1:{port}/import");</style>'
    world.agreement.parties[0].contributions = [
        f'<link rel="attachment" href="file:///etc/passwd"> <base href="http://127.0.0.1:{port}/">']
    from tracker.models import ContractorReport

    report = db.session.query(ContractorReport).one()
    report.comment = payload
    db.session.commit()
    pathway = service.issue(DocumentRequest("pathway", as_of=AS_OF, participant=world.ada), None)
    status = service.issue(DocumentRequest("clause-status", as_of=AS_OF, project=world.project),
                           None)
    db.session.commit()
    assert _squeezed(name) in _squeezed(pdf_text(pathway.content))  # all of it, as text
    text = _squeezed(pdf_text(status.content))
    # (The report comment may be split by a page break, so piece by piece here.)
    assert all(_squeezed(piece) in text for piece in payload.split())
    for document in (pathway, status):
        assert "root:x:0:0" not in pdf_text(document.content)
        reader = PdfReader(io.BytesIO(document.content))
        assert not reader.attachments
        assert all(not page.images for page in reader.pages)
    assert _squeezed(world.agreement.title) in _squeezed(pdf_text(status.content))
    assert _squeezed('<link rel="attachment" href="file:///etc/passwd">') in \
        _squeezed(pdf_text(status.content))
    assert requests == []


def test_even_raw_hostile_html_loads_nothing(http_server):
    """Defence in depth: were a template ever to emit user markup unescaped, the fetcher
    would still refuse it."""
    port, requests = http_server
    html = (f'<!doctype html><html lang="da"><head><title>x</title>'
            f'<link rel="stylesheet" href="css/pdf.css">'
            f'<link rel="stylesheet" href="http://127.0.0.1:{port}/a.css">'
            f'<link rel="attachment" href="file:///etc/passwd">'
            f'<style>@import url("http://127.0.0.1:{port}/b.css");</style></head><body>'
            f'<p>Ærlig tekst</p>{_hostile(port)}<img src="css/../../../../../../etc/passwd">'
            f'<img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E">'
            f'<iframe src="http://127.0.0.1:{port}/frame"></iframe>'
            f'<object data="file:///etc/passwd"></object></body></html>')
    pdf = render.write_pdf(html, STATIC)
    reader = PdfReader(io.BytesIO(pdf))
    assert "Ærlig tekst" in reader.pages[0].extract_text()
    assert not reader.attachments and not reader.pages[0].images
    assert requests == []


# --- PDF/A and metadata ------------------------------------------------------------------------

def test_documents_are_pdf_a_with_metadata_and_the_shipped_font(db, world):
    document = service.issue(DocumentRequest("training", as_of=AS_OF, project=world.project,
                                             year=2026), None)
    db.session.commit()
    reader = PdfReader(io.BytesIO(document.content))
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in raw and 'pdfaid:conformance="B"' in raw
    assert reader.trailer["/Root"]["/Lang"] == "da"
    assert reader.metadata.title.startswith("Lærlingeindberetning – Byggesag T-100")
    assert reader.metadata.author == "Testsekretariatet"
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(font.get_object()["/BaseFont"].split("+")[-1])
    assert fonts <= {"DejaVu-Sans", "DejaVu-Sans-Bold", "DejaVuSans", "DejaVuSans-Bold"}, fonts
