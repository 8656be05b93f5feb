"""Ids and numbers no row can have are a 404 or a plain refusal, never a server error: in a
URL's path, in a list's filters and paging, and in any form (issue #23, point 10). The
pages and their forms are read from the URL map and the pages themselves, so a new route,
filter or form field is covered without being listed here."""
import re
from datetime import date
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest

from tests.conftest import SEEDED_ROWS
from tracker.models import BenefitGroup, PlacementRule
from tracker.urls import MAX_ID, parse_id

# A whole number too large for a 32-bit INTEGER column, for a 64-bit one and for SQLite's,
# then digits Python's int() reads but a database never sees: superscript two, Arabic-Indic.
EDGES = ["0", "-1", str(2**31), str(2**63), "99999999999999999999", "\u00b2", "\u0661\u0662"]
POSTED_EDGES = [str(2**31), "99999999999999999999", "\u00b2"]

# Argument of a route → the object of world side A that the admin opens with it.
OBJECTS = {
    "project_id": "project", "agreement_id": "agreement", "clause_id": "clause",
    "participant_id": "participant", "placement_id": "placement", "report_id": "report",
    "follow_up_id": "follow_up", "assessment_id": "assessment",
    "organisation_id": "contractor", "housing_area_id": "area", "document_id": "document",
    "party_id": "party", "evaluation_id": "evaluation", "action_id": "action",
}
# Actions that would end the admin's session or change the admin's own account.
SKIPPED_ACTIONS = ("/logout", "/language", "/sign-out", "/account/password")
# The benefit groups and rules the migrations seed are kept from test to test: a form
# posted here must not end or delete one.
SEEDED = re.compile(r"/reference/(benefit-groups|rules)/([0-9]+)/")
SEEDED_TABLES = {"benefit-groups": "benefit_groups", "rules": "placement_rules"}


def _changes_seeded_rows(target: str) -> bool:
    found = SEEDED.search(target)
    return found is not None and int(found[2]) <= SEEDED_ROWS[SEEDED_TABLES[found[1]]]


@pytest.fixture()
def reference(db):
    """A benefit group and a rule of the test's own, for the reference pages' addresses."""
    group = BenefitGroup(code="test", name_da="Testydelse", name_en="Test benefit",
                         valid_from=date(2026, 1, 1))
    rule = PlacementRule(placement_kind="internship", benefit_group=group,
                         max_weeks=4, valid_from=date(2026, 1, 1))
    db.session.add_all([group, rule])
    db.session.commit()
    return {"benefit_group_id": group.id, "rule_id": rule.id}


def _path_values(world, rule, reference=None) -> dict:
    values = {}
    for arg in rule.arguments:
        if arg in OBJECTS:
            values[arg] = getattr(world.a, OBJECTS[arg]).id
        elif arg == "user_id":
            values[arg] = world.users["staff"].id
        elif arg == "cvr":
            values[arg] = world.a.municipality.cvr
        elif reference and arg in reference:
            values[arg] = reference[arg]
        else:  # seeded benefit groups and rules; tokens, files and jobs that do not exist
            values[arg] = 1
    return values


