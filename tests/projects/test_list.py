"""The project list: search, filters, sorting, pagination, and exports equal to the list."""
import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from tests import factories


@pytest.fixture()
def projects(db, site):
    """Four projects in two municipalities, with different builders, contractors and periods."""
    p = {
        "A": factories.project(case_number="2026-001", name="Gellerup etape 1", area=site.gellerup,
                               builder=site.builder, contractors=[site.main],
                               start_date=date(2025, 1, 1), end_date=date(2025, 12, 31),
                               contract_sum=40_000_000, status="completed"),
        "B": factories.project(case_number="2026-002", name="Gellerup etape 2", area=site.gellerup,
                               builder=site.builder, contractors=[site.main, site.sub],
                               start_date=date(2026, 1, 1), end_date=date(2027, 6, 30),
                               contract_sum=85_000_000),
        "C": factories.project(case_number="2026-003", name="Vollsmose tage", area=site.vollsmose,
                               builder=site.other_builder, contractors=[site.sub],
                               start_date=date(2026, 9, 1), end_date=date(2028, 3, 31),
                               contract_sum=120_000_000, status="planned"),
        "D": factories.project(case_number="2026-004", name="Vollsmose facader",
                               area=site.vollsmose, builder=site.other_builder,
                               start_date=date(2027, 1, 1), end_date=date(2027, 12, 31),
                               status="planned"),
    }
    db.session.commit()
    return p


def _case_numbers(page: str) -> list[str]:
    return re.findall(r">(2026-\d{3})</a>", page)


def test_search_by_case_number_and_name(db, client, staff, projects):
    assert _case_numbers(client.get("/projects/?q=002").get_data(as_text=True)) == ["2026-002"]
    assert _case_numbers(client.get("/projects/?q=vollsmose").get_data(as_text=True)) == [
        "2026-003", "2026-004"]


@pytest.mark.parametrize("query, expected", [
    ("status=planned", ["2026-003", "2026-004"]),
    ("municipality={aarhus}", ["2026-001", "2026-002"]),
    ("area={vollsmose}", ["2026-003", "2026-004"]),
    ("builder={other_builder}", ["2026-003", "2026-004"]),
    ("contractor={sub}", ["2026-002", "2026-003"]),
    ("contractor={main}", ["2026-001", "2026-002"]),
    # Projects overlapping 1 July – 31 December 2026: B runs through it, C starts in it.
    ("period_from=2026-07-01&period_to=2026-12-31", ["2026-002", "2026-003"]),
    ("period_from=2027-07-01", ["2026-003", "2026-004"]),
    ("period_to=2025-06-30", ["2026-001"]),
    ("municipality=abc", []),
    ("period_from=not-a-date", ["2026-001", "2026-002", "2026-003", "2026-004"]),
])
def test_filters(db, client, site, staff, projects, query, expected):
    ids = {"aarhus": site.aarhus.id, "vollsmose": site.vollsmose.id,
           "other_builder": site.other_builder.id, "sub": site.sub.id, "main": site.main.id}
    page = client.get("/projects/?" + query.format(**ids)).get_data(as_text=True)
    assert _case_numbers(page) == expected


def test_filter_options_are_the_users_own(db, client, login, site, projects):
    builder = factories.user("builder", org=site.other_builder)
    db.session.commit()
    login(builder)
    page = client.get("/projects/").get_data(as_text=True)
    municipality_select = page[page.index('id="f-municipality"'):page.index('id="f-area"')]
    assert "Odense Kommune" in municipality_select and "Aarhus Kommune" not in municipality_select
    builder_select = page[page.index('id="f-builder"'):page.index('id="f-contractor"')]
    assert "Brabrand Boligforening" not in builder_select


