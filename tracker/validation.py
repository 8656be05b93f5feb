"""Danish identifiers: CVR numbers, kommunekoder, and CPR-shaped numbers (refused); users'
e-mail addresses."""
import csv
import re
import unicodedata
from datetime import date
from functools import lru_cache
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def cvr_is_valid(cvr: str | None) -> bool:
    """8 digits, not starting with 0, whose weighted sum is divisible by 11 (modulus 11)."""
    if not cvr or not re.fullmatch(r"[1-9]\d{7}", cvr):
        return False
    return sum(int(d) * w for d, w in zip(cvr, CVR_WEIGHTS)) % 11 == 0


@lru_cache(maxsize=1)
def municipalities() -> dict[str, dict]:
    """The 98 municipalities by kommunekode: name, region, CVR where known."""
    path = Path(__file__).parent / "reference" / "municipalities.csv"
    with path.open(encoding="utf-8") as fh:
        return {row["kommunekode"]: row for row in csv.DictReader(fh)}


def email_problem(address: str | None) -> str | None:
    """Why `address` cannot be a user's e-mail, the name they sign in with (in English, from
    the e-mail library); None when it can. The sign-in form, the user form and `flask
    create-user` all ask here, so that no user is made whom the sign-in form would refuse
    (such as one at a reserved name like .test or localhost)."""
    try:
        validate_email(address or "", check_deliverability=False)
    except EmailNotValidError as error:
        return str(error)
    return None


def municipality_code_is_valid(code: str | None) -> bool:
    return bool(code) and code in municipalities()


# DD MM YY XXXX, not inside a longer number, the groups written together or apart with
# spaces, a dash, a dot or a slash: 0101901234, 010190-1234, 01.01.90-1234, 01 01 90 1234.
_GAP = r"[ \t]*[-./]?[ \t]*"
_CPR_SHAPE = re.compile(rf"(?<!\d)(\d{{2}}){_GAP}(\d{{2}}){_GAP}(\d{{2}}){_GAP}(\d{{4}})(?!\d)")
# Dashes and hyphens of every kind: Unicode's dash punctuation (category Pd) and the minus.
_DASHES = re.compile("[\u002d\u058a\u05be\u1400\u1806\u2010-\u2015\u2e17\u2e1a\u2e3a\u2e3b"
                     "\u2e40\u2e5d\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead"
                     "\u2212]")


def normalise(text: str) -> str:
    """Text as a CPR check reads it: compatibility forms folded (full-width digits, no-break
    spaces), every dash a "-", and invisible characters (zero-width spaces, soft hyphens)
    gone, so that no way of typing hides a number."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return _DASHES.sub("-", text)


def _is_date(dd: str, mm: str, yy: str) -> bool:
    for century in (1900, 2000):
        try:
            date(century + int(yy), int(mm), int(dd))
            return True
        except ValueError:
            continue
    return False


def contains_cpr(text: str | None) -> bool:
    """True when the text holds a CPR-shaped number: a valid DDMMYY date plus four digits."""
    if not text:
        return False
    return any(_is_date(m[1], m[2], m[3]) for m in _CPR_SHAPE.finditer(normalise(text)))


# A word of a name: letters, joined by a hyphen or an apostrophe (Anne-Marie, O'Neil).
NAME_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# A name as most are written: such words, one space between, nothing to normalise.
_PLAIN_NAME = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*(?: [^\W\d_]+(?:['’-][^\W\d_]+)*)*")


def folded_words(text: str) -> list[str]:
    """The words of the text, normalised (`normalise`) and case-folded, as names are looked
    for in it (tracker.names)."""
    return [m.group().casefold() for m in NAME_WORD.finditer(normalise(text))]


def name_words(name: str) -> list[str]:
    """A name's words as `folded_words` gives them. Most names need no normalising; that
    shortcut keeps reading many names quick."""
    if _PLAIN_NAME.fullmatch(name) and unicodedata.is_normalized("NFKC", name):
        return name.casefold().split(" ")
    return folded_words(name)


def first_name_key(name: str | None) -> str | None:
    """The first word of a full name (`name_words`), by which the names a text may hold are
    looked up; None for a name of one word, which is never looked for."""
    words = name_words(name or "")
    return words[0] if len(words) >= 2 else None
