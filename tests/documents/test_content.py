"""Each document rendered from the hand-made world; figures worked out by hand (conftest)."""
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from tests.documents.conftest import AS_OF, NAMES, pdf_text
from tracker.counting import municipality_summary
from tracker.documents import service
from tracker.documents.kinds import (
    annual,
    build,
    clause_status,
    municipality,
    pathway,
    training,
)
from tracker.documents.render import render_html
from tracker.documents.requests import DocumentRequest, IssueError, check_request
from tracker.extensions import db as _db
from tracker.models.base import utcnow


def _issue(**kw):
    document = service.issue(DocumentRequest(as_of=kw.pop("as_of", AS_OF), **kw), None)
    _db.session.commit()
    return document


def _sheet_rows(document) -> list[tuple]:
    book = load_workbook(io.BytesIO(document.attachment), read_only=True)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_clause_status_report(db, world):
    document = _issue(kind="clause-status", project=world.project)
    text = pdf_text(document.content)
    assert "Klausulstatus" in text and "Byggesag T-100 Renovering af Testparken" in text
    assert f"Dokumentnummer {document.number}" in text
    assert "Opgjort pr. 30.06.2026" in text
    assert "Udstedt af systemet den" in text
    assert "Side 1 af" in text
    # K1: 2 of 4 persons; K2: 6 of 10 weeks, reported 3 (a discrepancy); K3: 181/365 years.
    assert "50,0 %" in text and "60,0 %" in text and "49,6 %" in text
    assert "Afvigelse" in text and "Timer ifølge timesedler." in text
    assert "Stiller krav om klausuler" in text  # the builder's contribution
    assert "Murer Test A/S" in text and "Maler Test ApS" in text
    # Placements by kind: count, participants, running on 30.06., ended in a job, weeks.
    # Apprenticeship 181 days = 25,9 weeks; all: 28 + 28 + 42 + 49 + 181 = 328 days = 46,9.
    assert "Lærling/elev 1 1 1 0 25,9" in text
    assert "I alt 5 3 2 1 46,9" in text
    for name in NAMES:
        assert name not in text
    # The placements, one row each, go to the attachment under the participants' stored
    # pseudonyms, with no reference of a participant or a placement.
    rows = _sheet_rows(document)
    assert len(rows) == 1 + 5  # header + Ada's three, Bo's and Cai's placements
    assert rows[0][0] == "Deltager (pseudonym)"
    pseudonyms = {row[0] for row in rows[1:]}
    assert pseudonyms == {p.pseudonym for p in (world.ada, world.bo, world.cai)}
    refs = {p.ref for p in (world.ada, world.bo, world.cai)} | {
        pl.ref for p in (world.ada, world.bo, world.cai) for pl in p.placements}
    assert not any(str(cell) in refs for row in rows for cell in row)
    assert not any(name in str(cell) for row in rows for cell in row for name in NAMES)
    assert document.project_id == world.project.id and document.parameters == {
        "kind": "clause-status", "as_of": "2026-06-30", "project": "T-100"}


def test_compliance_statement(db, world):
    document = _issue(kind="compliance", project=world.project, contractor=world.c2)
    text = pdf_text(document.content)
    assert "Opfyldelseserklæring" in text and "Maler Test ApS" in text
    # C2 answers for K2 and K3 (no responsible contractor), not for C1's K1.
    assert "K2" in text and "K3" in text and "K1 " not in text
    assert "0 af de 2 klausuler" in text
    assert "60,0 %" in text and "49,6 %" in text and "50,0 %" not in text
    assert "Godkendt: 1." in text  # the only status: no stray ";"
    for name in NAMES:
        assert name not in text
    rows = _sheet_rows(document)
    assert [row[0] for row in rows[1:]] == [world.ada.pseudonym]  # C2's one placement
    assert document.organisation_id == world.c2.id


