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


@pytest.mark.parametrize("text", ["", "Telefon 12345678", "320190-1234", "011390-1234",
                                  "Sag 2026-001", "12345678901", "kontonr. 9999999999"])
def test_other_numbers_are_not_cpr(text):
    assert not contains_cpr(text)
