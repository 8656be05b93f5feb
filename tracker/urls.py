"""What a request's URL may carry: return addresses that stay on this site, ids a row can
have, page numbers and as-of dates. Anything else is refused here, before it reaches a
redirect or the database."""
import re
import unicodedata
from datetime import date
from urllib.parse import urlsplit

from flask import request
from werkzeug.routing import IntegerConverter

from tracker.errors import BadParameter
from tracker.i18n import gettext as _

# Ids are INTEGER columns: PostgreSQL refuses a larger number with an error instead of
# finding no row.
MAX_ID = 2**31 - 1
MAX_PAGE = 1_000_000
# The web pages' charts show the months around the as-of date, so it stays well inside
# the calendar.
FIRST_AS_OF, LAST_AS_OF = date(1900, 1, 1), date(2999, 12, 31)

_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def is_local_url(target: str | None) -> bool:
    """True for a path on this site: one leading "/", no scheme or host, and no control
    character or backslash, since browsers drop the one and read the other as "/" (so
    "/<tab>/evil.example" takes them to //evil.example)."""
    if not target or "\\" in target:
        return False
    if any(unicodedata.category(char) == "Cc" for char in target):
        return False
    parts = urlsplit(target)
    return (not parts.scheme and not parts.netloc and target.startswith("/")
            and not target.startswith("//"))


def safe_next(target: str | None, default: str) -> str:
    """Where to go back to: `target` when it is local, else `default`."""
    return target if is_local_url(target) else default


def parse_id(raw: str | None) -> int | None:
    """An id as a URL or a form carries it (ASCII digits, 1 to MAX_ID), else None. Serves
    as `request.args.get(name, type=parse_id)`."""
    if raw is None or not _DIGITS.fullmatch(str(raw)):
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def page_number(name: str = "page") -> int:
    """The page of a list asked for by ?page=; the first page when it is not one."""
    raw = request.args.get(name, "")
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= MAX_PAGE:
        return 1
    return int(raw)


def parse_date(raw: str | None) -> date | None:
    """A date written YYYY-MM-DD (as the API and the date fields send it), else None."""
    if raw is None or not _ISO_DATE.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def as_of_arg() -> date:
    """The as-of date of a figures page: ?as_of=YYYY-MM-DD, today without one; an empty,
    unreadable or far-off date is answered 400 with the reason (never quietly today's)."""
    if "as_of" not in request.args:
        return date.today()
    value = parse_date(request.args["as_of"])
    if value is None or not FIRST_AS_OF <= value <= LAST_AS_OF:
        raise BadParameter(_(
            "The date of the figures must be written as YYYY-MM-DD, e.g. %(example)s, and "
            "lie in the years %(first)s–%(last)s.", example="2026-06-30",
            first=FIRST_AS_OF.year, last=LAST_AS_OF.year))
    return value


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: only ids a row can have, so a larger number is a 404 from
    the routing instead of an error from the database."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register(app) -> None:
    app.url_map.converters["int"] = IdConverter
