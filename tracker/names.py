"""Participants' names kept out of text that leaves the secretariat (issue: a contractor's
report comment named a resident, and the builder's clause status report printed it).

Text that builders and contractors read is refused on entry when it names a known
participant (`tracker.forms.no_participant_names`), and text stored before that is shown
to them with each name replaced by the participant's pseudonym (`mask_names`). A text's
names are looked up by its words (`names_for`), never by reading every participant's name.

A name is found when a participant's first name is followed by their last name (with or
without their middle names between; the last name also in the genitive, "Hassans"), as
whole words, in any letter case, after the text is normalised as the CPR check normalises
it (full-width letters folded, invisible characters gone). A participant known by one word
only is never looked for: one word is not a full name.
"""
import re
from collections.abc import Iterable
from dataclasses import dataclass

from flask import g, has_request_context
from sqlalchemy import select

from tracker import access
from tracker.extensions import db
from tracker.i18n import gettext as _
from tracker.models import Participant
from tracker.validation import NAME_WORD, folded_words, name_words, normalise

# A last name in the genitive is the name all the same: "Amina Hassans timer".
GENITIVES = ("'s", "’s", "s")
# Words looked up in one statement: far below any database's limit on parameters.
LOOKUP_BATCH = 500


def _words(text: str) -> list[re.Match]:
    return list(NAME_WORD.finditer(text))


@dataclass(frozen=True)
class NameMatch:
    """Where a participant's name stands in the (normalised) text, and whose it is: the
    pseudonym, or None when several participants have that name."""

    start: int
    end: int
    pseudonym: str | None


class ParticipantNames:
    """Participants' full names, by first name: the words that may follow it (the last
    name, or the middle and last names) and whose name that makes."""

    def __init__(self, names: Iterable[tuple[str, str]] = ()):
        self.by_first: dict[str, dict[tuple[str, ...], set[str]]] = {}
        # How many words follow each first name, longest first: what `find` looks up.
        self.lengths: dict[str, list[int]] = {}
        # The words whose participants `names_for` has read (all that have that first name).
        self.looked_up: set[str] = set()
        self.add(names)

    def add(self, names: Iterable[tuple[str, str]]) -> None:
        """More participants' names, as (name, pseudonym)."""
        firsts = set()
        for name, pseudonym in names:
            words = name_words(name or "")
            if len(words) < 2:
                continue
            following = self.by_first.setdefault(words[0], {})
            following.setdefault((words[-1],), set()).add(pseudonym)
            if len(words) > 2:
                following.setdefault(tuple(words[1:]), set()).add(pseudonym)
            firsts.add(words[0])
        for first in firsts:
            self.lengths[first] = sorted({len(rest) for rest in self.by_first[first]},
                                         reverse=True)

    def find(self, text: str | None) -> list[NameMatch]:
        """The participants' names in the normalised text, in order, the longest at each
        place. A few dictionary lookups per word, however many participants share a first
        name."""
        if not text or not self.by_first:
            return []
        text = normalise(text)
        words = _words(text)
        folded = [m.group().casefold() for m in words]
        found, i = [], 0
        while i < len(words):
            match = self._match_at(text, words, folded, i)
            if match is None:
                i += 1
                continue
            found.append(match[0])
            i = match[1] + 1
        return found

    def _match_at(self, text: str, words: list[re.Match], folded: list[str], i: int):
        """The longest name starting at word i, and the index of its last word; or None."""
        following = self.by_first.get(folded[i])
        for length in self.lengths.get(folded[i], ()):
            end = i + length
            if end >= len(words) or not _only_spaces(text, words[i:end + 1]):
                continue
            middle, last = tuple(folded[i + 1:end]), folded[end]
            for suffix in ("", *GENITIVES):
                if suffix and not last.endswith(suffix):
                    continue
                owners = following.get((*middle, last[:len(last) - len(suffix)]))
                if owners:
                    pseudonym = next(iter(owners)) if len(owners) == 1 else None
                    return NameMatch(words[i].start(), words[end].end() - len(suffix),
                                     pseudonym), end
        return None

    def mask(self, text: str | None, pseudonyms: bool = True) -> str | None:
        """The text with each participant's name replaced by their pseudonym (by a neutral
        word when the name is several participants', or without `pseudonyms`); unchanged
        when it names none."""
        matches = self.find(text)
        if not matches:
            return text
        text = normalise(text)
        parts, position = [], 0
        for match in matches:
            parts.append(text[position:match.start])
            parts.append((match.pseudonym if pseudonyms else None) or _("[participant]"))
            position = match.end
        parts.append(text[position:])
        return "".join(parts)


def _only_spaces(text: str, words: list[re.Match]) -> bool:
    """The words stand one after the other with only white space between them."""
    return all(text[a.end():b.start()].isspace() for a, b in zip(words, words[1:]))


def load_names() -> ParticipantNames:
    """Every participant's name that is still known (not anonymised): one query, for a
    document that masks many texts."""
    rows = db.session.execute(
        select(Participant.name, Participant.pseudonym)
        .where(Participant.anonymised_at.is_(None))).all()
    return ParticipantNames([tuple(row) for row in rows])


def names_for(*texts: str | None) -> ParticipantNames:
    """The participants whose names may stand in the texts: those whose first name is one of
    their words (by the indexed `first_name_key`). In a request the names read are kept for
    its other texts, and each word is looked up once."""
    if has_request_context():
        if "participant_names" not in g:
            g.participant_names = ParticipantNames()
        names = g.participant_names
    else:
        names = ParticipantNames()
    missing = sorted({word for text in texts if text for word in folded_words(text)}
                     - names.looked_up)
    for i in range(0, len(missing), LOOKUP_BATCH):
        words = missing[i:i + LOOKUP_BATCH]
        names.add(tuple(row) for row in db.session.execute(
            select(Participant.name, Participant.pseudonym)
            .where(Participant.first_name_key.in_(words),
                   Participant.anonymised_at.is_(None))))
        names.looked_up.update(words)
    return names


def prepare(user, texts: Iterable[str | None]) -> None:
    """Look up at once the names that may stand in the texts a page shows `user` masked,
    rather than one statement per text; none for the secretariat."""
    if getattr(user, "is_authenticated", False) and not user.is_secretariat:
        names_for(*texts)


def names_in(text: str | None) -> bool:
    """Whether the text names a known participant."""
    if not text or len(_words(text)) < 2:
        return False
    return bool(names_for(text).find(text))


def mask_names(text: str | None, pseudonyms: bool = True) -> str | None:
    """The text with known participants' names replaced by their pseudonyms (by a neutral
    word without `pseudonyms`)."""
    if not text or len(_words(text)) < 2:
        return text
    return names_for(text).mask(text, pseudonyms)


def masked_for(user, text: str | None) -> str | None:
    """The text as `user` may read it: as written for the secretariat; for everyone else
    with participants' names masked, by the pseudonym for builders and contractors and by
    a neutral word for the municipality, which knows residents by reference and must not
    learn their pseudonyms (`access.shows_pseudonym`)."""
    if not getattr(user, "is_authenticated", False):
        return mask_names(text, pseudonyms=False)
    if user.is_secretariat:
        return text
    return mask_names(text, pseudonyms=access.shows_pseudonym(user))


def register(app) -> None:
    """The `masked` filter: {{ report.comment|masked }} masks names for the signed-in user
    unless they are of the secretariat."""
    from flask_login import current_user

    app.jinja_env.filters["masked"] = lambda text: masked_for(current_user, text)