def test_municipality_report_suppresses_small_counts(db, world):
    document = _issue(kind="municipality", municipality=world.m, date_from=date(2026, 1, 1),
                      date_to=date(2026, 6, 30))
    text = pdf_text(document.content)
    assert "Kommunerapport" in text and "Testrup Kommune, 01.01.2026–30.06.2026" in text
    # Key figures: 5 enrolled, 5 placements, 3 moved into work or education, 1 follow-up;
    # the counts from 1 to 4 as "<5". 5 placements = 2 + 1 + 1 + 1 by kind, all "<5":
    # each is 1 or 2, none pinned.
    assert "5 borgere indskrevet i perioden" in text
    assert "5 forløb i perioden" in text
    assert "<5 borgere kommet i job eller uddannelse i perioden" in text
    assert "<5 opfølgninger i perioden" in text
    assert "Virksomhedspraktik <5 Løntilskud <5 Lærling/elev <5 Ordinært job <5 I alt 5" in text
    # Pathway: Ada's internship → wage subsidy → ordinary job (2, 1, 1 → "<5"); none direct.
    assert "<5 borgere var i virksomhedspraktik i perioden. For <5 af dem" in text
    assert "for <5 af disse" in text and "0 gik direkte" in text
    # Progression: Ada alone is measured: her scores are not shown as an average.
    assert "Arbejdsparathed <5 x x x" in text and "6,0" not in text
    # Breakdown by housing area: 5 enrolled shown, 3 in a placement and 3 moved as <5.
    assert "Testparken 5 <5 <5" in text
    # Gender: groups of 2, 2 and 1: every figure hidden, the zeros of Eli's row too.
    assert "Kvinde <5 <5 <5" in text and "Mand <5 <5 <5" in text
    assert "Andet eller uoplyst <5 <5 <5" in text
    assert "I alt 5 <5 <5" in text
    assert "Om tallene" in text and "Antal fra 1 til 4 vises som “<5”; 0 vises." in text
    for name in NAMES:
        assert name not in text
    summary = municipality_summary(world.m.id, date(2026, 1, 1), date(2026, 6, 30))
    assert summary["enrolled"] == 5 and summary["moved_into_work_or_education"] == 3


def test_pathway_needs_consent(db, world):
    with pytest.raises(IssueError, match="samtykke er registreret"):
        service.issue(DocumentRequest("pathway", as_of=AS_OF, participant=world.fie), None)
    document = _issue(kind="pathway", participant=world.ada)
    text = pdf_text(document.content)
    assert "Forløbsbeskrivelse" in text and "Ada Testesen" in text
    assert "Samtykke registreret den 1. januar 2026" in text
    # The chain in order: 28 days = 4 weeks, 42 days = 6 weeks, and the running ordinary job
    # has counted 49 days = 7 weeks by 30.06.
    first = text.index("01.02.2026 28.02.2026 37 4,0 Nyt forløb")
    second = text.index("01.04.2026 12.05.2026 37 6,0 Nyt forløb")
    third = text.index("13.05.2026 i gang 37 7,0")
    assert first < second < third
    assert "Arbejdsparathed 3 6 +3" in text and "Danskkundskaber 4 4 0" in text
    # For the job centre: the reference, never the pseudonym beside it (the two together
    # would tell who stands behind the builder's documents); no name on the public page.
    assert world.ada.ref in text and world.ada.pseudonym not in text
    assert document.scope == f"Deltager {world.ada.ref}"
    assert document.attachment is None


def test_pathway_weeks_end_at_the_effective_end_and_the_as_of_date(db, world):
    """Weeks of each placement by DESIGN §4's effective end, never past the as-of date."""
    from decimal import Decimal

    from tests import factories

    dea = world.dea
    # Planned to end 14.01., no end recorded: effective end 14.01.: 14 days = 2 weeks.
    factories.placement(dea, world.c1, "internship", start_date=date(2026, 1, 1),
                        planned_end=date(2026, 1, 14))
    # Ends 30.09., after the as-of date 30.06.: 1.3.–30.6. = 31 + 30 + 31 + 30 = 122 days =
    # 17.43 weeks, and not ended as far as the as-of date knows.
    factories.placement(dea, world.c1, "wage_subsidy", start_date=date(2026, 3, 1),
                        end_date=date(2026, 9, 30))
    _db.session.commit()

    steps = pathway.pathway(dea, AS_OF).context["steps"]

    assert [(s["weeks"], s["end"], s["running"]) for s in steps] == [
        (Decimal("2.0"), None, True), (Decimal("17.4"), None, True)]


