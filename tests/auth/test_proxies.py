"""Behind a reverse proxy the sign-in throttle counts per client, not per proxy: the
client's address comes from X-Forwarded-For, but only when proxies are trusted."""
from flask import request

from tests.conftest import make_app


def _address(app, forwarded: str | None) -> str:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    seen = {}

    @app.get("/_seen")
    def seen_address():
        seen["address"] = request.remote_addr
        return ""

    app.test_client().get("/_seen", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    return seen["address"]


def test_the_forwarded_address_is_used_behind_a_trusted_proxy(migrated):
    assert _address(make_app(migrated, TRACKER_TRUSTED_PROXIES=1), "203.0.113.7") == \
        "203.0.113.7"


def test_without_trusted_proxies_the_header_is_ignored(migrated):
    """Anyone can send the header: trusted by default, it would let a client pick the
    address it is throttled by."""
    assert _address(make_app(migrated), "203.0.113.7") == "10.0.0.1"
