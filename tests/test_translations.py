"""Every interface string has its Danish text, and the catalogue holds what the code uses."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHODS = [("tracker/**.py", "python"), ("templates/**.html", "jinja2"),
           ("templates/**.txt", "jinja2")]


def _catalogue():
    with (ROOT / "tracker/translations/da/LC_MESSAGES/messages.po").open("rb") as fh:
        return read_po(fh, locale="da")


def test_every_message_has_danish_text():
    missing = [m.id for m in _catalogue() if m.id and not (
        m.string if isinstance(m.string, str) else all(m.string))]
    assert missing == []


def test_every_string_in_the_code_is_in_the_catalogue():
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue() if m.id}
    used = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), METHODS, keywords={k: v for k, v in KEYWORDS.items()}):
        used.add(message if isinstance(message, str) else message[0])
    assert sorted(used - known) == []


def test_a_lazy_message_with_a_value_is_text_when_it_becomes_html(app):
    from markupsafe import escape

    from tracker.i18n import lazy_gettext as _l

    with app.test_request_context():
        message = _l("%(name)s already has this CVR number.", name="<b>Bo & Co</b>")
        assert str(message) == "<b>Bo & Co</b> har allerede dette CVR-nummer."
        assert escape(message) == "&lt;b&gt;Bo &amp; Co&lt;/b&gt; har allerede dette CVR-nummer."


def test_messages_follow_a_change_of_language_within_a_request(app):
    """Messages follow the language of the moment: a Danish PDF rendered inside an English
    page's request (force_locale), a change of language saved during the request
    (refresh), and back."""
    from flask import render_template_string
    from flask_babel import force_locale, refresh

    from tracker.formatting import number
    from tracker.i18n import gettext, locale, ngettext

    template = "{{ _('Search') }} | {{ ngettext('%(num)d placement rule ends on the same day.', " \
               "'%(num)d placement rules end on the same day.', 2) }} | {{ 1234.5|number(1) }}"
    with app.test_request_context("/?lang=da"):
        assert gettext("Search") == "Søg"
        assert str(locale()) == "da"
        with force_locale("en"):
            assert gettext("Search") == "Search"
            assert number(1234.5, 1) == "1,234.5"
            assert render_template_string(template) == (
                "Search | 2 placement rules end on the same day. | 1,234.5")
        assert gettext("Search") == "Søg"
        assert number(1234.5, 1) == "1.234,5"
        assert ngettext("%(num)d placement rule ends on the same day.",
                        "%(num)d placement rules end on the same day.", 1) == (
            "1 forløbsregel ophører samme dag.")
        app.config["BABEL_DEFAULT_LOCALE"] = "en"
        try:
            refresh()  # as after a user changed language
            assert gettext("Search") == "Search"
        finally:
            app.config["BABEL_DEFAULT_LOCALE"] = "da"
        refresh()
        assert render_template_string(template).startswith("Søg | 2 ")


def test_outside_a_request_messages_are_the_source_text():
    from tracker.i18n import gettext

    assert gettext("Search") == "Search"
