"""`lazy_gettext` for messages that are translated when shown (form labels, validation
errors, code words): import it as `_l` from here, not from Flask-Babel.

Flask-Babel's lazy string declares itself safe HTML (`__html__` returns its text), so a
message with a value put in — "%(name)s already has this CVR number." with a name someone
typed — would reach the page as markup. Here the text is escaped when it becomes HTML, as
any other string is; a message without values reads the same either way.
"""
from flask_babel import gettext
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape


class LazyText(LazyString):
    """A lazily translated message that is text, never markup."""

    def __html__(self) -> Markup:
        return escape(str(self))


def lazy_gettext(string: str, **variables) -> LazyText:
    """Like flask_babel.lazy_gettext: translated in the language of the moment it is shown."""
    return LazyText(gettext, string, **variables)
