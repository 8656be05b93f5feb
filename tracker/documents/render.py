"""A document's HTML from its autoescaped template, and the PDF/A WeasyPrint makes of it.

The only resources a document may load are its stylesheet and fonts under the static
folder (`static_file_for`); everything else (other files, http(s), data:) is refused, so no
user text can make the renderer fetch a file or a URL. Time and memory limits come from
the job queue (tracker.jobs), which runs each issue in a process of its own.
"""
import os
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from flask import current_app
from flask_babel import force_locale, format_datetime
from sqlalchemy import select
from weasyprint.urls import URLFetcher, URLFetcherResponse

from tracker.config import public_url
from tracker.documents.content import Built, figure
from tracker.documents.requests import KINDS, DocumentRequest
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.models import Organisation, User

TEMPLATES = {kind: f"pdf/{kind.replace('-', '_')}.html" for kind in KINDS}
# Files a document may load from the static folder: its stylesheet and fonts.
ALLOWED_SUFFIXES = {".css": "text/css", ".ttf": "font/ttf", ".otf": "font/otf",
                    ".woff": "font/woff", ".woff2": "font/woff2"}


class RefusedURL(ValueError):
    """The document asked for a resource it may not load."""


def static_file_for(url: str, static_root: str | os.PathLike) -> Path:
    """The file a `file:` URL names, when it is an allowed file inside the static folder.

    Anything else raises RefusedURL: other schemes (http, https, data, ftp, …), hosts,
    paths outside the folder after resolving `..` and symlinks, other file types.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "file":
        raise RefusedURL(f"scheme not allowed: {url[:80]}")
    if parts.netloc not in ("", "localhost"):
        raise RefusedURL(f"host not allowed: {url[:80]}")
    root = Path(static_root).resolve(strict=True)
    # resolve() follows symlinks and removes '..', so the check below sees the real file.
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(root):
        raise RefusedURL(f"outside the static folder: {url[:80]}")
    if path.suffix.lower() not in ALLOWED_SUFFIXES or not path.is_file():
        raise RefusedURL(f"not an allowed static file: {url[:80]}")
    return path


class StaticOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher serving only the static folder's stylesheet and fonts; it
    never opens a network connection and never follows a redirect."""

    def __init__(self, static_root: str | os.PathLike):
        super().__init__(allowed_protocols=("file",), allow_redirects=False,
                         fail_on_errors=False)
        self.static_root = static_root

    def fetch(self, url, headers=None):
        path = static_file_for(url, self.static_root)
        return URLFetcherResponse(path.as_uri(), path.read_bytes(),
                                  {"Content-Type": ALLOWED_SUFFIXES[path.suffix.lower()]})


def write_pdf(html: str, static_root: str | os.PathLike, identifier: str | None = None) -> bytes:
    """The HTML as PDF/A-3b bytes; its title, language and author come from the HTML."""
    root = Path(static_root).resolve()
    document = weasyprint.HTML(string=html, base_url=root.as_uri() + "/",
                               url_fetcher=StaticOnlyFetcher(root))
    return document.write_pdf(pdf_variant="pdf/a-3b", presentational_hints=False,
                              pdf_identifier=identifier.encode() if identifier else True)


def issuer_words(user: User | None) -> str:
    """Who issued a document, as the cover says it."""
    if user is None:
        return _("the system")
    if user.organisation is not None:
        return f"{user.name}, {user.organisation.name}"
    return user.name


def _publisher() -> str:
    """The secretariat the documents come from (author metadata)."""
    name = db.session.scalar(select(Organisation.name).where(Organisation.kind == "secretariat")
                             .order_by(Organisation.id).limit(1))
    return name or _("Social partnership and placement tracker")


def _verify_url() -> str:
    """The whole address of the public check: a PDF is read away from the app, where a
    bare "/verify" leads nowhere."""
    return f"{public_url(current_app.config)}/verify"


def render_html(kind: str, built: Built, req: DocumentRequest, number: str,
                issued_at: datetime, user: User | None) -> str:
    """The document's HTML, from its autoescaped template, in Danish."""
    # Straight from the Jinja environment: no request, menu or user in a document's context.
    template = current_app.jinja_env.get_template(TEMPLATES[kind])
    with force_locale("da"):
        return template.render(
            kind=kind, title=built.title, scope=built.scope, number=number, as_of=req.as_of,
            issued_at=issued_at, issuer=issuer_words(user),
            issued_words=format_datetime(issued_at, "d. MMMM yyyy 'kl.' HH.mm"),
            publisher=_publisher(), verify_url=_verify_url(), figure=figure,
            has_attachment=bool(built.sheets),
            **built.context)
