"""Amounts keep their øre: stored exactly (Numeric(15, 2)), shown and exported as stored,
never rounded to whole kroner; a figure with more decimals than that is refused."""
import csv
import io
from decimal import Decimal

from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import select

from tests import factories
from tests.projects.conftest import project_form
from tracker import formatting
from tracker.models import Project


def test_money_shows_the_oere_when_there_are_any(app):
    with app.test_request_context():
        assert formatting.money(Decimal("85000000.00")) == "85.000.000 kr."
        assert formatting.money(Decimal("85000000.50")) == "85.000.000,50 kr."
        assert formatting.money(Decimal("0.05")) == "0,05 kr."
        with force_locale("en"):
            assert formatting.money(Decimal("85000000.50")) == "DKK 85,000,000.50"
            assert formatting.money(85000000) == "DKK 85,000,000"


def test_a_contract_sum_with_oere_is_kept_and_shown_as_entered(db, client, site, staff):
    response = client.post("/projects/new", data=project_form(
        site, contract_sum="85.000.000,50", craft_cost="62.500.000,05"))
    assert response.status_code == 302
    project = db.session.scalar(select(Project))
    assert (project.contract_sum, project.craft_cost) == (
        Decimal("85000000.50"), Decimal("62500000.05"))
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "<dd>85.000.000,50 kr.</dd>" in page and "<dd>62.500.000,05 kr.</dd>" in page
    form = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    assert 'value="85.000.000,50"' in form and 'value="62.500.000,05"' in form


def test_more_decimals_than_oere_are_refused(db, client, site, staff):
    body = client.post("/projects/new", data=project_form(
        site, contract_sum="85.000.000,505")).get_data(as_text=True)
    assert "Brug højst 2 decimaler." in body
    assert 'value="85.000.000,505"' in body  # what was typed stays in the form
    assert db.session.scalar(select(Project)) is None


def test_the_largest_amount_the_column_holds_is_kept_to_the_oere(db, client, site, staff):
    assert client.post("/projects/new", data=project_form(
        site, contract_sum="9.999.999.999.999,99")).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Project.contract_sum)) == Decimal("9999999999999.99")
    body = client.post("/projects/new", data=project_form(
        site, case_number="2026-018", contract_sum="10.000.000.000.000")).get_data(as_text=True)
    assert "Tallet er for stort." in body


def test_the_list_and_its_exports_keep_the_oere(db, client, site, staff):
    factories.project(case_number="2026-001", area=site.gellerup, builder=site.builder,
                      contract_sum=Decimal("85000000.50"))
    factories.project(case_number="2026-002", area=site.gellerup, builder=site.builder,
                      contract_sum=Decimal("120000000"))
    db.session.commit()
    page = client.get("/projects/?sort=case_number").get_data(as_text=True)
    assert '<td class="num">85.000.000,50</td>' in page
    assert '<td class="num">120.000.000</td>' in page
    raw = client.get("/projects/?sort=case_number&export=csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(raw.lstrip("\ufeff")), delimiter=";"))
    assert [row[7] for row in rows[1:]] == ["85000000,50", "120000000"]
    xlsx = client.get("/projects/?sort=case_number&export=xlsx")
    values = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert [row[7] for row in values[1:]] == [85000000.5, 120000000]


def test_a_target_computed_from_an_amount_with_oere_shows_the_oere(db, client, site, staff,
                                                                   project):
    project.contract_sum = Decimal("85000000.50")
    agreement = factories.agreement(project, ref="PA-1", title="Socialt partnerskab")
    # 85,000,000.50 / 1,000,000 × 0.1 = 8.50000005, to two decimals 8.50
    factories.clause(agreement, ref="K-001", unit="apprentice_years", target="8.5",
                     target_basis="contract_sum", target_rate=Decimal("0.1"))
    db.session.commit()
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Mål = 85.000.000,50 kr. / 1 mio. × 0,1 = 8,5 elevårsværk" in page
