"""Styled error pages, in the user's language, for plain and htmx requests alike."""
from flask import current_app, make_response
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from blueprints.accounts.locale import html_lang
from blueprints.errors import AccessDenied
from blueprints.web import is_htmx, render
from extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("Something in that request was not right. Go back and try again.")),
    403: (_l("Not allowed"), _l("Your account cannot open this page.")),
    404: (_l("Page not found"), _l("There is nothing at this address. It may have moved, or the link may be mistyped.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    413: (_l("Too large"), _l("That upload is larger than 64 MB. Go back and add fewer pictures at a time.")),
    429: (_l("Too many requests"), _l("You are going a little fast. Wait a while, then try again.")),
    500: (_l("Something went wrong"), _l("We could not finish that. It is our fault, not yours; please try again shortly.")),
}
CSRF_MESSAGE = (_l("The form expired"), _l(
    "For your safety, forms stop working after a while or when cookies are blocked. Go back, reload the page and send it again."))


def error_page(code: int, title, message):
    # The request may have failed half-way through a transaction, or because the database is down:
    # the styled page must not fail the same way (it loads the signed-in user).
    db.session.rollback()
    try:
        response = render("errors/error.html", status=code, code=code, title=title, message=message)
    except SQLAlchemyError:
        db.session.rollback()
        # Straight from the environment: context processors would look up the user again.
        page = current_app.jinja_env.get_template("errors/plain.html").render(
            code=code, title=title, message=message, html_lang=html_lang(str(get_locale())))
        response = make_response(page, code)
    if is_htmx():
        # An error is never the fragment the page asked for: show the whole error page instead.
        response.headers["HX-Retarget"] = "body"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


def handle_http_error(error: HTTPException):
    """Also receives unexpected exceptions, wrapped by Flask as InternalServerError."""
    if error.response is not None:  # e.g. a rate-limited form that re-renders itself
        return error.response
    code = error.code or 500
    if isinstance(error, CSRFError):
        return error_page(400, *CSRF_MESSAGE)
    title, message = MESSAGES.get(code) or MESSAGES[500 if code >= 500 else 400]
    return error_page(code, title, message)


def handle_access_denied(error: AccessDenied):
    """Refused; when the rule knows why (an application still being reviewed, say), it says so."""
    if explanation := getattr(error, "explanation", None):
        return error_page(403, error.title, explanation)
    return error_page(403, *MESSAGES[403])


def register_error_handlers(app) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(AccessDenied, handle_access_denied)
