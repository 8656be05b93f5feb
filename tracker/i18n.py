"""Translation for the application: `gettext` (import it as `_`), `ngettext`,
`lazy_gettext` (as `_l`), `locale` and `timezone`, used instead of Flask-Babel's own in
the code, the templates and the number and date formats.

**Escaping.** Flask-Babel's lazy string declares itself safe HTML (`__html__` returns its
text), so a message with a value put in — "%(name)s already has this CVR number." with a
name someone typed — would reach the page as markup. Here the text is escaped when it
becomes HTML, as any other string is; a message without values reads the same either way.

**Speed.** A page translates and formats a few hundred labels and figures. Flask-Babel looks
the language and the catalogue up again for each (ten look-ups through Flask's context
proxies, 8–10 µs); here they are looked up once per request and language and kept on the
request's `g`, beside Flask-Babel's own per-request language. When that language changes
(Flask-Babel's `force_locale` for a Danish PDF, `refresh` after a change of language), the
catalogue is looked up again. Nothing is kept beyond the request.
"""
from babel.support import NullTranslations
import flask_babel
from flask.globals import _cv_app
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

_NO_TRANSLATIONS = NullTranslations()


def _namespace():
    """Flask-Babel's per-request namespace on `g`, or None outside an application context."""
    context = _cv_app.get(None)
    if context is None:
        return None
    namespace = context.g.__dict__.get("_flask_babel")
    if namespace is None:
        flask_babel.get_locale()  # creates the namespace and chooses the language
        namespace = context.g.__dict__.get("_flask_babel")
    return namespace


def locale():
    """The language of the moment (babel.Locale), as flask_babel.get_locale()."""
    namespace = _namespace()
    if namespace is None:
        return None
    chosen = getattr(namespace, "babel_locale", None)
    return chosen if chosen is not None else flask_babel.get_locale()


def timezone():
    """The user's time zone of the moment, as flask_babel.get_timezone()."""
    namespace = _namespace()
    chosen = getattr(namespace, "babel_tzinfo", None) if namespace is not None else None
    return chosen if chosen is not None else flask_babel.get_timezone()


def translations():
    """The catalogue of the language of the moment."""
    namespace = _namespace()
    if namespace is None:
        return _NO_TRANSLATIONS
    chosen = getattr(namespace, "babel_locale", None)
    kept = getattr(namespace, "tracker_translations", None)
    if chosen is None or kept is None or kept[0] is not chosen:
        catalogue = flask_babel.get_translations()
        kept = namespace.tracker_translations = (flask_babel.get_locale(), catalogue)
    return kept[1]


def gettext(string: str, **variables) -> str:
    """The message in the language of the moment, with `variables` put in."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """The singular or plural message for `num`; `%(num)s` is available in it."""
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


class LazyText(LazyString):
    """A lazily translated message that is text, never markup."""

    def __html__(self) -> Markup:
        return escape(str(self))


def lazy_gettext(string: str, **variables) -> LazyText:
    """Like flask_babel.lazy_gettext: translated in the language of the moment it is shown."""
    return LazyText(gettext, string, **variables)


def install(jinja_env) -> None:
    """The templates' `_`, `gettext` and `ngettext` (Jinja's i18n extension, as Flask-Babel
    installs it, with the look-ups above)."""
    jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True)
