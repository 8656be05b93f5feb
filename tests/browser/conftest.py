"""Browser tests: Debian's Chromium driven by Playwright, against the app served on
127.0.0.1 from this test run's database. Screenshots go to tests/browser/screenshots/
(git-ignored)."""
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def _browser_missing() -> str | None:
    if not os.path.exists(CHROMIUM):
        return "chromium is not installed (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _browser_missing()
    if reason:
        if os.environ.get("TRACKER_REQUIRE_BROWSER"):
            pytest.fail(f"browser tests must run here: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def live_server(app):
    """Serve a second app on the same test database from a thread; yields its base URL."""
    yield from serve(app)


def serve(app, **config):
    """Serve an app on the test's database (with `config` on top) from a thread; yields its
    base URL, and stops it and closes its connections afterwards."""
    served = make_app(app.config["SQLALCHEMY_DATABASE_URI"], SERVER_NAME=None, **config)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    with served.app_context():
        from tracker.extensions import db

        db.engine.dispose()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if call.when == "call":
        item.failed_call = outcome.get_result().failed


# WCAG 2.1 AA as axe-core checks it, at a desktop's and a phone's width.
WIDTHS = (1280, 390)
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a",
                                                      "wcag21aa", "best-practice"]},
               "resultTypes": ["violations"]}
REFUSED_IMPACTS = ("serious", "critical")
# Addresses that answer with a file, not a page.
FILES = re.compile(r"/(pdf|attachment|consent-document)$|\.(json|pdf|xlsx|csv)$|export=")


def accessibility_problems(page) -> list[str]:
    """The serious and critical axe-core violations of the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS).response
    return [f"{page.url} at {page.viewport_size['width']} px: {v['id']} ({v['impact']}): "
            f"{v['help']} – {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"] if v["impact"] in REFUSED_IMPACTS]


def check_accessibility(page, visited: list[str]) -> list[str]:
    """Every page the test visited, looked at again at each width, and the page as the test
    left it (a refused form, say) at each width."""
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        problems += accessibility_problems(page)
    other = page.context.new_page()
    for url in dict.fromkeys(u for u in visited if not FILES.search(u)):
        for width in WIDTHS:
            other.set_viewport_size({"width": width, "height": 900})
            other.goto(url)
            problems += accessibility_problems(other)
    other.close()
    return problems


@pytest.fixture()
def page(request, browser, live_server):
    context = browser.new_context(base_url=live_server, locale="da-DK",
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    visited: list[str] = []
    page.on("framenavigated",
            lambda frame: visited.append(frame.url) if frame is page.main_frame else None)
    yield page
    problems = []
    if getattr(request.node, "failed_call", False):  # what the browser showed when it failed
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"FAILED-{request.node.name}.png"), full_page=True)
    else:
        problems = check_accessibility(page, visited)
    context.close()
    assert problems == [], "\n".join(problems)


@pytest.fixture()
def shot(page):
    """Save a full-page screenshot: shot('01-login')."""
    SHOTS.mkdir(exist_ok=True)

    def _shot(name: str) -> Path:
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot
