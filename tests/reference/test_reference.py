"""Reference data: benefit groups and placement rules, dated; ending instead of deleting;
bad input; optimistic locking; admin only."""
import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from tracker.models import BenefitGroup, PlacementRule

# Seeded by the initial migration (tests/conftest.py keeps them between tests).
SEEDED_GROUPS, SEEDED_RULES = 10, 5


@pytest.fixture()
def admin(db, login):
    user = factories.user("admin")
    db.session.commit()
    login(user)
    return user


def _group(code: str) -> BenefitGroup:
    from tracker.extensions import db

    return db.session.scalar(select(BenefitGroup).where(BenefitGroup.code == code))


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _group_form(**overrides):
    data = {"code": "kontanthjaelp_ny", "name_da": "Kontanthjælp (ny ordning)",
            "name_en": "Social assistance (new scheme)", "valid_from": "2026-07-01",
            "valid_to": "", "sort_order": "3"}
    data.update(overrides)
    return data


def _rule_form(**overrides):
    data = {"placement_kind": "internship", "benefit_group_id": "", "readiness": "",
            "max_weeks": "8", "max_hours_per_week": "", "valid_from": "2026-07-01",
            "valid_to": "", "description": "Virksomhedspraktik: højst 8 uger."}
    data.update(overrides)
    return data


# --- Benefit groups --------------------------------------------------------------------------


def test_list_shows_seeded_groups_and_exports(db, client, admin):
    body = client.get("/reference/").get_data(as_text=True)
    assert "Kontanthjælp" in body and "Integrationsydelse" in body
    assert "10 rækker" in body
    raw = client.get("/reference/?export=csv&sort=code")
    rows = list(csv.reader(io.StringIO(raw.get_data(as_text=True).lstrip("\ufeff")),
                           delimiter=";"))
    assert rows[0][:4] == ["Kode", "Navn på dansk", "Navn på engelsk", "Gyldig fra"]
    assert rows[1][:4] == ["dagpenge", "Dagpenge", "Unemployment insurance benefit", "2025-01-01"]
    assert rows[1][5] == "Gældende"


def test_create_group(db, client, admin):
    response = client.post("/reference/benefit-groups/new", data=_group_form())
    assert response.status_code == 302
    group = _group("kontanthjaelp_ny")
    assert (group.name_da, group.valid_from, group.valid_to, group.sort_order) == (
        "Kontanthjælp (ny ordning)", date(2026, 7, 1), None, 3)


