"""New passwords: refused when found in the shipped list of breached passwords (also with
digits and signs around a listed word) or when they hold the user's name or e-mail."""
import gzip

import pytest

from tracker.auth.passwords import BREACHED_LIST, is_known, password_problem
from tracker.demo.data import DEMO_USERS

COMMON = "Adgangskoden er for almindelig eller for enkel"
PERSONAL = "Adgangskoden må ikke indeholde brugerens navn eller e-mailadresse."


@pytest.fixture()
def danish(app):
    with app.test_request_context():
        yield


def test_the_shipped_list_holds_the_top_hundred_thousand_lower_cased():
    with gzip.open(BREACHED_LIST, "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    # 100,000 ranked passwords, 96,518 once lower-cased and without repeats.
    assert len(lines) == len(set(lines)) == 96_518
    assert lines[:3] == ["123456", "password", "12345678"]
    assert all(line == line.lower() for line in lines)


@pytest.mark.parametrize("password", [
    "Password123!", "Passw0rd2026", "Summer2024!!", "!!2024summer", "password1234",
    "123456789012", "Qwerty123456", "iloveyou2026!", "sommer2024!!",
])
def test_breached_passwords_and_listed_words_with_a_suffix_are_refused(danish, password):
    assert is_known(password)
    assert COMMON in password_problem(password)


@pytest.mark.parametrize("password", [
    "blåbærgrød med fløde og kanel", "Tegl og mørtel i Gellerup 2026", "correct horse battery staple",
])
def test_good_passwords_are_accepted(danish, password):
    assert password_problem(password, name="Lone Bak", email="lone.bak@kaerhoej.dk") is None


@pytest.mark.parametrize("password", [
    "Lone-elsker-kaffe-2026", "kaffe hos BAKKEDAL 2026", "mit-LONE.BAK-kodeord", "Kærhøj Kaffe lone 1",
])
def test_a_password_holding_the_name_or_e_mail_is_refused(danish, password):
    assert password_problem(password, name="Lone Bak", email="lone.bak@kaerhoej.dk") == PERSONAL


def test_name_parts_under_three_letters_do_not_count(danish):
    assert password_problem("Bogholderi på Lindevej 7", name="Bo Li", email="bl@x.dk") is None


@pytest.mark.parametrize("role, email, password, name, _org", DEMO_USERS)
def test_the_demo_passwords_are_accepted(danish, role, email, password, name, _org):
    assert password_problem(password, name=name, email=email) is None
