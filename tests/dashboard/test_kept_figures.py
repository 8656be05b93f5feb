"""A dashboard's clause overview and charts are kept for a short time per scope and date
(TRACKER_DASHBOARD_SECONDS); its work lists are always current, and no user ever sees
figures kept for another scope."""
import re
import secrets
from datetime import date

import pytest

from tests import factories
from tracker import access
from tracker.extensions import cache

AS_OF = "2026-06-30"


@pytest.fixture()
def kept(app):
    app.config["TRACKER_DASHBOARD_SECONDS"] = 60
    cache.clear()
    yield app
    cache.clear()


def _firm_with_clauses(name: str, clauses: int):
    firm = factories.organisation("contractor", name=name)
    project = factories.project(contractors=[firm], start_date=date(2026, 1, 1),
                                end_date=date(2026, 12, 31))
    agreement = factories.agreement(project)
    for i in range(clauses):
        factories.clause(agreement, unit="persons", target="1", ref=f"K-{name[:3]}-{i}",
                         responsible_contractor=firm)
    return firm, project


def _refs(body: str, prefix: str) -> set[str]:
    return set(re.findall(prefix + r"[\w-]*", body))


def _count_of(body: str, text: str) -> str:
    """The figure of the tile ending in `text`."""
    head = body.split(f"</span> {text}", 1)[0]
    return head.rsplit('<span class="figure">', 1)[1]


def test_the_overview_is_kept_and_the_work_lists_are_current(kept, db, client, login):
    firm, project = _firm_with_clauses("Kærhøj Byg", 2)
    user = factories.user("staff")
    db.session.commit()
    login(user)
    body = client.get(f"/?as_of={AS_OF}").get_data(as_text=True)
    assert _refs(body, "K-Kær-") == {"K-Kær-0", "K-Kær-1"}
    assert "Klausultal og diagrammer er beregnet" in body
    assert _count_of(body, "forløb skal afsluttes") == "0"

    # A third clause and a placement whose planned end has passed without an end.
    factories.clause(factories.agreement(project), unit="persons", target="1", ref="K-NEW")
    factories.placement(factories.participant(), firm, project=project,
                        start_date=date(2026, 3, 1), planned_end=date(2026, 5, 31))
    db.session.commit()
    body = client.get(f"/?as_of={AS_OF}").get_data(as_text=True)
    assert "K-NEW" not in body  # the overview as it was computed a moment ago
    assert _count_of(body, "forløb skal afsluttes") == "1"  # the work list is current

    # Another date is another overview, computed now.
    body = client.get("/?as_of=2026-07-01").get_data(as_text=True)
    assert "K-NEW" in body


def test_no_dashboard_shows_figures_kept_for_another_scope(kept, db, client, login):
    first, _ = _firm_with_clauses("Første Byg", 1)
    second, _ = _firm_with_clauses("Anden Byg", 3)
    users = [factories.user("contractor", org=first), factories.user("contractor", org=second),
             factories.user("staff"), factories.user("admin")]
    db.session.commit()
    seen = []
    for user in users:
        login(user)
        body = client.get(f"/?as_of={AS_OF}").get_data(as_text=True)
        seen.append((len(_refs(body, "K-Før-")), len(_refs(body, "K-And-"))))
        client.post("/logout")
    assert "arbejdslisterne er altid aktuelle" in body  # the secretariat has work lists
    # Each contractor its own clauses; the secretariat (admin and staff alike) all four.
    assert seen == [(1, 0), (0, 3), (1, 3), (1, 3)]


def test_the_scope_key_names_what_a_user_sees(db):
    council = factories.organisation("municipality")
    builder = factories.organisation("builder")
    users = [factories.user("staff"), factories.user("admin"),
             factories.user("municipality", org=council), factories.user("builder", org=builder),
             factories.user("contractor", org=builder)]
    keys = [access.scope_key(u) for u in users]
    assert keys[0] == keys[1]  # the secretariat sees everything
    assert len(set(keys[1:])) == 4  # each other role and organisation its own


def test_kept_in_redis_when_the_job_queue_has_one(app, db, client, login, redis_url):
    """With TRACKER_REDIS_URL the figures are kept in that Redis (every app server shares
    them), pickled and read back whole."""
    from redis import Redis

    prefix = f"tracker-test-{secrets.token_hex(4)}:"
    app.config["TRACKER_DASHBOARD_SECONDS"] = 60
    cache.init_app(app, config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url,
                                "CACHE_KEY_PREFIX": prefix})
    redis = Redis.from_url(redis_url)
    try:
        _, project = _firm_with_clauses("Redis Byg", 2)
        user = factories.user("staff")
        db.session.commit()
        login(user)
        first = client.get(f"/?as_of={AS_OF}").get_data(as_text=True)
        assert _refs(first, "K-Red-") == {"K-Red-0", "K-Red-1"}
        keys = [k.decode() for k in redis.keys(prefix + "*")]
        assert keys == [f"{prefix}dashboard:secretariat:{AS_OF}"]
        assert 0 < redis.ttl(keys[0]) <= 60
        # A clause added since: the next view still shows what Redis holds, so it was
        # read back from there (a value that could not be read would be computed anew).
        factories.clause(factories.agreement(project), unit="persons", target="1",
                         ref="K-Red-new")
        db.session.commit()
        again = client.get(f"/?as_of={AS_OF}").get_data(as_text=True)
        assert _refs(again, "K-Red-") == {"K-Red-0", "K-Red-1"}
    finally:
        for key in redis.keys(prefix + "*"):
            redis.delete(key)


def test_a_dashboard_without_work_lists_says_when_its_figures_were_computed(kept, db, client,
                                                                             login):
    council = factories.organisation("municipality", name="Aarhus Kommune")
    factories.participant(council)
    user = factories.user("municipality", org=council)
    db.session.commit()
    login(user)
    body = client.get(f"/?as_of={AS_OF}").get_data(as_text=True)
    assert "Tallene er beregnet" in body
    assert "arbejdslisterne" not in body


def test_the_dashboard_shows_while_the_cache_s_redis_is_away(kept, db, client, login,
                                                              monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    def away(*_args, **_kwargs):
        raise RedisConnectionError("no Redis")

    monkeypatch.setattr(cache, "get", away)
    _firm_with_clauses("Væk Byg", 1)
    user = factories.user("staff")
    db.session.commit()
    login(user)
    response = client.get(f"/?as_of={AS_OF}")
    assert response.status_code == 200
    assert _refs(response.get_data(as_text=True), "K-Væk-") == {"K-Væk-0"}
