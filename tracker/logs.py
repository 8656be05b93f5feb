"""What the server's request logs may hold: the path, never the query string. A search for
a name or a number (a CPR number typed by mistake) must not be kept in a log."""
import logging
import re

_PROTOCOL = re.compile(r" HTTP/[0-9.]+(\x1b\[[0-9;]*m)?$")  # may end in a colour code


def without_query_string(request_line: str) -> str:
    """'GET /participants/?q=… HTTP/1.1' as 'GET /participants/ HTTP/1.1'."""
    head, mark, rest = request_line.partition("?")
    if not mark:
        return request_line
    protocol = _PROTOCOL.search(rest)
    return head + (protocol.group(0) if protocol else "")


class WithoutQueryString(logging.Filter):
    """The development server's request lines (the werkzeug logger) without query strings;
    gunicorn's access log leaves them out by its format (gunicorn.conf.py)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            record.args = (without_query_string(record.args[0]), *record.args[1:])
        return True


_FILTER = WithoutQueryString()


def install() -> None:
    logging.getLogger("werkzeug").addFilter(_FILTER)  # once, however many apps are made
