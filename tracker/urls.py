"""What a request's URL may carry: return addresses that stay on this site."""
import unicodedata
from urllib.parse import urlsplit


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
