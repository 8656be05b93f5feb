"""Safe rendering: only the static folder's stylesheet and fonts are ever loaded; user text
stays text; renders run in a child process under a time and a memory limit; PDF/A."""
import http.server
import io
import os
import signal
import re
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.documents.conftest import AS_OF, pdf_text
from tracker.documents import render, service
from tracker.documents.render import RefusedURL, RenderError, make_url_fetcher, static_file_for
from tracker.documents.service import DocumentRequest

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
    fetcher = make_url_fetcher(STATIC)
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
        make_url_fetcher(STATIC).fetch(url)


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


@pytest.mark.parametrize("mode", render.MODES)
def test_even_raw_hostile_html_loads_nothing(http_server, mode):
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
    pdf = render.render_pdf(html, STATIC, mode=mode, timeout=60)
    reader = PdfReader(io.BytesIO(pdf))
    assert "Ærlig tekst" in reader.pages[0].extract_text()
    assert not reader.attachments and not reader.pages[0].images
    assert requests == []


# --- Limits ---------------------------------------------------------------------------------

def _long_html(rows: int) -> str:
    body = "".join(f"<tr><td>{i}</td><td>Række {i}</td></tr>" for i in range(rows))
    return (f'<!doctype html><html lang="da"><head><title>x</title>'
            f'<link rel="stylesheet" href="css/pdf.css"></head><body><table>{body}</table>'
            f'</body></html>')


@pytest.mark.parametrize("mode", render.MODES)
def test_a_render_that_takes_too_long_is_stopped(mode):
    with pytest.raises(RenderError) as error:
        render.render_pdf(_long_html(3000), STATIC, mode=mode, timeout=0.3)
    assert error.value.reason == "timeout"


@pytest.mark.parametrize("mode", ["server", "fork"])
def test_a_render_that_needs_too_much_memory_is_stopped(mode):
    # server (the default) and fork: the child may grow by at most this much beyond what it
    # inherited.
    with pytest.raises(RenderError) as error:
        render.render_pdf(_long_html(3000), STATIC, memory=8 * 1024 * 1024, timeout=60,
                          mode=mode)
    assert error.value.reason == "memory"


def test_a_spawned_render_is_held_to_its_memory_limit_too():
    # spawn: the whole new process may use this much. CPython sometimes reports running out
    # of memory inside C code as another error, so either answer counts as stopped.
    with pytest.raises(RenderError) as error:
        render.render_pdf(_long_html(3000), STATIC, memory=60 * 1024 * 1024, timeout=60,
                          mode="spawn")
    assert error.value.reason in ("memory", "failed")


def test_the_worker_survives_a_crashing_render(monkeypatch):
    parent = os.getpid()
    real = render.write_pdf

    def crash_in_child(*args, **kwargs):
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's OOM killer would
        return real(*args, **kwargs)

    monkeypatch.setattr(render, "write_pdf", crash_in_child)
    with pytest.raises(RenderError) as error:
        render.render_pdf(_long_html(5), STATIC, timeout=30, mode="fork")
    assert error.value.reason == "failed" and "signal" in error.value.detail
    assert render.render_pdf(_long_html(5), STATIC, timeout=30, mode="spawn")[:5] == b"%PDF-"


def test_the_render_server_forks_a_child_per_document_and_the_worker_none():
    """server (the default): one server per worker process, started once; a child of it per
    document, which holds nothing of the worker; the worker never forks."""
    assert render.render_pdf(_long_html(5), STATIC, timeout=30)[:5] == b"%PDF-"
    server = render._server(STATIC)
    forks = []
    os.register_at_fork(before=lambda: forks.append(os.getpid()))
    children = set()
    real_field = server._field

    def note_child(word, deadline):
        fields = real_field(word, deadline)
        if word == b"PID":
            children.add(int(fields[0]))
        return fields

    server._field = note_child
    try:
        for rows in (5, 6):
            pdf = render.render_pdf(_long_html(rows), STATIC, timeout=30, identifier="D-1")
            assert f"Række {rows - 1}" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    finally:
        del server._field
    assert render._server(STATIC) is server and server.process.poll() is None
    assert len(children) == 2 and server.process.pid not in children
    assert forks == []  # this process forked nothing (the hook is never removed; it is cheap)
    assert 0 < render.last_usage["max_rss_mb"] < 400 and render.last_usage["cpu_seconds"] > 0


def test_the_server_renders_on_after_a_render_that_took_too_long():
    render.render_pdf(_long_html(5), STATIC, timeout=30)
    server = render._server(STATIC)
    with pytest.raises(RenderError) as error:
        render.render_pdf(_long_html(3000), STATIC, timeout=0.3)
    assert error.value.reason == "timeout"
    pdf = render.render_pdf(_long_html(7), STATIC, timeout=30)
    assert "Række 6" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert render._server(STATIC) is server  # still in step: not stopped and replaced


def test_a_render_server_that_stopped_is_started_again():
    render.render_pdf(_long_html(5), STATIC, timeout=30)
    first = render._server(STATIC)
    first.process.kill()
    first.process.wait()
    assert render.render_pdf(_long_html(5), STATIC, timeout=30)[:5] == b"%PDF-"
    assert render._server(STATIC) is not first


def test_the_server_survives_a_crashing_render():
    """A render child killed from outside (as the kernel's OOM killer would) is reported as
    failed; the server renders the next document."""
    render.render_pdf(_long_html(5), STATIC, timeout=30)
    server = render._server(STATIC)
    errors = []

    def long_render():
        try:
            render.render_pdf(_long_html(3000), STATIC, timeout=60)
        except RenderError as exc:
            errors.append(exc)

    thread = threading.Thread(target=long_render)
    thread.start()
    for _ in range(500):
        if server.child is not None:
            break
        threading.Event().wait(0.01)
    os.kill(server.child, signal.SIGKILL)
    thread.join(60)
    assert len(errors) == 1 and errors[0].reason == "failed"
    assert "signal 9" in errors[0].detail
    assert render.render_pdf(_long_html(5), STATIC, timeout=30)[:5] == b"%PDF-"
    assert render._server(STATIC) is server


def test_a_render_server_that_cannot_start_is_a_failed_render(monkeypatch, tmp_path):
    monkeypatch.setattr(render.sys, "executable", "/bin/false")  # exits at once
    with pytest.raises(RenderError) as error:
        render.render_pdf(_long_html(5), tmp_path, timeout=30, mode="server")
    assert error.value.reason == "failed" and "did not start" in error.value.detail
    assert str(tmp_path.resolve()) not in render._servers


def test_an_unknown_render_mode_is_refused():
    with pytest.raises(ValueError, match="render mode"):
        render.render_pdf(_long_html(5), STATIC, mode="thread")


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
