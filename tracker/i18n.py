"""Translation for the application: `gettext` (import it as `_`), `ngettext`,
`lazy_gettext` (as `_l`), `locale` and `timezone`, Flask-Babel's own, used in the code, the
templates and the number and date formats; and `today`, the date in that time zone.

**Escaping.** Flask-Babel's lazy string declares itself safe HTML (`__html__` returns its
text), so a message with a value put in — "%(name)s already has this CVR number." with a
name someone typed — would reach the page as markup. Here the text is escaped when it
becomes HTML, as any other string is; a message without values reads the same either way.
"""
from datetime import UTC, date, datetime

import flask_babel
from flask_babel import gettext, ngettext
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

__all__ = ["LazyText", "gettext", "install", "lazy_gettext", "locale", "ngettext", "timezone",
           "today", "translations"]


def locale():
    """The language of the moment (babel.Locale); None outside a request."""
    return flask_babel.get_locale()


def timezone():
    """The user's time zone of the moment."""
    return flask_babel.get_timezone()


def today(now: datetime | None = None) -> date:
    """Today's date in the application's time zone (Europe/Copenhagen), for rules such as
    "not in the future": a server clock on UTC is still on yesterday for the first hour or
    two of a Danish day. `now` (aware) stands in for the clock."""
    return (now or datetime.now(UTC)).astimezone(timezone()).date()


def translations():
    """The catalogue of the language of the moment."""
    return flask_babel.get_translations()


class LazyText(LazyString):
    """A lazily translated message that is text, never markup."""

    def __html__(self) -> Markup:
        return escape(str(self))


def lazy_gettext(string: str, **variables) -> LazyText:
    """Like flask_babel.lazy_gettext: translated in the language of the moment it is shown."""
    return LazyText(gettext, string, **variables)


def install(jinja_env) -> None:
    """The templates' `_`, `gettext` and `ngettext`, in the language of the moment (as
    Flask-Babel installs them)."""
    jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True)
