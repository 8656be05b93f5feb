"""The rules of each sheet, checked on every row as it is read (DESIGN §3, §6): references
to rows of the workbook or the database, kinds of organisation, periods within periods,
consent before details, the pathway chain, contractor report versions, pseudonyms that
never change, anonymised participants that come as they are (and only as they are),
follow-ups after a pathway's end, dates not after today.

`Checks` is the half of `validate.Validator` that knows what the sheets mean; the other
half reads the rows and keeps the plans.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select

from tracker.formatting import short_date
from tracker.i18n import gettext as _
from tracker.imports.sheets import SPECS, display, shown
from tracker.models import Participant
from tracker.models.codes import DIMENSIONS, FOLLOW_UP_MONTHS, ORG_KINDS, OUTCOMES, label
from tracker.participants.service import start_problem
from tracker.reporting.forms import REQUIRED_BY_UNIT, UNIT_WORDS

if TYPE_CHECKING:
    from tracker.imports.validate import Row

# A contractor report's figures never change in place: a correction is a new version.
REPORT_FIGURES = ("clause_ref", "contractor_cvr", "period_start", "period_end", "persons",
                  "weeks", "hours", "site_hours")
# What a participant may only have once consent is recorded (DESIGN §3, the enrolment form).
NEEDS_CONSENT = ("birth_year", "gender", "housing_area", "municipality_cvr", "benefit",
                 "consent_scope", "email", "phone", "readiness", "months_unemployed",
                 "education_level")
# What anonymisation removes (tracker.retention): an anonymised participant has none of it.
NOT_WHEN_ANONYMISED = ("birth_year", "consent_scope", "email", "phone", "readiness",
                       "months_unemployed", "education_level")
EMPLOYER_KINDS = ("contractor", "other")
MAX_HOURS_PER_WEEK = Decimal(60)
FIRST_EVALUATION_YEAR = 2000
# A returned report needs a reason; one imported without gets this (tracker.imports.service).
RETURNED_NOTE = "Importeret som returneret"


class Checks:
    """The checks of every sheet; mixed into the Validator, whose state they read."""

    # --- Shared checks -----------------------------------------------------------------

    def ref(self, row: Row, column: str, sheet: str) -> tuple | None:
        """The referenced row (workbook or database), or None after reporting it missing."""
        if not row.ok(column) or sheet in self.unchecked:
            return None
        key = row.values[column]
        found = self.lookup(sheet, key)
        if found is None:
            row.fail(column, _("%(value)s is neither in the sheet %(sheet)s nor in the database.",
                               value=key, sheet=sheet))
            return None
        if key in self.bad[sheet]:
            return None  # its own row is reported already
        return found

    def org_kind(self, row: Row, column: str, kinds: tuple[str, ...]) -> tuple | None:
        """The referenced organisation, when it is of one of the kinds (else reported)."""
        org = self.ref(row, column, "organisations")
        if org is None:
            return None
        kind = self.value("organisations", org, "kind")
        if kind not in kinds:
            row.fail(column, _(
                "The organisation with CVR %(cvr)s is of the kind “%(kind)s”; here it must be "
                "%(wanted)s.", cvr=row.values[column], kind=label(ORG_KINDS, kind),
                wanted=f" {_('or')} ".join(f"“{label(ORG_KINDS, k)}”" for k in kinds)))
            return None
        return org

    def on_project(self, case_number: str, cvr: str) -> bool:
        return ("project_contractors" in self.unchecked
                or self.lookup("project_contractors", (case_number, cvr)) is not None)

    def not_on_project(self, row: Row, column: str, case_number: str) -> None:
        row.fail(column, _(
            "%(cvr)s is not a contractor on the project %(case)s. Add it to the sheet "
            "project_contractors.", cvr=row.values[column], case=case_number))

    def _refuse_change(self, row: Row, changed: dict) -> None:
        name = row.spec.name
        if name == "clauses" and row.entry[2] and "target" in changed:
            # The sheet's target wins over one computed from an amount; the user is told.
            words = {"ref": row.values["ref"], "target": display(changed["target"])}
            self.note(name, row.number, "target", _(
                "Clause %(ref)s computed its target from the contract sum; the target in the "
                "sheet, %(target)s, replaces it as a fixed target.", **words)
                if row.entry[2] == "contract_sum" else _(
                "Clause %(ref)s computed its target from the craft cost; the target in the "
                "sheet, %(target)s, replaces it as a fixed target.", **words))
        if name == "participants" and row.entry[2]:
            row.fail(next(iter(changed)), _(
                "The participant has been anonymised; an import cannot change it."))
        elif name in ("follow_ups", "progress_assessments") and self._anonymised(row):
            row.fail(next(iter(changed)), _(
                "The participant has been anonymised; an import cannot change it."))
        elif name == "contractor_reports":
            if "comment" in changed:
                row.fail("comment", _(
                    "A contractor report's comment is the contractor's own statement and "
                    "cannot be changed by an import: a correction is a new version with a new "
                    "ref."))
            figures = [c for c in REPORT_FIGURES if c in changed]
            if figures:
                row.fail(figures[0], _(
                    "A contractor report's figures cannot be changed by an import: a "
                    "correction is a new version. Add a row with a new ref for the same "
                    "clause, contractor and period (changed: %(columns)s).",
                    columns=", ".join(figures)))

    # --- One check per sheet -----------------------------------------------------------

    def _check_organisations(self, row: Row) -> None:
        v = row.values
        if "kind" in row.failed or "municipality_code" in row.failed or v["kind"] is None:
            return
        if v["kind"] == "municipality" and not v["municipality_code"]:
            row.fail("municipality_code", _("A municipality needs its municipality code."))
        elif v["kind"] != "municipality" and v["municipality_code"]:
            row.fail("municipality_code", _("Only municipalities have a municipality code."))

    def _after_organisations(self) -> None:
        """A municipality code belongs to one organisation (after the sheet's changes)."""
        owners = defaultdict(list)
        bad = self.bad["organisations"]
        for cvr, (_id, values, _extra) in self.existing("organisations").items():
            if values[3] and cvr not in bad:
                owners[values[3]].append((cvr, values[1]))
        seen = self.seen["organisations"]
        for code, orgs in owners.items():
            if len(orgs) < 2:
                continue
            for cvr, _name in orgs:
                if cvr in seen:
                    other = next(n for c, n in orgs if c != cvr)
                    self.bad["organisations"].add(cvr)
                    self.problem("organisations", seen[cvr], "municipality_code", code, _(
                        "%(name)s already has this municipality code.", name=other))

    def _check_housing_areas(self, row: Row) -> None:
        self.org_kind(row, "municipality_cvr", ("municipality",))

    def _check_projects(self, row: Row) -> None:
        v = row.values
        self.ref(row, "housing_area", "housing_areas")
        self.org_kind(row, "builder_cvr", ("builder",))
        if row.ok("start") and row.ok("end") and v["end"] < v["start"]:
            row.fail("end", _("The end date must be on or after the start date."))

    def _check_project_contractors(self, row: Row) -> None:
        self.ref(row, "case_number", "projects")
        self.org_kind(row, "contractor_cvr", ("contractor",))

    def _check_agreements(self, row: Row) -> None:
        self.ref(row, "case_number", "projects")
        if row.ok("signed_on") and row.values["signed_on"] > self.today:
            row.fail("signed_on", _("The signed date cannot be in the future."))

    def _check_clauses(self, row: Row) -> None:
        v = row.values
        agreement = self.ref(row, "agreement_ref", "agreements")
        case = self.value("agreements", agreement, "case_number") if agreement else None
        project = self.lookup("projects", case) if case else None
        if row.ok("target"):
            if v["target"] <= 0:
                row.fail("target", _("The target must be greater than 0."))
            elif v["unit"] == "percent_hours" and v["target"] > 100:
                row.fail("target", _("A share of site hours cannot be more than 100 percent."))
        if row.ok("responsible_cvr"):
            org = self.org_kind(row, "responsible_cvr", ("contractor",))
            if org and case and not self.on_project(case, v["responsible_cvr"]):
                self.not_on_project(row, "responsible_cvr", case)
        if "start" in row.failed or "end" in row.failed:
            return
        if project is not None:
            p_start = self.value("projects", project, "start")
            p_end = self.value("projects", project, "end")
            start, end = v["start"] or p_start, v["end"] or p_end
        else:
            start, end, p_start, p_end = v["start"], v["end"], None, None
        if start and end and end < start:
            row.fail("end" if v["end"] else "start", _(
                "The end of the clause period must be on or after its start (%(start)s).",
                start=short_date(start)))
        elif p_start and p_end and start and end and (start < p_start or end > p_end):
            row.fail("start" if start < p_start else "end", _(
                "The clause period must lie within the project period (%(start)s–%(end)s).",
                start=short_date(p_start), end=short_date(p_end)))

    def _check_participants(self, row: Row) -> None:
        v = row.values
        self._check_pseudonym(row)
        self._check_anonymised(row)
        if row.ok("birth_year") and not 1900 <= v["birth_year"] <= self.today.year:
            row.fail("birth_year", _("The birth year must be between 1900 and %(year)s.",
                                     year=self.today.year))
        if row.ok("benefit"):
            v["benefit"] = v["benefit"].lower()
            if v["benefit"] not in self.benefits:
                row.fail("benefit", _("Not one of the allowed values: %(codes)s.",
                                      codes=", ".join(sorted(self.benefits))))
        if row.entry is not None:  # checked against the placements once all are read
            moved = [c for c in ("intake_date", "consent_date") if row.ok(c)
                     and v[c] != row.entry[1][row.spec.index(c)]]
            if moved:
                self._moved_intakes.append((row.number, v["ref"], moved))
        if v["consent_date"] is None and "consent_date" not in row.failed:
            filled = [c for c in NEEDS_CONSENT if v[c] is not None or c in row.failed]
            if filled:
                row.fail("consent_date", _(
                    "Consent must be recorded before anything beyond the name is saved. Fill "
                    "in consent_date, or empty these columns: %(columns)s.",
                    columns=", ".join(filled)))
                return
        withdrawn = self._withdrawals().get(v["ref"])
        if withdrawn is not None and row.ok("consent_date") and v["consent_date"] > withdrawn:
            row.fail("consent_date", _(
                "The consent was withdrawn on %(date)s; the consent date cannot be after it.",
                date=short_date(withdrawn)))
        area = self.ref(row, "housing_area", "housing_areas")
        municipality = self.org_kind(row, "municipality_cvr", ("municipality",))
        if area is None:
            return
        area_cvr = self.value("housing_areas", area, "municipality_cvr")
        if v["municipality_cvr"] is None and "municipality_cvr" not in row.failed:
            v["municipality_cvr"] = area_cvr  # the area tells the municipality, as on the form
        elif municipality is not None and area_cvr != v["municipality_cvr"]:
            owner = self.lookup("organisations", area_cvr)
            row.fail("housing_area", _(
                "%(area)s lies in %(municipality)s. Choose the matching municipality or "
                "another housing area.", area=v["housing_area"],
                municipality=self.value("organisations", owner, "name") if owner else area_cvr))

    def _check_pseudonym(self, row: Row) -> None:
        """A pseudonym is drawn once and never changes; no two participants share one."""
        v, old = row.values, row.entry[1] if row.entry else None
        if "pseudonym" in row.failed:
            return
        index = SPECS["participants"].index("pseudonym")
        if old is not None and old[index]:
            if v["pseudonym"] is None:
                v["pseudonym"] = old[index]  # an empty cell keeps it
            elif v["pseudonym"] != old[index]:
                row.fail("pseudonym", _(
                    "A participant's pseudonym never changes: %(ref)s has %(pseudonym)s.",
                    ref=v["ref"], pseudonym=old[index]))
                return
        if v["pseudonym"] is None:
            return  # a new participant without one gets one drawn
        owners = self._pseudonym_owners()
        owner = owners.get(v["pseudonym"])
        if owner is None or owner == v["ref"]:
            owners[v["pseudonym"]] = v["ref"]
        elif self._is_anonymised(owner):
            # E.g. a row of an export made before the participant was erased.
            row.fail("pseudonym", _(
                "%(pseudonym)s is the pseudonym of a participant who has been anonymised "
                "(%(ref)s); an import cannot bring their data back.",
                pseudonym=v["pseudonym"], ref=owner))
        else:
            row.fail("pseudonym", _("%(pseudonym)s is the pseudonym of the participant "
                                    "%(ref)s.", pseudonym=v["pseudonym"], ref=owner))

    def _pseudonym_owners(self) -> dict:
        if self._pseudonyms is None:
            index = SPECS["participants"].index("pseudonym")
            self._pseudonyms = {values[index]: ref for ref, (_id, values, _extra)
                                in self.existing("participants").items() if values[index]}
        return self._pseudonyms

    def _check_anonymised(self, row: Row) -> None:
        """An anonymised participant comes as it is: named by its pseudonym, without what
        anonymisation removed. Only erasure anonymises, never an import."""
        v = row.values
        if "anonymised_on" in row.failed or "intake_age_band" in row.failed:
            return
        if v["anonymised_on"] is None:
            if v["intake_age_band"] is not None:
                row.fail("intake_age_band", _(
                    "Only an anonymised participant has an age band at intake instead of a "
                    "birth year. Empty the cell, or fill in anonymised_on."))
            return
        if row.entry is not None and not row.entry[2]:
            row.fail("anonymised_on", _(
                "An import cannot anonymise a participant: erase them on the participant's "
                "page, which also removes their name everywhere else."))
            return
        if v["anonymised_on"] > self.today:
            row.fail("anonymised_on", _("The date cannot be after today."))
        for column in NOT_WHEN_ANONYMISED:
            if v[column] is not None and column not in row.failed:
                row.fail(column, _("An anonymised participant keeps none of this: empty the "
                                   "cell."))
        if "name" not in row.failed and "pseudonym" not in row.failed:
            if v["pseudonym"] is None:
                row.fail("pseudonym", _("An anonymised participant needs the pseudonym they "
                                        "have, which is also their name."))
            elif v["name"] != v["pseudonym"]:
                row.fail("name", _("An anonymised participant is named by their pseudonym "
                                   "(%(pseudonym)s), nothing else.", pseudonym=v["pseudonym"]))

    def _anonymised(self, row: Row) -> bool:
        """Whether the participant a follow-up or assessment is about is anonymised."""
        v = row.values
        if row.spec.name == "follow_ups":
            placement = self.lookup("placements", v["placement_ref"])
            ref = self.value("placements", placement, "participant_ref") if placement else None
        else:
            ref = v["participant_ref"]
        return self._is_anonymised(ref)

    def _is_anonymised(self, ref: str | None) -> bool:
        """Whether the participant is anonymised: in the database as the database says (an
        import never changes that), a new one as the workbook says."""
        entry = self.existing("participants").get(ref) if ref else None
        if entry is None:
            return False
        if entry[0] is not None:
            return bool(entry[2])
        return self.value("participants", entry[1], "anonymised_on") is not None

    def _consented(self, row: Row, then: str):
        """The row's participant when their consent is recorded; otherwise the row fails
        saying so, ending with what to do (`then`), and None."""
        participant = self.ref(row, "participant_ref", "participants")
        if participant is None:
            return None
        if self.value("participants", participant, "consent_date") is None:
            row.fail("participant_ref", _(
                "The participant %(ref)s has no consent recorded (consent_date).",
                ref=row.values["participant_ref"]) + " " + then)
            return None
        return participant

    def _check_placements(self, row: Row) -> None:
        v = row.values
        participant = self._consented(row, _("Record the consent before adding placements."))
        if participant is not None and row.ok("start") and self._start_moved(row):
            problem = start_problem(v["start"], v["participant_ref"],
                                    self.value("participants", participant, "intake_date"),
                                    self.value("participants", participant, "consent_date"))
            if problem:
                row.fail("start", problem)
        self._check_withdrawn(row)
        employer = self.org_kind(row, "employer_cvr", EMPLOYER_KINDS)
        project = self.ref(row, "case_number", "projects")
        if employer and project and not self.on_project(v["case_number"], v["employer_cvr"]):
            self.not_on_project(row, "employer_cvr", v["case_number"])
        if row.ok("start"):
            if row.ok("planned_end") and v["planned_end"] < v["start"]:
                row.fail("planned_end", _("The planned end cannot be before the start "
                                          "(%(date)s).", date=short_date(v["start"])))
            if row.ok("end") and v["end"] < v["start"]:
                row.fail("end", _("The end cannot be before the start (%(date)s).",
                                  date=short_date(v["start"])))
        if row.ok("hours_per_week") and not 0 < v["hours_per_week"] <= MAX_HOURS_PER_WEEK:
            row.fail("hours_per_week", _(
                "Hours per week must be more than 0 and at most 60 (you entered %(value)s).",
                value=shown(row.raw.get("hours_per_week"))))
        if "outcome" not in row.failed and "end" not in row.failed:
            if v["outcome"] and not v["end"]:
                row.fail("outcome", _("An outcome needs the actual end date."))
            elif v["end"] and not v["outcome"]:
                row.fail("outcome", _("An ended placement needs its outcome: %(codes)s.",
                                      codes=", ".join(OUTCOMES)))
        if row.ok("next_ref"):
            if v["next_ref"] == v["ref"]:
                row.fail("next_ref", _("A placement cannot lead to itself."))
            else:  # it may point forward in the sheet: checked when the sheet is read
                self._next_checks.append((row.number, v["ref"], v["next_ref"],
                                          v["participant_ref"]))

    def _check_withdrawn(self, row: Row) -> None:
        """No new placement for a participant who withdrew consent, nor one moved to them;
        the placements registered before stay as they are."""
        if not row.ok("participant_ref"):  # unreadable, unknown or without consent: said
            return
        ref = row.values["participant_ref"]
        withdrawn = self._withdrawals().get(ref)
        if withdrawn is None:
            return
        index = SPECS["placements"].index("participant_ref")
        if row.entry is None or row.entry[1][index] != ref:
            row.fail("participant_ref", _(
                "The participant %(ref)s withdrew their consent on %(date)s. No new "
                "placements can be added.", ref=ref, date=short_date(withdrawn)))

    def _withdrawals(self) -> dict:
        """Participants' references → the day they withdrew consent (loaded once)."""
        if self._withdrawn is None:
            self._withdrawn = dict(self.session.execute(
                select(Participant.ref, Participant.consent_withdrawn_on)
                .where(Participant.consent_withdrawn_on.is_not(None))).all())
        return self._withdrawn

    def _start_moved(self, row: Row) -> bool:
        """A new placement, or one whose start or participant changes: the rule on the start
        is checked then, so an unchanged row stored before the rule imports again."""
        spec, old = row.spec, row.entry[1] if row.entry else None
        if old is None or any(row.values[c] != old[spec.index(c)]
                              for c in ("start", "participant_ref")):
            self._moved_starts.add(row.values["ref"])
            return True
        return False

    def check_moved_intakes(self) -> None:
        """A participant whose intake or consent date the workbook changes: the new date may
        not come after the start of a placement the workbook leaves where it was (a placement
        it adds or moves is checked on its own row)."""
        if not self._moved_intakes:
            return
        index_p = SPECS["placements"].index("participant_ref")
        index_s = SPECS["placements"].index("start")
        wanted = {ref for _number, ref, _columns in self._moved_intakes}
        first: dict[str, tuple[date, str]] = {}
        for ref, (_id, values, _extra) in self.existing("placements").items():
            person = values[index_p]
            if person in wanted and ref not in self._moved_starts and values[index_s] \
                    and (person not in first or (values[index_s], ref) < first[person]):
                first[person] = (values[index_s], ref)
        participants = self.existing("participants")
        for number, ref, columns in self._moved_intakes:
            if ref not in first:
                continue
            start, placement = first[ref]
            for column in columns:
                day = participants[ref][1][SPECS["participants"].index(column)]
                if day is not None and day > start:
                    self.bad["participants"].add(ref)
                    self.problem("participants", number, column, day, _(
                        "The placement %(ref)s starts on %(start)s, before this date. Choose a "
                        "date on or before %(start)s, or move the placement's start first.",
                        ref=placement, start=short_date(start)))
        self._moved_intakes = []

    def _after_placements(self) -> None:
        """next_ref: exists, same participant, followed by one placement only, no circle."""
        placements = self.existing("placements")
        seen = self.seen["placements"]
        index_p = SPECS["placements"].index("participant_ref")
        index_n = SPECS["placements"].index("next_ref")
        for number, ref, next_ref, participant in self._next_checks:
            target = placements.get(next_ref)
            if target is None:
                self._next_problem(number, ref, next_ref, _(
                    "%(value)s is neither in the sheet %(sheet)s nor in the database.",
                    value=next_ref, sheet="placements"))
            elif participant and target[1][index_p] and target[1][index_p] != participant:
                self._next_problem(number, ref, next_ref, _(
                    "The next placement %(ref)s belongs to another participant (%(other)s).",
                    ref=next_ref, other=target[1][index_p]))
        self._next_checks = []
        before = defaultdict(list)
        for ref, (_id, values, _extra) in placements.items():
            if values[index_n]:
                before[values[index_n]].append(ref)
        for next_ref, refs in before.items():
            if len(refs) > 1:
                for ref in refs:
                    if ref in seen and ref not in self.bad["placements"]:
                        other = next(r for r in refs if r != ref)
                        self._next_problem(seen[ref], ref, next_ref, _(
                            "%(ref)s already follows %(other)s; a placement can follow only "
                            "one other.", ref=next_ref, other=other))
        # A chain must end: follow each new or changed pointer; meeting itself is a circle.
        for ref in seen:
            if ref in self.bad["placements"]:
                continue
            current, steps = placements[ref][1][index_n], 0
            while current and current != ref and steps <= len(placements):
                entry = placements.get(current)
                current = entry[1][index_n] if entry else None
                steps += 1
            if current == ref:
                self._next_problem(seen[ref], ref, placements[ref][1][index_n], _(
                    "The chain of next placements goes round in a circle back to %(ref)s.",
                    ref=ref))

    def _next_problem(self, number: int, ref: str, next_ref: str, reason: str) -> None:
        self.bad["placements"].add(ref)
        self.problem("placements", number, "next_ref", next_ref, reason)

    def _check_contractor_reports(self, row: Row) -> None:
        v = row.values
        if v["status"] == "returned" and v["review_note"] is None \
                and "review_note" not in row.failed:
            v["review_note"] = RETURNED_NOTE  # the database requires a reason
        clause = self.ref(row, "clause_ref", "clauses")
        contractor = self.org_kind(row, "contractor_cvr", ("contractor",))
        if clause is not None and contractor is not None:
            responsible = self.value("clauses", clause, "responsible_cvr")
            if responsible and responsible != v["contractor_cvr"]:
                row.fail("contractor_cvr", _(
                    "Only the clause's responsible contractor (CVR %(cvr)s) reports on it.",
                    cvr=responsible))
            elif not responsible:
                agreement = self.lookup("agreements", self.value("clauses", clause, "agreement_ref"))
                case = self.value("agreements", agreement, "case_number") if agreement else None
                if case and not self.on_project(case, v["contractor_cvr"]):
                    self.not_on_project(row, "contractor_cvr", case)
        if row.ok("period_start") and row.ok("period_end") and \
                v["period_end"] < v["period_start"]:
            row.fail("period_end", _("The period must end on or after its start."))
        if row.ok("hours") and row.ok("site_hours") and v["site_hours"] < v["hours"]:
            row.fail("site_hours", _(
                "The total site hours cannot be lower than the hours of local hires "
                "(%(hours)s).", hours=display(v["hours"])))
        unit = self.value("clauses", clause, "unit") if clause else None
        for figure in REQUIRED_BY_UNIT.get(unit, ()):
            if v[figure] is None and figure not in row.failed:
                row.fail(figure, _(
                    "The clause is measured in %(unit)s, so this figure is required (write 0 "
                    "when there is none).", unit=str(UNIT_WORDS[unit])))
        if row.entry is None and row.ok("clause_ref") and row.ok("contractor_cvr") \
                and row.ok("period_start"):
            # A new row for a period already reported is the period's next version.
            group = (v["clause_ref"], v["contractor_cvr"], v["period_start"])
            versions = self._report_versions()
            row.extra = versions[group] = versions.get(group, 0) + 1

    def _report_versions(self) -> dict:
        if self._versions is None:
            self._versions = {}
            for _id, values, version in self.existing("contractor_reports").values():
                if version is not None:
                    group = (values[1], values[2], values[3])
                    self._versions[group] = max(self._versions.get(group, 0), version)
        return self._versions

    # --- Parties, follow-ups, assessments, evaluations ---------------------------------

    def _check_agreement_parties(self, row: Row) -> None:
        self.ref(row, "agreement_ref", "agreements")
        self.ref(row, "organisation_cvr", "organisations")

    def _check_follow_ups(self, row: Row) -> None:
        v = row.values
        if row.ok("months") and v["months"] not in FOLLOW_UP_MONTHS:
            row.fail("months", _("Follow-ups are registered 3, 6 or 12 months after the "
                                 "placement ended."))
        placement = self.ref(row, "placement_ref", "placements")
        if placement is not None:
            end = self.value("placements", placement, "end")
            outcome = self.value("placements", placement, "outcome")
            if end is None or outcome is None or outcome == "next_placement" \
                    or self.value("placements", placement, "next_ref"):
                row.fail("placement_ref", _(
                    "Follow-ups are registered after the placement that ends the pathway "
                    "(ended, with an outcome other than next_placement and no next_ref)."))
            elif row.ok("follow_up_date") and v["follow_up_date"] < end:
                row.fail("follow_up_date", _(
                    "The follow-up cannot be before the placement ended (%(date)s).",
                    date=short_date(end)))
        self._not_after_today(row, "follow_up_date")
        self._no_note_when_anonymised(row)

    def _check_progress_assessments(self, row: Row) -> None:
        v = row.values
        self._consented(row, _("Record the consent before registering progress."))
        for dimension in DIMENSIONS:
            if row.ok(dimension) and not 1 <= v[dimension] <= 10:
                row.fail(dimension, _("A score is a whole number from 1 to 10."))
        if all(v[d] is None and d not in row.failed for d in DIMENSIONS):
            row.fail(next(iter(DIMENSIONS)), _("Give a score on at least one dimension."))
        self._not_after_today(row, "assessed_on")
        self._no_note_when_anonymised(row)

    def _check_evaluations(self, row: Row) -> None:
        self.ref(row, "agreement_ref", "agreements")
        self._evaluation_year(row)

    def _check_evaluation_actions(self, row: Row) -> None:
        v = row.values
        if self._evaluation_year(row) and row.ok("agreement_ref") and \
                "evaluations" not in self.unchecked:
            key = (v["agreement_ref"], v["year"])
            if self.lookup("evaluations", key) is None:
                row.fail("year", _(
                    "There is no evaluation of %(ref)s for %(year)s, neither in the sheet "
                    "evaluations nor in the database.", ref=v["agreement_ref"], year=v["year"]))
        self._not_after_today(row, "done_on")

    def _evaluation_year(self, row: Row) -> bool:
        if not row.ok("year"):
            return False
        if not FIRST_EVALUATION_YEAR <= row.values["year"] <= self.today.year:
            row.fail("year", _("An evaluation looks back at a year from %(first)s to "
                               "%(year)s.", first=FIRST_EVALUATION_YEAR, year=self.today.year))
            return False
        return True

    def _not_after_today(self, row: Row, column: str) -> None:
        if row.ok(column) and row.values[column] > self.today:
            row.fail(column, _("The date cannot be after today."))

    def _no_note_when_anonymised(self, row: Row) -> None:
        if row.ok("note") and self._anonymised(row):
            row.fail("note", _("The participant has been anonymised: notes about them are not "
                               "kept. Empty the cell."))
