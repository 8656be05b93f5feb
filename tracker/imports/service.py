"""Import a workbook: check every row, then write everything in the caller's transaction.

A bad workbook writes nothing: rows are written only when the whole workbook checked out.
Rows are inserted and updated with SQLAlchemy Core `executemany` in batches, resolving
references with one key→id query per table, never a query per row. The caller commits
(the command, the page or the background job); on any failure it rolls back.

Audit trail (decided here, for imports only):
- an unchanged row writes nothing, so importing the same workbook twice adds no events;
- a changed row writes one `update` event with its changed fields, old and new, exactly
  like an edit in a form (with the participant, so the resident's history shows it);
- new rows are summed up in one `create` event per import (entity `imports`) with the file
  name, its SHA-256 and the number of new rows per sheet, instead of one event per row:
  moving in 120,000 rows is one act by one person, and the rows keep their creation time.

Contractor reports are versioned (DESIGN §3: corrections make a new version, never
overwrite). An import therefore never changes a report's figures: a changed figure on an
existing ref is refused with a message, a new ref for an already reported clause,
contractor and period becomes that period's next version, and only the status may change
(a review, with its review note). A `returned` report needs a reason: one imported without
a review note gets the fixed note "Importeret som returneret" (RETURNED_NOTE).

Participants keep the pseudonym of the sheet; one without gets one drawn at random.
"""
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import islice
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from tracker import changes
from tracker.audit import UNAUDITED_COLUMNS, _plain
from tracker.i18n import gettext as _
from tracker.imports.checks import RETURNED_NOTE
from tracker.imports.mapping import MODELS, PARENTS, TARGETS, key_ids, to_table
from tracker.imports.reader import (
    MAX_ROWS,
    READ_ERRORS,
    SourceError,
    Workbook,
    damaged_message,
)
from tracker.imports.report import Report
from tracker.imports.sheets import SPECS
from tracker.imports.validate import Progress, SheetPlan, Validator
from tracker.models import AuditEvent, Placement
from tracker.models.base import utcnow
from tracker.models.participants import unused_pseudonyms
from tracker.validation import first_name_key

BATCH = 2_000
PSEUDONYM_COLUMN = SPECS["participants"].index("pseudonym")
Actor = tuple[int | None, str]


def _batches(items: Iterable, size: int = BATCH) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def max_rows() -> int:
    """The rows below the header an import reads from one sheet (TRACKER_IMPORT_MAX_ROWS)."""
    return int(current_app.config.get("TRACKER_IMPORT_MAX_ROWS", MAX_ROWS))


def concurrent_change_message() -> str:
    return _("The database changed while the workbook was imported (someone saved a record "
             "with the same key). Nothing was imported; run the import again.")


def check_workbook(session: Session, workbook: Workbook, progress: Progress | None = None,
                   today: date | None = None) -> tuple[Report, Validator]:
    """Read and check every row; nothing is written. The report says what an import would do."""
    validator = Validator(session, progress, today)
    return validator.run(workbook, dry_run=True), validator


def import_workbook(session: Session, workbook: Workbook, actor: Actor, *, dry_run: bool,
                    sha256: str | None = None, progress: Progress | None = None,
                    today: date | None = None) -> Report:
    """Check the workbook and, unless it is a dry run or has problems, write it (no commit).

    Raises SourceError when the file breaks off while being read (a damaged workbook)."""
    try:
        report, validator = check_workbook(session, workbook, progress, today)
    except READ_ERRORS:
        raise SourceError(damaged_message()) from None
    report.dry_run = dry_run
    if dry_run or not report.ok:
        return report
    if report.has_changes:
        Writer(session, validator.plans, actor, progress).write()
        summary = {sheet.name: sheet.new for sheet in report.sheets if sheet.new}
        if summary:
            session.execute(insert(AuditEvent), [{
                "occurred_at": utcnow(), "user_id": actor[0], "actor": actor[1],
                "action": "create", "entity": "imports", "entity_id": None,
                "participant_id": None, "purpose": None,
                "changes": {"file": workbook.label, "sha256": sha256, "new_rows": summary,
                            "changed_rows": {s.name: s.changed for s in report.sheets
                                             if s.changed}},
            }])
    report.written = True
    return report


