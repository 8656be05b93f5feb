"""Friendly error pages in the user's language; JSON under /api/."""
from flask import abort, current_app, jsonify, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException

from tracker.extensions import db
from tracker.i18n import gettext as _


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Check what you entered and try again."),
        403: _("You do not have access to this page."),
        404: _("The page does not exist, or you do not have access to it."),
        405: _("This action is not allowed here."),
        410: _("This was withdrawn for data protection and no longer exists."),
        413: _("What was sent is too large. Make the file smaller, or send it in several "
               "parts."),
        429: _("Too many attempts. Wait a minute and try again."),
        500: _("Something went wrong on our side. The error has been logged; please try again."),
    }


class BadParameter(BadRequest):
    """A 400 whose description is the reason, written for the user in their language."""


def render_error(error: HTTPException):
    code = error.code or 500
    if code >= 500:
        db.session.rollback()
    if isinstance(error, BadParameter):
        message = error.description
    else:
        message = _messages().get(code, error.description)
    if request.path.startswith("/api/"):
        response = jsonify({"error": {"status": code, "message": message}})
    else:
        response = current_app.make_response(
            render_template("errors/error.html", code=code, message=message))
    response.status_code = code
    # The exception's own headers, such as the Allow of a 405, which HTTP requires.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def refuse_nul_bytes() -> None:
    """A NUL character is never meaningful input, and PostgreSQL refuses it with an error."""
    values = [*request.args.values(), *request.form.values(), request.path]
    if any("\x00" in value for value in values):
        abort(400)


def register(app) -> None:
    app.before_request(refuse_nul_bytes)
    app.register_error_handler(HTTPException, render_error)

    @app.errorhandler(Exception)
    def unexpected(error):  # pragma: no cover - exercised only by real faults
        app.logger.exception("Unhandled error")
        from werkzeug.exceptions import InternalServerError

        return render_error(InternalServerError())
