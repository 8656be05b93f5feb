"""`flask import-workbook`: the happy path, a broken workbook's report, nothing written after
a failed run, idempotency, a changed cell, CSV folders and ZIPs, references and versions."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.imports.conftest import (
    AARHUS,
    BUILDER,
    GRONSPIR,
    HAPPY,
    HAPPY_COUNTS,
    KAERHOJ,
    counts,
    csv_text,
    excel_style,
    happy_with,
    write_xlsx,
    xlsx_bytes,
    zip_bytes,
)
from tracker.imports.reader import open_path
from tracker.imports.service import import_workbook
from tracker.models import (
    AuditEvent,
    Clause,
    ContractorReport,
    Organisation,
    Participant,
    Placement,
    Project,
)

EMPTY = {name: 0 for name in HAPPY_COUNTS} | {"audit_events": 0}


def _import(runner, path, *options):
    return runner.invoke(args=["import-workbook", *options, str(path)])


def _problems(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.startswith("  ")
            and " – " in line]


# --- The happy path -----------------------------------------------------------------------

def test_happy_workbook_imports_every_row(db, runner, tmp_path):
    path = write_xlsx(tmp_path / "arbejdsbog.xlsx", HAPPY)
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Importerede arbejdsbog.xlsx.")
    # 18 new rows, and one summary audit event for them.
    assert counts(db) == HAPPY_COUNTS | {"audit_events": 1}
    lines = result.output.splitlines()
    assert "participants                  2        2        0          0" in lines
    assert "I alt                        18       18        0          0" in lines

    amina = db.session.scalar(select(Participant).where(Participant.ref == "D-1"))
    assert (amina.name, amina.birth_year, amina.gender, amina.housing_area.name,
            amina.municipality.cvr, amina.benefit_group.code, amina.intake_date,
            amina.consent_date) == ("Amina Hassan Ali", 1990, "f", "Gellerup", AARHUS,
                                    "kontanthjaelp", date(2026, 1, 10), date(2026, 1, 10))
    f1 = db.session.scalar(select(Placement).where(Placement.ref == "F-1"))
    assert (f1.next_placement.ref, f1.employer.cvr, f1.project.case_number,
            f1.hours_per_week, f1.outcome) == ("F-2", KAERHOJ, "BB-2207", Decimal(37),
                                               "next_placement")
    project = db.session.scalar(select(Project))
    assert (project.builder.cvr, project.contract_sum, project.status) == (
        BUILDER, Decimal("412500000"), "active")
    k2 = db.session.scalar(select(Clause).where(Clause.ref == "K-2"))
    assert (k2.responsible_contractor_id, k2.text, k2.frequency) == (None, "", "monthly")
    r2 = db.session.scalar(select(ContractorReport).where(ContractorReport.ref == "R-2"))
    assert (r2.status, r2.review_note, r2.report_version, r2.site_hours) == (
        "returned", "Importeret som returneret", 1, Decimal(2400))

    event = db.session.scalar(select(AuditEvent))
    assert (event.action, event.entity, event.actor) == ("create", "imports", "cli")
    assert event.changes["new_rows"] == HAPPY_COUNTS
    assert event.changes["file"] == "arbejdsbog.xlsx"


def test_dry_run_writes_nothing(db, runner, tmp_path):
    result = _import(runner, write_xlsx(tmp_path / "a.xlsx", HAPPY), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Prøvekørsel af a.xlsx: intet er skrevet.")
    assert "placements                    3        3        0          0" in result.output
    assert counts(db) == EMPTY


# --- A broken workbook ---------------------------------------------------------------------

BROKEN = {
    "organisations": [
        ["CVR ", "Name", "kind", "municipality_code"],  # names in any case, with spaces
        ["12345678", "Fejlbyg ApS", "contractor", None],
        [BUILDER, "Brabrand Boligforening", "builder", "751"],
        [KAERHOJ, "Kærhøj Byg A/S", "entreprenør", None],
        [GRONSPIR, "Grønspir Anlægsgartnere ApS", "contractor", None],
        [AARHUS, "Aarhus Kommune", "municipality", "751"],
    ],
    "housing_areas": [["name", "municipality_cvr"], ["Gellerup", AARHUS]],
    "projects": [
        ["case_number", "name", "housing_area", "builder_cvr", "start", "end"],
        ["BB-1", "Etape 1", "Gellerup", BUILDER, date(2026, 6, 1), date(2026, 1, 1)],
        ["BB-2", "Etape 2", "Gellerup", GRONSPIR, date(2026, 1, 1), date(2026, 12, 31)],
        ["BB-1", "Etape 1 igen", "Gellerup", BUILDER, date(2026, 1, 1), date(2026, 12, 31)],
    ],
    "participants": [
        ["ref", "name", "birth_year", "gender", "intake_date", "consent_date"],
        ["D-1", "Amina 010190-1234", None, None, date(2026, 1, 10), date(2026, 1, 10)],
        ["D-2", "Jonas Kristensen", "19x0", None, date(2026, 1, 10), date(2026, 1, 10)],
        ["D-3", "Sara Mikkelsen", None, "f", date(2026, 1, 10), None],
    ],
    "placements": [
        ["ref", "participant_ref", "kind", "employer_cvr", "trade", "start", "hours_per_week",
         "next_ref"],
        ["F-1", "D-9", "internship", GRONSPIR, "murer", "2026-02-02", 37, None],
        ["F-2", "D-2", "internship", GRONSPIR, "murer", "2026-02-02", 70, None],
        ["F-3", "D-2", "internship", GRONSPIR, "murer", "2026-13-01", 37, None],
        ["F-4", "D-2", "internship", GRONSPIR, "=A1", "2026-02-02", 37, None],
        ["F-5", "D-2", "internship", GRONSPIR, "tømrer", "2026-02-02", 37, "F-99"],
    ],
    "contractor_reports": [
        ["ref", "clause_ref", "contractor_cvr", "period_start", "period_end", "hours",
         "site_hours", "status"],
        ["R-1", "K-404", GRONSPIR, date(2026, 1, 1), date(2026, 3, 31), 200, 100, "approved"],
    ],
    "Ark1": [["noget"], ["andet"]],
}

BROKEN_PROBLEMS = [
    ("organisations", 2, "cvr", "Ikke et gyldigt CVR-nummer: 8 cifre med gyldigt kontrolciffer "
     "(modulus 11). Tjek nummeret i CVR-registret."),
    ("organisations", 3, "municipality_code", "Kun kommuner har en kommunekode."),
    ("organisations", 4, "kind", "Ikke en af de tilladte værdier: builder, contractor, "
     "municipality, secretariat, education, other."),
    ("projects", 2, "end", "Slutdatoen skal være samme dag som eller efter startdatoen."),
    ("projects", 3, "builder_cvr", "Organisationen med CVR 10000300 er af typen “Entreprenør”; "
     "her skal den være “Bygherre (boligorganisation)”."),
    ("projects", 4, "case_number", "BB-1 står mere end én gang i arket (første gang i række 2)."),
    ("participants", 2, "name", "Det ligner et CPR-nummer. CPR-numre må ikke gemmes i "
     "systemet; fjern nummeret fra arbejdsbogen."),
    ("participants", 3, "birth_year", "Skriv et helt tal, fx 1985."),
    ("participants", 4, "consent_date", "Samtykke skal være registreret, før andet end navnet "
     "gemmes. Udfyld consent_date, eller tøm disse kolonner: gender."),
    ("placements", 2, "participant_ref", "D-9 findes hverken i arket participants eller i "
     "databasen."),
    ("placements", 3, "hours_per_week", "Timer om ugen skal være mere end 0 og højst 60 (du "
     "skrev 70)."),
    ("placements", 4, "start", "Den dato findes ikke."),
    ("placements", 5, "trade", "En formel, ikke en værdi: skriv selve værdien."),
    ("placements", 6, "next_ref", "F-99 findes hverken i arket placements eller i databasen."),
    ("contractor_reports", 2, "clause_ref", "K-404 findes hverken i arket clauses eller i "
     "databasen."),
    ("contractor_reports", 2, "site_hours", "De samlede timer på byggepladsen kan ikke være "
     "lavere end de lokalt ansattes timer (200)."),
]


def test_broken_workbook_lists_every_problem(app, db, runner, tmp_path):
    path = write_xlsx(tmp_path / "forkert.xlsx", BROKEN)
    with open_path(path) as workbook:
        report = import_workbook(db.session, workbook, (None, "test"), dry_run=True)
    assert [(p.sheet, p.row, p.column, p.reason) for p in report.problems] == BROKEN_PROBLEMS
    # The CPR-shaped number is never repeated in the report.
    assert [p.value for p in report.problems if p.column == "name"] == ["******-****"]
    assert [(n.sheet, n.reason) for n in report.notes] == [
        ("Ark1", "Ukendt ark; springes over. Arkene er: organisations, housing_areas, "
                 "projects, project_contractors, agreements, agreement_parties, clauses, "
                 "participants, placements, follow_ups, progress_assessments, "
                 "contractor_reports, evaluations, evaluation_actions.")]


def test_broken_workbook_on_the_command_line(db, runner, tmp_path):
    path = write_xlsx(tmp_path / "forkert.xlsx", BROKEN)
    result = _import(runner, path, "--dry-run")
    assert result.exit_code == 1
    assert "16 fejl; intet er skrevet. Ret dem, og kør importen igen:" in result.output
    problems = _problems(result.output)
    assert len(problems) == 16
    assert problems[0] == ('organisations, række 2, kolonne cvr: "12345678" – Ikke et gyldigt '
                           'CVR-nummer: 8 cifre med gyldigt kontrolciffer (modulus 11). Tjek '
                           'nummeret i CVR-registret.')
    assert problems[6].startswith('participants, række 2, kolonne name: "******-****" – ')
    assert "010190" not in result.output
    assert counts(db) == EMPTY


def test_a_bad_last_row_writes_nothing_at_all(db, runner, tmp_path):
    sheets = happy_with()
    sheets["contractor_reports"][2][-1] = "sent"  # R-2's status: not a report status
    result = _import(runner, write_xlsx(tmp_path / "a.xlsx", sheets))
    assert result.exit_code == 1
    assert ('contractor_reports, række 3, kolonne status: "sent" – Ikke en af de tilladte '
            'værdier: submitted, approved, returned.') in _problems(result.output)
    assert result.output.startswith("Intet blev importeret fra a.xlsx.")
    assert counts(db) == EMPTY


# --- Importing again -------------------------------------------------------------------------

def test_importing_twice_changes_nothing(db, runner, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", HAPPY)
    assert _import(runner, path).exit_code == 0
    before = counts(db)
    versions = dict(db.session.execute(select(Participant.ref, Participant.version)).all())
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Intet skulle ændres")
    assert "I alt                        18        0        0         18" in result.output
    assert counts(db) == before  # no new rows, no new audit events
    assert dict(db.session.execute(select(Participant.ref, Participant.version)).all()) == versions


def test_a_changed_cell_updates_only_that_field(db, runner, tmp_path):
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", HAPPY)).exit_code == 0
    amina = db.session.scalar(select(Participant).where(Participant.ref == "D-1"))
    before = {c: getattr(amina, c) for c in ("name", "gender", "housing_area_id",
                                            "municipality_id", "benefit_group_id",
                                            "intake_date", "consent_date")}
    sheets = happy_with()
    sheets["participants"][1][2] = 1991  # D-1's birth year, 1990 in the database
    result = _import(runner, write_xlsx(tmp_path / "b.xlsx", sheets))
    assert result.exit_code == 0, result.output
    assert "participants                  2        0        1          1" in result.output

    db.session.refresh(amina)
    assert amina.birth_year == 1991
    assert amina.version == 2
    assert {c: getattr(amina, c) for c in before} == before
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "update")).all()
    assert [(e.entity, e.entity_id, e.participant_id, e.changes) for e in events] == [
        ("participants", amina.id, amina.id, {"birth_year": [1990, 1991]})]
    assert counts(db)["audit_events"] == 2  # the first import's summary, and this update


def test_a_missing_column_keeps_the_stored_values(db, runner, tmp_path):
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", HAPPY)).exit_code == 0
    result = _import(runner, write_xlsx(tmp_path / "names.xlsx", {"participants": [
        ["ref", "name"], ["D-1", "Amina Hassan"], ["D-2", "Jonas Kristensen"]]}))
    assert result.exit_code == 0, result.output
    amina = db.session.scalar(select(Participant).where(Participant.ref == "D-1"))
    assert (amina.name, amina.birth_year, amina.gender) == ("Amina Hassan", 1990, "f")


def test_an_empty_cell_empties_the_field(db, runner, tmp_path):
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", HAPPY)).exit_code == 0
    sheets = happy_with()
    sheets["placements"][3][5] = None  # F-3's trade
    assert _import(runner, write_xlsx(tmp_path / "b.xlsx", sheets)).exit_code == 0
    assert db.session.scalar(select(Placement.trade).where(Placement.ref == "F-3")) is None


def test_a_new_column_for_new_rows_only_is_required(db, runner, tmp_path):
    result = _import(runner, write_xlsx(tmp_path / "a.xlsx", {"organisations": [
        ["cvr", "name"], [AARHUS, "Aarhus Kommune"]]}), "--dry-run")
    assert result.exit_code == 1
    assert _problems(result.output) == [
        "organisations, kolonne kind: – Kolonnen mangler; den skal udfyldes for nye rækker "
        "(fx række 2)."]


def test_a_workbook_saved_by_excel(db, runner, tmp_path):
    """Excel keeps text in a shared string table, some of it in rich-text runs."""
    path = tmp_path / "excel.xlsx"
    path.write_bytes(excel_style(xlsx_bytes(HAPPY)))
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert counts(db) == HAPPY_COUNTS | {"audit_events": 1}
    assert db.session.scalar(select(Organisation.name).where(Organisation.cvr == AARHUS)) \
        == "Aarhus Kommune"


def test_a_workbook_with_the_1904_date_system(db, runner, tmp_path):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    path = tmp_path / "mac.xlsx"
    path.write_bytes(xlsx_bytes(HAPPY, epoch=CALENDAR_MAC_1904))
    assert _import(runner, path).exit_code == 0
    assert db.session.scalar(select(Project.start_date)) == date(2026, 1, 5)


# --- CSV files --------------------------------------------------------------------------------

def _csv_files(sep: str, bom: bool) -> dict[str, bytes]:
    prefix = "\ufeff" if bom else ""
    files = {}
    for name, rows in HAPPY.items():
        rows = [list(r) for r in rows]
        if name == "placements" and sep == ";":
            rows[3][9] = "30,5"  # a Danish decimal comma
        files[f"{name}.csv"] = (prefix + csv_text(rows, sep)).encode("utf-8")
    return files


def test_a_folder_of_semicolon_csv_files_with_bom(db, runner, tmp_path):
    folder = tmp_path / "ark"
    folder.mkdir()
    for name, content in _csv_files(";", bom=True).items():
        (folder / name.upper().replace(".CSV", ".csv")).write_bytes(content)  # any case
    result = _import(runner, folder)
    assert result.exit_code == 0, result.output
    assert counts(db) == HAPPY_COUNTS | {"audit_events": 1}
    assert db.session.scalar(select(Placement.hours_per_week).where(Placement.ref == "F-3")) \
        == Decimal("30.5")
    # Importing the same folder again changes nothing.
    result = _import(runner, folder)
    assert "I alt                        18        0        0         18" in result.output


def test_a_zip_of_comma_csv_files_without_bom(db, runner, tmp_path):
    files = {f"eksport/{name}": content for name, content in _csv_files(",", bom=False).items()}
    path = tmp_path / "ark.zip"
    path.write_bytes(zip_bytes(files))
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert counts(db) == HAPPY_COUNTS | {"audit_events": 1}


def test_a_csv_file_not_saved_as_utf8(db, runner, tmp_path):
    path = tmp_path / "organisations.csv"
    path.write_bytes("cvr;name;kind\r\n10000106;Brabrand Boligforening;builder\r\n"
                     "10000203;Kærhøj Byg A/S;contractor\r\n".encode("cp1252"))
    result = _import(runner, path, "--dry-run")
    assert result.exit_code == 1
    assert _problems(result.output) == [
        "organisations, række 3: – Filen er ikke gemt som UTF-8. Gem den i Excel som “CSV "
        "UTF-8 (kommasepareret)”, og prøv igen."]


# --- References, chains and versions -------------------------------------------------------

def test_next_ref_may_point_forward_but_not_in_a_circle_or_to_another_person(db, runner,
                                                                               tmp_path):
    sheets = happy_with()
    sheets["placements"][2][11] = "F-1"  # F-2 → F-1 while F-1 → F-2: a circle
    sheets["placements"][3][11] = "F-4"  # F-3 is D-2's, F-4 (below) is D-1's
    sheets["placements"].append(["F-4", "D-1", "ordinary_job", KAERHOJ, "BB-2207", "murer",
                                 date(2026, 9, 1), None, None, 37, None, None])
    result = _import(runner, write_xlsx(tmp_path / "a.xlsx", sheets), "--dry-run")
    assert _problems(result.output) == [
        'placements, række 2, kolonne next_ref: "F-2" – Kæden af næste forløb går i ring '
        'tilbage til F-1.',
        'placements, række 3, kolonne next_ref: "F-1" – Kæden af næste forløb går i ring '
        'tilbage til F-2.',
        'placements, række 4, kolonne next_ref: "F-4" – Det næste forløb F-4 hører til en '
        'anden deltager (D-1).',
    ]


def test_a_placement_inserted_into_a_pathway(db, runner, tmp_path):
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", HAPPY)).exit_code == 0
    f2 = db.session.scalar(select(Placement.id).where(Placement.ref == "F-2"))
    sheets = happy_with()
    # F-1 → F-2 becomes F-1 → F-1b → F-2: F-1's pointer moves to the new F-1b, which takes
    # over F-2 (each placement follows only one other, so the old pointer goes first).
    sheets["placements"][1][11] = "F-1b"
    sheets["placements"].append(["F-1b", "D-1", "internship", KAERHOJ, "BB-2207", "murer",
                                 date(2026, 3, 2), date(2026, 3, 2), date(2026, 3, 2), 37,
                                 "next_placement", "F-2"])
    result = _import(runner, write_xlsx(tmp_path / "b.xlsx", sheets))
    assert result.exit_code == 0, result.output
    chain = dict(db.session.execute(select(Placement.ref, Placement.next_placement_id)).all())
    ids = dict(db.session.execute(select(Placement.ref, Placement.id)).all())
    assert chain == {"F-1": ids["F-1b"], "F-1b": f2, "F-2": None, "F-3": None}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update"))
    assert (event.entity_id, event.changes) == (
        ids["F-1"], {"next_placement_id": [f2, ids["F-1b"]]})


def test_references_to_rows_already_in_the_database(db, runner, tmp_path):
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", HAPPY)).exit_code == 0
    result = _import(runner, write_xlsx(tmp_path / "b.xlsx", {"placements": [
        HAPPY["placements"][0],
        ["F-4", "D-2", "ordinary_job", GRONSPIR, None, None, date(2026, 4, 27), None, None,
         37, None, None]]}))
    assert result.exit_code == 0, result.output
    f4 = db.session.scalar(select(Placement).where(Placement.ref == "F-4"))
    assert (f4.participant.ref, f4.project_id) == ("D-2", None)


def test_a_correction_is_a_new_report_version_and_figures_never_change(db, runner, tmp_path):
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", HAPPY)).exit_code == 0
    sheets = happy_with()
    # R-1b corrects R-1 (same clause, contractor and period); R-2 is approved at last.
    sheets["contractor_reports"].append(
        ["R-1b", "K-1", KAERHOJ, date(2026, 1, 5), date(2026, 3, 31), 2, 8, 296, 296,
         "submitted"])
    sheets["contractor_reports"][2][-1] = "approved"
    result = _import(runner, write_xlsx(tmp_path / "b.xlsx", sheets))
    assert result.exit_code == 0, result.output
    reports = dict(db.session.execute(
        select(ContractorReport.ref, ContractorReport.report_version)).all())
    assert reports == {"R-1": 1, "R-1b": 2, "R-2": 1}
    r2 = db.session.scalar(select(ContractorReport).where(ContractorReport.ref == "R-2"))
    assert (r2.status, r2.hours) == ("approved", Decimal(120))

    sheets["contractor_reports"][1][7:9] = [150, 150]  # R-1's hours: 148 in the database
    result = _import(runner, write_xlsx(tmp_path / "c.xlsx", sheets), "--dry-run")
    assert _problems(result.output) == [
        'contractor_reports, række 2, kolonne hours: "150" – Tallene i en indberetning kan '
        'ikke ændres ved en import: en rettelse er en ny version. Tilføj en række med en ny '
        'ref for samme klausul, entreprenør og periode (ændret: hours, site_hours).']


def test_a_contractor_must_be_on_the_project(db, runner, tmp_path):
    sheets = happy_with()
    sheets["project_contractors"] = sheets["project_contractors"][:2]  # Grønspir left out
    result = _import(runner, write_xlsx(tmp_path / "a.xlsx", sheets), "--dry-run")
    message = ("10000300 er ikke entreprenør på byggesagen BB-2207. Tilføj den i arket "
               "project_contractors.")
    assert _problems(result.output) == [
        f'placements, række 4, kolonne employer_cvr: "10000300" – {message}',
        f'contractor_reports, række 3, kolonne contractor_cvr: "10000300" – {message}',
    ]


def test_a_municipality_code_belongs_to_one_organisation(db, runner, tmp_path):
    result = _import(runner, write_xlsx(tmp_path / "a.xlsx", {"organisations": [
        ["cvr", "name", "kind", "municipality_code"],
        [AARHUS, "Aarhus Kommune", "municipality", "751"],
        ["29189420", "Aalborg Kommune", "municipality", "751"],
    ]}), "--dry-run")
    assert _problems(result.output) == [
        'organisations, række 2, kolonne municipality_code: "751" – Aalborg Kommune har '
        'allerede denne kommunekode.',
        'organisations, række 3, kolonne municipality_code: "751" – Aarhus Kommune har '
        'allerede denne kommunekode.',
    ]


def test_participants_area_decides_the_municipality(db, runner, tmp_path):
    sheets = happy_with()
    sheets["participants"][1][5] = None  # D-1 without municipality_cvr: Gellerup's
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", sheets)).exit_code == 0
    assert db.session.scalar(
        select(Organisation.cvr).join(Participant, Participant.municipality_id == Organisation.id)
        .where(Participant.ref == "D-1")) == AARHUS
    # The same workbook again: the derived municipality counts as unchanged.
    result = _import(runner, write_xlsx(tmp_path / "a.xlsx", sheets))
    assert "participants                  2        0        0          2" in result.output


def test_a_changed_target_replaces_a_computed_one(db, runner, tmp_path):
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", HAPPY)).exit_code == 0
    clause = db.session.scalar(select(Clause).where(Clause.ref == "K-1"))
    clause.target_basis, clause.target_rate = "craft_cost", Decimal("0.05")
    db.session.commit()
    sheets = happy_with()
    sheets["clauses"][1][4] = 14
    result = _import(runner, write_xlsx(tmp_path / "b.xlsx", sheets))
    assert result.exit_code == 0
    # Which target was used is said, not left to be noticed.
    assert ("clauses, række 2, kolonne target: Klausul K-1 beregnede sit mål ud fra "
            "håndværkerudgiften; målet i arket, 14, erstatter det som et fast mål."
            ) in result.output
    db.session.refresh(clause)
    assert (clause.target, clause.target_basis, clause.target_rate) == (Decimal(14), None, None)


@pytest.mark.parametrize("cell, value", [
    ("2026-02-27", date(2026, 2, 27)),
    ("27-02-2026", date(2026, 2, 27)),  # what Danish Excel writes in CSV
    ("27.02.2026", date(2026, 2, 27)),
])
def test_date_formats(db, runner, tmp_path, cell, value):
    sheets = happy_with()
    sheets["participants"][2][7] = cell  # D-2's intake date, before F-3 starts (2 March)
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", sheets)).exit_code == 0
    assert db.session.scalar(
        select(Participant.intake_date).where(Participant.ref == "D-2")) == value


def test_codes_in_upper_case_and_cvr_with_spaces(db, runner, tmp_path):
    sheets = happy_with()
    sheets["organisations"][3] = ["10000 203", "Kærhøj Byg A/S", "Contractor", None]
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", sheets)).exit_code == 0
    assert db.session.scalar(select(Organisation.kind).where(Organisation.cvr == KAERHOJ)) \
        == "contractor"


def test_the_audit_trail_holds_no_event_per_new_row(db, runner, tmp_path):
    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", HAPPY)).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity != "imports")) == 0


def test_a_placement_for_a_participant_without_consent_says_what_to_do(db, runner, tmp_path):
    book = happy_with()
    book["participants"][2][-1] = None  # D-2 without consent; F-3 is theirs
    result = _import(runner, write_xlsx(tmp_path / "bog.xlsx", book), "--dry-run")
    problems = [p for p in _problems(result.output) if "samtykke" in p]
    assert len(problems) == 1 and problems[0].endswith(
        "Deltageren D-2 har ikke noget registreret samtykke (consent_date). Registrér "
        "samtykket, før der tilføjes forløb."), problems


def test_imported_and_renamed_participants_are_found_in_text(db, app, runner, tmp_path):
    """The first-name key by which text is searched for names follows the name, on a new
    row and on a changed one: the old name is no longer masked, the new one is."""
    from tracker.names import names_for

    assert _import(runner, write_xlsx(tmp_path / "a.xlsx", HAPPY)).exit_code == 0
    amina = db.session.scalar(select(Participant).where(Participant.ref == "D-1"))
    assert amina.first_name_key == "amina"
    with app.app_context(), app.test_request_context():  # a request of its own
        assert names_for("Amina Hassan Ali").mask("Amina Hassan Ali") == amina.pseudonym
    result = _import(runner, write_xlsx(tmp_path / "b.xlsx", {"participants": [
        ["ref", "name"], ["D-1", "Emine Hassan"], ["D-2", "Jonas Kristensen"]]}))
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert amina.first_name_key == "emine"
    with app.app_context(), app.test_request_context():  # a request of its own
        assert names_for("Emine Hassan og Amina Hassan Ali").mask(
            "Emine Hassan og Amina Hassan Ali") == f"{amina.pseudonym} og Amina Hassan Ali"