class Writer:
    """Writes the plans of a checked workbook, sheet by sheet, in dependency order."""

    def __init__(self, session: Session, plans: dict[str, SheetPlan], actor: Actor,
                 progress: Progress | None = None):
        self.session, self.plans, self.actor = session, plans, actor
        self.progress = progress or (lambda phase, done, total: None)
        self.ids: dict[str, dict] = {}
        self.done = 0
        self.total = sum(len(p.new) + len(p.changed) for p in plans.values())
        self.audit: list[dict] = []
        self.moved: list[tuple[int, int | None]] = []  # placements whose next_ref changes

    def id_of(self, entity: str, key) -> int | None:
        if key is None:
            return None
        if entity not in self.ids:
            self.ids[entity] = {row[0] if len(row) == 2 else tuple(row[:-1]): row[-1]
                                for row in self.session.execute(key_ids(entity))}
        return self.ids[entity][key]

    def _tick(self, n: int) -> None:
        self.done += n
        self.progress("writing", self.done, self.total)

    def to_db(self, sheet: str, values: dict[str, Any]) -> dict[str, Any]:
        """Sheet columns and their values as table columns and theirs (ids for keys)."""
        row = {}
        for column, value in values.items():
            target = TARGETS[sheet][column]
            if target.column is None:
                continue
            row[target.column] = self.id_of(target.lookup, value) if target.lookup \
                else to_table(sheet, column, value)
        if sheet == "participants" and "name" in row:  # written past the model's hooks
            row["first_name_key"] = first_name_key(row["name"])
        return row

    def write(self) -> None:
        for name, plan in self.plans.items():
            self._insert(name, plan)
            self.ids.pop(name, None)  # new rows: the key→id map is read again when needed
            self._update(name, plan)
            if name == "placements":
                self._link_placements(plan)
        for batch in _batches(self.audit):
            self.session.execute(insert(AuditEvent), batch)
        if self.total:  # rows written past the session's hooks: every project changed
            changes.data_changed(self.session)

    # --- Inserts ------------------------------------------------------------------------

    def _insert(self, name: str, plan: SheetPlan) -> None:
        if not plan.new:
            return
        table = MODELS[name].__table__
        names = plan.spec.names
        parents = PARENTS.get(name, {})
        given = {values[PSEUDONYM_COLUMN] for _n, values, _e in plan.new} - {None} \
            if name == "participants" else set()
        for batch in _batches(plan.new):
            rows = []
            # New participants' pseudonyms, drawn for the batch at once (not a query per row).
            pseudonyms = iter(self._pseudonyms(batch, given)) if name == "participants" else None
            for _number, values, extra in batch:
                cells = dict(zip(names, values))
                # next_ref may point forward: linked once the whole sheet is in.
                cells.pop("next_ref", None)
                row = self.to_db(name, cells)
                for column, (entity, key) in parents.items():
                    row[column] = self.id_of(entity, tuple(cells[k] for k in key))
                if name == "contractor_reports":
                    self._new_report(row, extra)
                if pseudonyms is not None and row["pseudonym"] is None:
                    row["pseudonym"] = next(pseudonyms)
                rows.append(row)
            self.session.execute(insert(table), rows)
            self._tick(len(batch))

    def _pseudonyms(self, batch: list, given: set[str]) -> list[str]:
        """Fresh pseudonyms for the rows of the batch that have none, none of them one the
        workbook gives another participant."""
        count = sum(1 for _n, values, _e in batch if values[PSEUDONYM_COLUMN] is None)
        if not count:
            return []
        drawn = unused_pseudonyms(self.session.connection(), count + len(given))
        return [p for p in drawn if p not in given][:count]

    def _new_report(self, row: dict, version: int) -> None:
        """The columns a new report has beyond its sheet (the same keys for every row)."""
        now = utcnow()
        row["report_version"] = version
        row["submitted_at"] = now
        if row["status"] == "returned" and row["review_note"] is None:
            row["review_note"] = RETURNED_NOTE
        row["reviewed_at"] = now if row["status"] in ("approved", "returned") else None

    # --- Updates ------------------------------------------------------------------------

    def _update(self, name: str, plan: SheetPlan) -> None:
        if not plan.changed:
            return
        table = MODELS[name].__table__
        for batch in _batches(plan.changed):
            ids = [row_id for _number, row_id, _changed in batch]
            old = {row.id: row._mapping for row in self.session.execute(
                select(table).where(table.c.id.in_(ids)))}
            groups: dict[tuple, list[dict]] = defaultdict(list)
            owners = self._owners(name, old.values())
            for _number, row_id, changed in batch:
                before = old[row_id]
                values = self.to_db(name, changed)
                self._derived(name, before, values)
                values = {k: v for k, v in values.items() if before[k] != v}
                if not values:
                    continue
                self.audit.append(self._event(name, row_id, before, values, owners))
                if "next_placement_id" in values:  # set once every pointer is cleared
                    self.moved.append((row_id, values.pop("next_placement_id")))
                groups[tuple(sorted(values))].append({"_id": row_id, **values})
            now = utcnow()
            for columns, rows in groups.items():
                statement = (update(table).where(table.c.id == bindparam("_id"))
                             .values({c: bindparam(c) for c in columns}
                                     | {"version": table.c.version + 1, "updated_at": now}))
                self.session.execute(statement, rows)
            self._tick(len(batch))

    def _derived(self, name: str, before, values: dict) -> None:
        """Columns that follow from a changed cell though the sheet does not hold them."""
        if name == "clauses" and "target" in values and before["target_basis"] is not None:
            # An entered target replaces one computed from the project's amount.
            values["target_basis"] = values["target_rate"] = None
        if name == "contractor_reports" and values.get("status") == "returned" \
                and before["review_note"] is None:
            values["review_note"] = RETURNED_NOTE

    def _owners(self, name: str, rows) -> dict[int, int]:
        """The participant of each follow-up's placement, for their history (one query)."""
        if name != "follow_ups":
            return {}
        ids = {row["placement_id"] for row in rows}
        return dict(self.session.execute(
            select(Placement.id, Placement.participant_id).where(Placement.id.in_(ids))).all())

    def _event(self, name: str, row_id: int, before, values: dict,
               owners: dict[int, int]) -> dict:
        changes = {k: [_plain(before[k]), _plain(v)] for k, v in values.items()
                   if k not in UNAUDITED_COLUMNS}
        if name == "participants":
            participant_id = row_id
        elif name == "follow_ups":
            participant_id = owners.get(before["placement_id"])
        else:
            participant_id = before.get("participant_id")
        return {"occurred_at": utcnow(), "user_id": self.actor[0], "actor": self.actor[1],
                "action": "update", "entity": MODELS[name].__tablename__, "entity_id": row_id,
                "participant_id": participant_id, "changes": changes, "purpose": None}

    # --- The pathway chain --------------------------------------------------------------

    def _link_placements(self, plan: SheetPlan) -> None:
        """next_ref, once every placement of the sheet exists. Pointers that move are
        cleared first, so moving one never trips the one-follower unique constraint."""
        table = MODELS["placements"].__table__
        index_ref, index_next = plan.spec.index("ref"), plan.spec.index("next_ref")
        rows = [{"_id": self.id_of("placements", values[index_ref]),
                 "next_id": self.id_of("placements", values[index_next])}
                for _number, values, _extra in plan.new if values[index_next]]
        clear = update(table).where(table.c.id == bindparam("_id")).values(
            next_placement_id=None)
        for batch in _batches(self.moved):
            self.session.execute(clear, [{"_id": row_id} for row_id, _next in batch])
        rows += [{"_id": row_id, "next_id": next_id} for row_id, next_id in self.moved
                 if next_id is not None]
        link = update(table).where(table.c.id == bindparam("_id")).values(
            next_placement_id=bindparam("next_id"))
        for batch in _batches(rows):
            self.session.execute(link, batch)
