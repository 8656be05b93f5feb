"""CVR modulus 11, kommunekoder, CPR-shaped numbers."""
import pytest

from tracker.validation import contains_cpr, cvr_is_valid, municipalities, municipality_code_is_valid


@pytest.mark.parametrize("cvr", ["55133018", "35209115", "64942212", "29189420"])
def test_real_municipality_cvrs_are_valid(cvr):
    assert cvr_is_valid(cvr)


@pytest.mark.parametrize("cvr", ["55133019", "5513301", "551330188", "05133018", "abcdefgh", "", None])
def test_invalid_cvrs(cvr):
    assert not cvr_is_valid(cvr)


def test_the_98_municipalities_are_shipped():
    table = municipalities()
    assert len(table) == 98
    assert table["751"]["name"] == "Aarhus"
    assert municipality_code_is_valid("101") and not municipality_code_is_valid("999")


@pytest.mark.parametrize("text", ["010190-1234", "0101901234", "cpr 311299 1234", "x 290200-1234 y"])
def test_cpr_shaped_numbers_are_found(text):
    assert contains_cpr(text)


# The ten ways the issue found a CPR number typed (#23): each must be caught.
ISSUE_VARIANTS = [
    "0101901234",
    "010190-1234",
    "010190\u20131234",  # en dash
    "010190\u20141234",  # em dash
    "01.01.90-1234",
    "010190 - 1234",
    "01 01 90 1234",
    "\uff10\uff11\uff10\uff11\uff19\uff10\uff0d\uff11\uff12\uff13\uff14",  # full-width
    "010190\u20101234",  # Unicode hyphen
    "01-01-90-1234",
]


@pytest.mark.parametrize("text", ISSUE_VARIANTS)
def test_every_way_of_typing_a_cpr_number_is_found(text):
    assert contains_cpr(f"Amina {text}")


@pytest.mark.parametrize("text", [
    "010190\u22121234",  # minus sign
    "010190\u00a01234",  # no-break space
    "010190\u200b1234",  # zero-width space
    "010190\u00ad1234",  # soft hyphen
    "01/01/90-1234",
    "01. 01. 90 - 1234",
    "\u0660\u0661\u0660\u0661\u0669\u0660-\u0661\u0662\u0663\u0664",  # Arabic-Indic digits
])
def test_other_disguises_are_found_too(text):
    assert contains_cpr(text)


@pytest.mark.parametrize("text", ["", "Telefon 12345678", "320190-1234", "011390-1234",
                                  "Sag 2026-001", "12345678901", "kontonr. 9999999999",
                                  "Telefon +45 20 30 40 50", "Kontraktsum 12.500.000 kr.",
                                  "Fra 01.02.2026 til 28.02.2026", "Uge 5 - 2026, 37 timer"])
def test_other_numbers_are_not_cpr(text):
    assert not contains_cpr(text)
