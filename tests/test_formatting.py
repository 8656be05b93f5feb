"""Danish number and date formats (GLOSSARY.md, Formats)."""
from datetime import date
from decimal import Decimal

from flask_babel import force_locale

from tracker import formatting


def test_danish_formats(app):
    with app.test_request_context():
        assert formatting.number(Decimal("1234.5"), 1) == "1.234,5"
        assert formatting.number(1234567) == "1.234.567"
        assert formatting.money(1234567) == "1.234.567 kr."
        assert formatting.percent(Decimal("40")) == "40,0 %"
        assert formatting.short_date(date(2026, 11, 24)) == "24.11.2026"
        assert formatting.long_date(date(2026, 6, 30)) == "30. juni 2026"
        assert formatting.code_label("wage_subsidy", "placement_kind") == "Løntilskud"
        assert formatting.number(None) == ""
        assert [formatting.number(n) for n in (-1234, 0, 999, 1000, 12345678)] == [
            "-1.234", "0", "999", "1.000", "12.345.678"]
        assert formatting.short_date(date(987, 1, 5)) == "05.01.0987"
        # Rounded half to even, from the decimal value written (2.675 as a float is a hair
        # below 2.675, but the figure shown is the one written).
        assert [formatting.number(v, 2) for v in (Decimal("2.675"), 2.675, Decimal("0.125"))] \
            == ["2,68", "2,68", "0,12"]
        assert formatting.number(Decimal("-1234567.05"), 1) == "-1.234.567,0"
        assert formatting.number(7, 1) == "7,0"


def test_english_formats(app):
    with app.test_request_context(), force_locale("en"):
        assert formatting.number(Decimal("1234.5"), 1) == "1,234.5"
        assert formatting.percent(40) == "40.0%"
        assert [formatting.number(n) for n in (-1234, 0, 1000, 12345678)] == [
            "-1,234", "0", "1,000", "12,345,678"]
        assert formatting.short_date(date(2026, 6, 30)) == "30 Jun 2026"
        assert formatting.code_label("wage_subsidy", "placement_kind") == "Wage-subsidy job"


def test_a_moment_shows_as_its_danish_date(app):
    from datetime import datetime, timezone

    with app.test_request_context():
        # 23:30 UTC on 30 June is 01:30 on 1 July in Copenhagen (summer time, UTC+2).
        moment = datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)
        assert formatting.short_date(moment) == "01.07.2026"
        assert formatting.short_date(date(2026, 6, 30)) == "30.06.2026"