def test_annual_report(db, world):
    document = _issue(kind="annual", year=2026)
    text = pdf_text(document.content)
    assert "Årsrapport" in text and "Året 2026, alle byggesager" in text
    # Two projects and three clauses: not counts of persons, shown as they are.
    assert "2 byggesager" in text and "3 klausuler" in text
    # Six residents enrolled: Testrup 5, Andeby 1 (Fie). Shown as 6 = 5 + "<5" the "<5" is
    # 1, and as 6 = "x" + "<5" still (x ≥ 5): the total is hidden. Likewise six placements
    # = T-100's 5 + A-200's 1.
    assert "x beboere indskrevet" in text and "x forløb" in text
    assert "<5 beboere i forløb" in text
    assert "<5 beboere kommet i job eller uddannelse" in text
    # Testrup: enrolled 5; internships 2, wage subsidy 1, apprenticeship 1, job 1, moved 3,
    # follow-ups 1. Andeby is Fie alone: every figure hidden, its zeros too.
    assert "Testrup Kommune 5 <5 <5 <5 <5 <5 <5" in text
    assert "Andeby Kommune <5 <5 <5 <5 <5 <5 <5" in text
    # T-100: 5 placements of 3 participants; A-200: Fie's one.
    assert "5 <5" in text.split("T-100", 1)[1].split("A-200", 1)[0]
    assert "<5 <5" in text.split("A-200", 1)[1].split("Pr. kommune", 1)[0]
    assert "Om tallene" in text


def test_annual_figures_per_municipality_equal_the_municipality_summary(db, world):
    rows = annual.by_municipality(annual.municipality_figures(date(2026, 1, 1),
                                                              date(2026, 6, 30)))
    for row in rows:
        summary = municipality_summary(row["municipality"].id, date(2026, 1, 1),
                                       date(2026, 6, 30))
        for key in ("enrolled", "placements", "moved_into_work_or_education", "follow_ups"):
            assert row[key] == summary[key], (row["municipality"].name, key)


def test_training_report(db, world):
    document = _issue(kind="training", project=world.project, year=2026)
    text = pdf_text(document.content)
    assert "Lærlingeindberetning" in text
    # Apprentice: 181 days × 37 h = 181/365 = 0,50 years; others 28 + 28 + 42 = 98 days →
    # 98/365 = 0,27 years. Share: hours to 31.05. (apprentice 151 days, others 98 days, all
    # 37 h/week) = 249/7 × 37 = 1.316,1 h of 10.000 site hours = 13,2 %.
    assert "Elevårsværk i året 0,5" in text
    assert "Årsværk for øvrige personer under uddannelse i året 0,27" in text
    assert "Håndværkerudgift 40.000.000 kr." in text
    assert "Byggefasens start 01.01.2026" in text and "Byggefasens afslutning 31.12.2026" in text
    assert "Andel af arbejdskraften under uddannelse 13,2 %" in text
    for name in NAMES:
        assert name not in text
    rows = _sheet_rows(document)
    assert len(rows) == 1 + 4  # Ada's internship and wage subsidy, Bo's internship, Cai's


def test_the_training_share_follows_from_the_hours_printed_beside_it(db, world):
    """The share is of the hours in the reported periods (to 31 May), not of the year's hours
    to the as-of date: both are printed, and the share is the one over the site hours."""
    text = pdf_text(_issue(kind="training", project=world.project, year=2026).content)
    # To 30 June: apprentice 181 days, others 28 + 28 + 42 = 98 days, all 37 h/week:
    # 279 / 7 × 37 = 1.474,7 h. To 31 May: apprentice 151 days, others 98: 249 / 7 × 37 =
    # 1.316,1 h. 1.316 / 10.000 = 13,2 %.
    assert "Timer for personer under uddannelse 1.475" in text
    assert "Heraf i de indberettede perioder (til og med 31.05.2026) 1.316" in text
    assert "Samlede timer på byggepladsen (indberettet) 10.000" in text
    assert "Andel af arbejdskraften under uddannelse 13,2 %" in text


def test_the_training_share_is_of_the_hours_as_printed(db, world):
    """Hours are printed as whole hours, and the share is computed from them: a reader who
    divides the two printed figures gets the printed share. With 10.008 site hours the exact
    1.316,14 h are 13,1509 % (13,2 %), the printed 1.316 h 13,1495 % (13,1 %)."""
    from decimal import Decimal

    from tracker.models import ContractorReport

    db.session.scalar(select(ContractorReport)).site_hours = Decimal("10008")
    db.session.commit()
    text = pdf_text(_issue(kind="training", project=world.project, year=2026).content)
    assert "Samlede timer på byggepladsen (indberettet) 10.008" in text
    assert "Heraf i de indberettede perioder (til og med 31.05.2026) 1.316" in text
    assert "Andel af arbejdskraften under uddannelse 13,1 %" in text


def test_reproducible_apart_from_number_and_issue_time(db, world):
    first = _issue(kind="clause-status", project=world.project)
    second = _issue(kind="clause-status", project=world.project)
    assert first.number != second.number and first.sha256 != second.sha256

    def lines(document):
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(document.content))
        text = "\n".join(page.extract_text() for page in reader.pages)
        return [line for line in text.splitlines()
                if document.number not in line and "Udstedt af" not in line
                and "systemet den" not in line]

    assert lines(first) == lines(second)
    assert len(lines(first)) > 50


def test_a_fixed_number_of_queries_whatever_the_size(db, world):
    from tests import factories

    def count(build):
        statements = []
        listener = lambda *args: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            build()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    def all_kinds():
        clause_status.clause_status(world.project, AS_OF)
        municipality.municipality_report(world.m, date(2026, 1, 1), AS_OF, AS_OF)
        annual.annual(2026, AS_OF)
        training.training(world.project, 2026, AS_OF)
        db.session.expire_all()

    before = count(all_kinds)
    for n in range(6):
        person = factories.participant(world.m, housing_area=world.area, name=f"Ny {n}")
        factories.placement(person, world.c1, "internship", world.project,
                            start_date=date(2026, 2, 1))
    db.session.commit()
    assert count(all_kinds) == before


def test_documents_are_danish_whatever_the_users_language(db, world):
    from flask_babel import force_locale

    with force_locale("en"):
        req = DocumentRequest("compliance", as_of=AS_OF, project=world.project, contractor=world.c1)
        check_request(req, None, date(2026, 11, 24))
        built = build(req)
        html = render_html("compliance", built, req, "D-2026-000001",
                                   utcnow(), None)
    assert "Opfyldelseserklæring" in html and "Dokumentnummer" in html and "Opgjort pr." in html
    assert "Compliance statement" not in html and "Document number" not in html
    assert "50,0 %" in html  # K1, with the Danish decimal comma


def test_counts_in_the_notes_are_danish_numbers(db, world):
    """A national project's attachment holds thousands of rows: the note says "1.340"."""
    req = DocumentRequest("clause-status", as_of=AS_OF, project=world.project)
    check_request(req, None, date(2026, 11, 24))
    built = build(req)
    built.context["attachment_rows"] = 1340
    html = render_html("clause-status", built, req, "D-2026-000001",
                               utcnow(), None)
    assert "viser de 1.340 forløb med en række hver" in html


@pytest.mark.parametrize("public_url, address", [
    (None, "http://127.0.0.1:5000/verify"),  # unset: the README's default address
    ("", "http://127.0.0.1:5000/verify"),
    ("https://partnerskab.example.dk/", "https://partnerskab.example.dk/verify"),
    ("https://example.dk/tracker", "https://example.dk/tracker/verify"),
])
def test_the_footer_names_the_whole_verification_address(app, db, world, public_url, address):
    app.config.pop("TRACKER_PUBLIC_URL", None)
    if public_url is not None:
        app.config["TRACKER_PUBLIC_URL"] = public_url
    req = DocumentRequest("clause-status", as_of=AS_OF, project=world.project)
    check_request(req, None, date(2026, 11, 24))
    html = render_html("clause-status", build(req), req, "D-2026-000001", utcnow(), None)
    assert f"er uændret, på {address} (dokumentnummer" in html