@pytest.mark.parametrize("sort, expected", [
    ("-contract_sum", ["2026-003", "2026-002", "2026-001", "2026-004"]),
    ("builder", ["2026-001", "2026-002", "2026-003", "2026-004"]),
    ("-start", ["2026-004", "2026-003", "2026-002", "2026-001"]),
    ("municipality", ["2026-001", "2026-002", "2026-003", "2026-004"]),
    ("-area", ["2026-003", "2026-004", "2026-001", "2026-002"]),  # ties by case number
])
def test_sorting(db, client, staff, projects, sort, expected):
    found = _case_numbers(client.get(f"/projects/?sort={sort}").get_data(as_text=True))
    if sort == "-contract_sum":
        # NULL sorts first or last depending on the database; the three with a sum are ordered.
        found = [n for n in found if n != "2026-004"]
        expected = expected[:3]
    assert found == expected


def test_csv_and_xlsx_export_exactly_what_the_list_shows(db, client, site, staff, projects):
    url = f"/projects/?contractor={site.sub.id}&sort=-contract_sum"
    page = client.get(url).get_data(as_text=True)
    assert _case_numbers(page) == ["2026-003", "2026-002"]
    assert "120.000.000" in page and "85.000.000" in page

    raw = client.get(url + "&export=csv")
    assert raw.headers["Content-Disposition"] == 'attachment; filename="byggesager.csv"'
    rows = list(csv.reader(io.StringIO(raw.get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))
    assert rows[0] == ["Sagsnummer", "Navn", "Boligområde", "Kommune", "Bygherre", "Startdato",
                       "Slutdato", "Entreprisesum (kr.)", "Status"]
    assert rows[1:] == [
        ["2026-003", "Vollsmose tage", "Vollsmose", "Odense Kommune", "fsb", "2026-09-01",
         "2028-03-31", "120000000", "Planlagt"],
        ["2026-002", "Gellerup etape 2", "Gellerup", "Aarhus Kommune", "Brabrand Boligforening",
         "2026-01-01", "2027-06-30", "85000000", "I gang"],
    ]

    xlsx = client.get(url + "&export=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == rows[0]
    assert [(r[0], r[4], r[7], r[8]) for r in values[1:]] == [
        ("2026-003", "fsb", 120000000, "Planlagt"),
        ("2026-002", "Brabrand Boligforening", 85000000, "I gang")]
    assert values[1][5].date() == date(2026, 9, 1)


def test_pagination_and_row_count(db, client, site, staff):
    for n in range(27):
        factories.project(case_number=f"2026-{n:03d}", area=site.gellerup, builder=site.builder)
    db.session.commit()
    first = client.get("/projects/").get_data(as_text=True)
    second = client.get("/projects/?page=2").get_data(as_text=True)
    assert len(_case_numbers(first)) == 25 and _case_numbers(second) == ["2026-025", "2026-026"]
    assert "27 rækker" in first and "Side 2 af 2" in second


@pytest.mark.parametrize("role, org, expected", [
    ("builder", "other_builder", ["2026-003", "2026-004"]),
    ("contractor", "main", ["2026-001", "2026-002"]),
    ("municipality", "aarhus", ["2026-001", "2026-002"]),
])
def test_external_roles_list_only_their_projects(db, client, login, site, projects, role, org,
                                                 expected):
    user = factories.user(role, org=getattr(site, org))
    db.session.commit()
    login(user)
    page = client.get("/projects/").get_data(as_text=True)
    assert _case_numbers(page) == expected
    assert "Ny byggesag" not in page
    rows = list(csv.reader(io.StringIO(
        client.get("/projects/?export=csv").get_data(as_text=True).lstrip("\ufeff")),
        delimiter=";"))
    assert [r[0] for r in rows[1:]] == expected
    # Filtering for another organisation's project finds nothing.
    other = client.get(f"/projects/?q=2026-00&builder={site.builder.id}").get_data(as_text=True)
    assert set(_case_numbers(other)) <= set(expected)


def test_staff_sees_the_new_button(db, client, staff, projects):
    assert "Ny byggesag" in client.get("/projects/").get_data(as_text=True)
