"""Danish identifiers: CVR numbers, kommunekoder, and CPR-shaped numbers (refused)."""
import csv
import re
from datetime import date
from functools import lru_cache
from pathlib import Path

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


def municipality_code_is_valid(code: str | None) -> bool:
    return bool(code) and code in municipalities()


# DDMMYY-XXXX, DDMMYY XXXX or ten digits in a row, not inside a longer number.
_CPR_SHAPE = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})[- ]?(\d{4})(?!\d)")


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
    return any(_is_date(m[1], m[2], m[3]) for m in _CPR_SHAPE.finditer(text))
