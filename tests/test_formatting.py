"""Danish number and date formats (GLOSSARY.md, Formats)."""
from datetime import UTC, date
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
        assert formatting.long_date(date(2026, 6, 30)) == "30 June 2026"
        assert formatting.money(1234567) == "DKK 1,234,567"
        assert formatting.code_label("wage_subsidy", "placement_kind") == "Wage-subsidy job"


def test_a_moment_shows_as_its_danish_date(app):
    from datetime import datetime

    with app.test_request_context():
        # 23:30 UTC on 30 June is 01:30 on 1 July in Copenhagen (summer time, UTC+2).
        moment = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
        assert formatting.short_date(moment) == "01.07.2026"
        assert formatting.short_date(date(2026, 6, 30)) == "30.06.2026"


def test_timestamps_in_copenhagen_time_across_the_clock_changes(app):
    """Stored times are UTC (naive ones too); shown in Danish time: UTC+2 in summer, UTC+1
    in winter; 2026's clock changes at 01:00 UTC on 29 March and 25 October."""
    from datetime import datetime

    utc = UTC
    with app.test_request_context():
        assert [formatting.timestamp(v) for v in (
            datetime(2026, 3, 29, 0, 59, tzinfo=utc),  # still winter time: 01:59
            datetime(2026, 3, 29, 1, 0, tzinfo=utc),  # summer time from here: 03:00
            datetime(2026, 10, 25, 0, 30),  # naive, read as UTC: 02:30 summer time
            datetime(2026, 10, 25, 1, 30, tzinfo=utc),  # 02:30 again, winter time
            datetime(2026, 12, 31, 23, 5, tzinfo=utc),  # the next day and year
        )] == ["29.03.2026 01:59", "29.03.2026 03:00", "25.10.2026 02:30",
               "25.10.2026 02:30", "01.01.2027 00:05"]
        assert formatting.timestamp(None) == ""
    with app.test_request_context(), force_locale("en"):
        assert formatting.timestamp(datetime(2026, 6, 30, 12, 5, tzinfo=utc)) == \
            "30 Jun 2026 14:05"


def test_a_job_or_command_formats_in_danish(app):
    """Outside a request (a job on the queue, a flask command) the default language and
    time zone apply: Danish, Copenhagen (UTC+2 in summer)."""
    from datetime import datetime

    with app.app_context():
        assert formatting.number(Decimal("1234.5"), 1) == "1.234,5"
        assert formatting.percent(Decimal("12.25")) == "12,2 %"
        assert formatting.long_date(date(2026, 6, 30)) == "30. juni 2026"
        assert formatting.timestamp(datetime(2026, 6, 30, 12, 5)) == "30.06.2026 14:05"


def test_chart_figures_are_danish_numbers(app):
    """A national annual report's chart peaks at 31,377 running placements: its axis says
    31.377 and 15.688 (31377 // 2), and a pathway box 1.234."""
    from datetime import date as day

    from tracker import charts

    with app.test_request_context(), force_locale("da"):
        svg = charts.monthly_columns([day(2026, 1, 1), day(2026, 2, 1)],
                                     {"internship": [20000, 31377]}, {"internship": "Praktik"},
                                     "Forløb")
        flow = charts.pathway_flow([("Praktik", 1234), ("Løntilskud", 56)], "Forløb")
    assert ">31.377<" in svg and ">15.688<" in svg and ">0<" in svg
    assert ">1.234<" in flow and ">56<" in flow