class Forms(HTMLParser):
    """The forms of a page: (method, action, names of the fields a user fills in)."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, str | None, set[str]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(((attrs.get("method") or "get").lower(), attrs.get("action"),
                               set()))
        elif tag in ("input", "select", "textarea") and self.forms and attrs.get("name"):
            if attrs.get("type") not in ("submit", "button") and attrs["name"] != "csrf_token":
                self.forms[-1][2].add(attrs["name"])


def _pages(app, world, reference=None):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "auth.logout") \
                or rule.endpoint.startswith("api."):
            continue
        yield rule.build(_path_values(world, rule, reference), append_unknown=False)[1]


def _forms(client, url):
    page = client.get(url)
    if page.status_code != 200 or not page.mimetype == "text/html":
        return []
    parser = Forms()
    parser.feed(page.get_data(as_text=True))
    return parser.forms


def test_parse_id_takes_only_ids_a_row_can_have():
    assert [parse_id(v) for v in ("1", "42", str(MAX_ID))] == [1, 42, 2**31 - 1]
    assert [parse_id(v) for v in (*EDGES, "", None, " 7", "+7", "7.0", "1e3", "0x10")] == \
        [None] * (len(EDGES) + 7)


@pytest.mark.parametrize("value", [2**31, 2**63, 2**64])
def test_an_id_no_row_can_have_is_404_on_every_route(app, db, client, login, world, value):
    from tracker.cli import new_token

    login(world.users["admin"])
    headers = {"Authorization": f"Bearer {new_token(world.users['admin'])}"}
    db.session.commit()
    checked = 0
    for rule in app.url_map.iter_rules():
        ids = [arg for arg in rule.arguments if arg != "cvr"]
        if not ids:
            continue
        values = {**_path_values(world, rule), **dict.fromkeys(ids, value)}
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method,
                                   headers=headers if url.startswith("/api/") else {})
            assert response.status_code == 404, (method, url, response.status_code)
            checked += 1
    assert checked > 59


@pytest.mark.parametrize("role", ["admin", "contractor"])
def test_every_list_filter_and_page_number_takes_any_value(app, db, client, login, world,
                                                           role):
    login(world.users[role])
    reached = set()
    for url in _pages(app, world):
        for method, action, names in _forms(client, url):
            if method != "get":
                continue
            target = action or url.split("?")[0]
            for value in EDGES:
                query = urlencode({name: value for name in names | {"page", "queue_page"}})
                response = client.get(f"{target}?{query}")
                assert response.status_code < 500, (target, value)
            reached.add(target)
    assert {"/projects/", "/participants/", "/reports/history", "/documents/"} <= reached
    if role == "admin":
        assert {"/", "/follow-ups/", "/organisations/", "/housing-areas/", "/users/",
                "/evaluations/", "/reference/rules/"} <= reached


def test_every_form_takes_any_number_in_any_field(app, db, client, login, world, reference):
    login(world.users["admin"])
    a = world.a
    expected = {"/participants/new", "/organisations/new", "/users/new", "/evaluations/new",
                f"/agreements/{a.agreement.id}/parties/new", f"/placements/{a.placement.id}/edit",
                f"/projects/{a.project.id}/edit", f"/reference/rules/{reference['rule_id']}/edit",
                f"/reference/benefit-groups/{reference['benefit_group_id']}/edit"}
    pages = list(_pages(app, world, reference))  # before a form deletes what one names
    reached = set()
    for url in pages:
        for method, action, names in _forms(client, url):
            target = action or url
            if method != "post" or target.endswith(SKIPPED_ACTIONS) \
                    or _changes_seeded_rows(target):
                continue
            for value in POSTED_EDGES:
                response = client.post(target, data=dict.fromkeys(names, value))
                assert response.status_code < 500, (target, value)
            reached.add(target)
    assert expected <= reached
    assert client.get("/").status_code == 200  # still signed in: every page was reached


@pytest.mark.parametrize("query", [
    "after={v}", "project_id={v}", "after={v}&project_id={v}",
])
@pytest.mark.parametrize("value", EDGES)
def test_a_new_placements_links_take_any_number(db, client, login, world, query, value):
    login(world.users["staff"])
    url = f"/participants/{world.a.participant.id}/placements/new?{query.format(v=value)}"
    assert client.get(url).status_code < 500


@pytest.mark.parametrize("value", EDGES)
def test_a_follow_ups_months_and_a_histories_page_take_any_number(db, client, login, world,
                                                                  value):
    login(world.users["staff"])
    a = world.a
    assert client.get(f"/placements/{a.placement.id}/follow-ups/new?months={value}") \
        .status_code == 200
    assert client.get(f"/participants/{a.participant.id}/history?page={value}") \
        .status_code == 200


@pytest.mark.parametrize("value", [*EDGES, "9999-12-31", "0001-01-01", "2026-02-30"])
def test_a_new_benefit_groups_links_take_any_value(db, client, login, world, value):
    login(world.users["admin"])
    url = f"/reference/benefit-groups/new?replaces={value}&valid_from={value}"
    assert client.get(url).status_code == 200