@pytest.mark.parametrize("overrides, message", [
    ({"code": "Kontanthjaelp"}, "Brug kun små bogstaver a–z og understregning"),
    ({"code": "ny-ydelse"}, "Brug kun små bogstaver a–z og understregning"),
    ({"code": "ydelse2"}, "Brug kun små bogstaver a–z og understregning"),
    ({"code": "dagpenge"}, "Koden bruges allerede af Dagpenge"),
    ({"valid_to": "2026-06-30"}, "»Gyldig til« kan ikke ligge før »gyldig fra« (01.07.2026)"),
    ({"valid_from": "1. juli"}, "Ikke en gyldig dato"),
    ({"name_da": ""}, "Feltet skal udfyldes"),
    ({"sort_order": "-1"}, "Tallet skal være mellem 0 og 9999"),
])
def test_bad_group_input(db, client, admin, overrides, message):
    response = client.post("/reference/benefit-groups/new", data=_group_form(**overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(db, BenefitGroup) == SEEDED_GROUPS


def test_edit_group_keeps_the_code_and_locks_optimistically(db, client, admin):
    group = _group("integrationsydelse")
    url = f"/reference/benefit-groups/{group.id}/edit"
    data = _group_form(code="hacked", name_da="Integrationsydelse (gammel)",
                       valid_from="2025-01-01", version=group.version)
    assert client.post(url, data=data).status_code == 302
    db.session.refresh(group)
    assert (group.code, group.name_da, group.version) == (
        "integrationsydelse", "Integrationsydelse (gammel)", 2)
    body = client.post(url, data={**data, "name_da": "Andet navn", "version": 1}).get_data(
        as_text=True)
    assert "En anden har gemt denne registrering" in body
    assert 'value="Andet navn"' in body
    db.session.refresh(group)
    assert group.name_da == "Integrationsydelse (gammel)"


def test_end_group_with_its_rules_and_open_a_successor(db, client, admin):
    """The 2025 reform: close a benefit group, its rules with it, and open the new group."""
    group = _group("kontanthjaelp")  # two seeded internship rules refer to it
    response = client.post(f"/reference/benefit-groups/{group.id}/end", data={
        "valid_to": "2026-06-30", "end_rules": "y", "open_successor": "y",
        "version": group.version})
    assert response.status_code == 302
    assert "/reference/benefit-groups/new?" in response.headers["Location"]
    assert "valid_from=2026-07-01" in response.headers["Location"]
    db.session.refresh(group)
    assert group.valid_to == date(2026, 6, 30)
    ends = db.session.scalars(select(PlacementRule.valid_to)
                              .where(PlacementRule.benefit_group_id == group.id)).all()
    assert ends == [date(2026, 6, 30)] * 2
    # The rules for all benefits are left alone.
    assert db.session.scalar(select(func.count()).select_from(PlacementRule)
                             .where(PlacementRule.valid_to.is_(None))) == SEEDED_RULES - 2
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Denne ydelse afløser Kontanthjælp, der ophørte 30.06.2026" in body
    assert 'value="2026-07-01"' in body
    assert client.post("/reference/benefit-groups/new",
                       data=_group_form()).status_code == 302
    # Ended, it is marked in the rule form's choices.
    body = client.get("/reference/rules/new").get_data(as_text=True)
    assert "Kontanthjælp (ophørt 30.06.2026)" in body


def test_end_group_without_its_rules(db, client, admin):
    group = _group("dagpenge")
    client.post(f"/reference/benefit-groups/{group.id}/end",
                data={"valid_to": "2026-06-30", "version": group.version})
    rule = db.session.scalar(select(PlacementRule)
                             .where(PlacementRule.benefit_group_id == group.id))
    db.session.refresh(group)
    assert group.valid_to == date(2026, 6, 30) and rule.valid_to is None


def test_end_date_before_start_is_refused(db, client, admin):
    group = _group("dagpenge")
    body = client.post(f"/reference/benefit-groups/{group.id}/end",
                       data={"valid_to": "2024-12-31", "version": group.version}).get_data(
        as_text=True)
    assert "»Gyldig til« kan ikke ligge før »gyldig fra« (01.01.2025)" in body
    db.session.refresh(group)
    assert group.valid_to is None


def test_ended_filter(db, client, admin):
    group = _group("sygedagpenge")
    group.valid_to = date(2025, 6, 30)
    db.session.commit()
    body = client.get("/reference/?validity=ended").get_data(as_text=True)
    assert "Sygedagpenge" in body and "Dagpenge<" not in body and "1 række" in body


def test_group_in_use_is_never_deleted(db, client, admin):
    group = _group("uddannelseshjaelp")
    factories.participant(benefit_group=group)
    db.session.commit()
    body = client.get(f"/reference/benefit-groups/{group.id}/delete").get_data(as_text=True)
    assert "Den kan ikke slettes, fordi den er i brug (deltagere: 1, forløbsregler: 0)" in body
    body = client.post(f"/reference/benefit-groups/{group.id}/delete",
                       follow_redirects=True).get_data(as_text=True)
    assert "Uddannelseshjælp er i brug og kan ikke slettes" in body
    assert _group("uddannelseshjaelp") is not None
    # A group with rules is refused too.
    rules_group = _group("dagpenge")
    client.post(f"/reference/benefit-groups/{rules_group.id}/delete")
    assert _group("dagpenge") is not None


def test_unused_group_made_by_mistake_can_be_deleted(db, client, admin):
    client.post("/reference/benefit-groups/new", data=_group_form(code="fejl"))
    group = _group("fejl")
    assert client.post(f"/reference/benefit-groups/{group.id}/delete").status_code == 302
    assert _group("fejl") is None


# --- Placement rules -------------------------------------------------------------------------


def test_create_rule_for_a_benefit_and_readiness(db, client, admin):
    group = _group("kontanthjaelp")
    response = client.post("/reference/rules/new", data=_rule_form(
        benefit_group_id=str(group.id), readiness="activity_ready", max_weeks="13",
        max_hours_per_week="37"))
    assert response.status_code == 302
    rule = db.session.scalars(select(PlacementRule).order_by(PlacementRule.id.desc())).first()
    assert (rule.placement_kind, rule.benefit_group_id, rule.readiness, rule.max_weeks,
            rule.max_hours_per_week) == ("internship", group.id, "activity_ready",
                                         Decimal("13.0"), Decimal("37.0"))


def test_create_rule_for_all(db, client, admin):
    client.post("/reference/rules/new", data=_rule_form(max_weeks="", max_hours_per_week="30"))
    rule = db.session.scalars(select(PlacementRule).order_by(PlacementRule.id.desc())).first()
    assert (rule.benefit_group_id, rule.readiness, rule.max_weeks, rule.max_hours_per_week) \
        == (None, None, None, Decimal("30.0"))


@pytest.mark.parametrize("overrides, message", [
    ({"max_weeks": "", "max_hours_per_week": ""}, "En regel skal have mindst én grænse"),
    ({"max_hours_per_week": "80"}, "Timer om ugen skal være mere end 0 og højst 60"),
    ({"max_hours_per_week": "0"}, "Timer om ugen skal være mere end 0 og højst 60"),
    ({"max_weeks": "0"}, "Grænsen skal være mere end 0 uger"),
    ({"max_weeks": "fire"}, "Skal være et tal"),
    ({"valid_to": "2026-01-01"}, "»Gyldig til« kan ikke ligge før »gyldig fra« (01.07.2026)"),
    ({"placement_kind": "any"}, "Ikke et gyldigt valg"),
    ({"description": "Se 010190-1234"}, "Det ligner et CPR-nummer"),
])
def test_bad_rule_input(db, client, admin, overrides, message):
    response = client.post("/reference/rules/new", data=_rule_form(**overrides))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in body
    assert _count(db, PlacementRule) == SEEDED_RULES


def test_rule_must_lie_inside_its_benefit_groups_period(db, client, admin):
    group = _group("integrationsydelse")
    group.valid_to = date(2025, 6, 30)
    db.session.commit()
    body = client.post("/reference/rules/new", data=_rule_form(
        benefit_group_id=str(group.id), valid_from="2025-01-01")).get_data(as_text=True)
    assert "Integrationsydelse gælder fra 01.01.2025 til 30.06.2025" in body
    assert client.post("/reference/rules/new", data=_rule_form(
        benefit_group_id=str(group.id), valid_from="2025-01-01",
        valid_to="2025-06-30")).status_code == 302


def test_edit_rule_with_optimistic_locking(db, client, admin):
    rule = db.session.scalar(select(PlacementRule).where(PlacementRule.placement_kind
                                                        == "wage_subsidy"))
    body = client.get(f"/reference/rules/{rule.id}/edit").get_data(as_text=True)
    assert 'value="26.0"' in body or 'value="26"' in body
    url = f"/reference/rules/{rule.id}/edit"
    data = _rule_form(placement_kind="wage_subsidy", max_weeks="26", max_hours_per_week="37",
                      valid_from="2025-01-01", description="Løntilskud: højst 26 uger.",
                      version=1)
    assert client.post(url, data=data).status_code == 302
    body = client.post(url, data={**data, "max_weeks": "52"}).get_data(as_text=True)
    assert "En anden har gemt denne registrering" in body
    db.session.refresh(rule)
    assert (rule.description, rule.max_weeks, rule.version) == (
        "Løntilskud: højst 26 uger.", Decimal("26.0"), 2)


def test_end_and_delete_a_rule(db, client, admin):
    rule = db.session.scalar(select(PlacementRule).where(PlacementRule.placement_kind
                                                        == "wage_subsidy"))
    assert client.post(f"/reference/rules/{rule.id}/end",
                       data={"valid_to": "2026-06-30", "version": 1}).status_code == 302
    db.session.refresh(rule)
    assert rule.valid_to == date(2026, 6, 30)
    body = client.get("/reference/rules/?validity=current").get_data(as_text=True)
    assert "4 rækker" in body
    assert client.post(f"/reference/rules/{rule.id}/delete").status_code == 302
    assert _count(db, PlacementRule) == SEEDED_RULES - 1


def test_rules_list_filters_by_benefit(db, client, admin):
    group = _group("kontanthjaelp")
    body = client.get(f"/reference/rules/?benefit={group.id}").get_data(as_text=True)
    assert "2 rækker" in body and "Aktivitetsparat" in body
    body = client.get("/reference/rules/?benefit=all").get_data(as_text=True)
    assert "2 rækker" in body


# --- Who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "contractor", "builder", "municipality"])
def test_reference_pages_answer_404_to_everyone_but_admins(db, client, login, role):
    org = factories.organisation(role) if role != "staff" else None
    user = factories.user(role, org=org)
    db.session.commit()
    login(user)
    group = _group("dagpenge")
    rule = db.session.scalar(select(PlacementRule))
    for method, url in [
        ("GET", "/reference/"), ("GET", "/reference/?export=csv"), ("GET", "/reference/rules/"),
        ("GET", "/reference/benefit-groups/new"), ("POST", "/reference/benefit-groups/new"),
        ("POST", f"/reference/benefit-groups/{group.id}/edit"),
        ("POST", f"/reference/benefit-groups/{group.id}/end"),
        ("POST", f"/reference/benefit-groups/{group.id}/delete"),
        ("POST", "/reference/rules/new"), ("POST", f"/reference/rules/{rule.id}/edit"),
        ("POST", f"/reference/rules/{rule.id}/end"), ("POST", f"/reference/rules/{rule.id}/delete"),
    ]:
        assert client.open(url, method=method).status_code == 404, (role, method, url)
    assert _group("dagpenge").valid_to is None


def test_rule_form_speaks_danish_and_takes_decimal_commas(db, client, admin):
    body = client.get("/reference/rules/new").get_data(as_text=True)
    assert ">Virksomhedspraktik<" in body and ">Aktivitetsparat<" in body
    assert client.post("/reference/rules/new", data=_rule_form(max_weeks="4,5")
                       ).status_code == 302
    rule = db.session.scalars(select(PlacementRule).order_by(PlacementRule.id.desc())).first()
    assert rule.max_weeks == Decimal("4.5")
    assert 'value="4,5"' in client.get(f"/reference/rules/{rule.id}/edit").get_data(as_text=True)


def test_forged_benefit_group_value_is_refused_calmly(db, client, admin):
    response = client.post("/reference/rules/new", data=_rule_form(benefit_group_id="x1"))
    assert response.status_code == 200
    assert "Ikke et gyldigt valg" in response.get_data(as_text=True)
