"""Uploaded files: type checked by content (not by name), size-limited, stored in the
database (outside static/), served only by views that checked scope first."""
import hashlib
import io
import zipfile

from flask import Response, abort
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from tracker.extensions import db
from tracker.i18n import lazy_gettext as _l
from tracker.models import StoredFile
from tracker.validation import contains_cpr

MB = 1024 * 1024

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


class UploadError(ValueError):
    """A refused upload; str(error) is the message for the user."""


def sniff(content: bytes) -> str | None:
    """The file type the bytes really are: pdf, png, jpg, xlsx, csv, or None."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        return "xlsx" if "[Content_Types].xml" in names and "xl/workbook.xml" in names else None
    if b"\x00" not in content[:4096]:
        try:
            content.decode("utf-8-sig")
            return "csv"
        except UnicodeDecodeError:
            return None
    return None


def store_upload(upload: FileStorage, allowed: tuple[str, ...], max_mb: int = 10,
                 uploaded_by=None) -> StoredFile:
    """Check and keep an uploaded file; raise UploadError with a message when refused."""
    content = upload.read(max_mb * MB + 1)
    if not content:
        raise UploadError(_l("The file is empty."))
    if len(content) > max_mb * MB:
        raise UploadError(_l("The file is larger than %(n)s MB.", n=max_mb))
    kind = sniff(content)
    if kind not in allowed:
        raise UploadError(_l(
            "The file is not of an allowed type (%(types)s). Its content was checked, "
            "not only its name.", types=", ".join(t.upper() for t in allowed)))
    name = secure_filename(upload.filename or "")
    if not name or contains_cpr(upload.filename):
        # Payslips are often named by the CPR number: the file is kept, its name is not.
        name = f"fil.{kind}"
    stored = StoredFile(filename=name, content_type=CONTENT_TYPES[kind], size=len(content),
                        sha256=hashlib.sha256(content).hexdigest(), content=content,
                        uploaded_by_id=getattr(uploaded_by, "id", None))
    db.session.add(stored)
    return stored


def file_response(stored: StoredFile) -> Response:
    """Send a stored file the caller has already checked the user may see (410 when it was
    withdrawn for data protection)."""
    if stored.withdrawn_at is not None:
        abort(410)
    response = Response(stored.content, mimetype=stored.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{stored.filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
