"""Which language a request is served in: the user's choice, else the visitor's cookie, else the browser's."""
from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from blueprints.accounts.services import LANGUAGES

LOCALE_COOKIE = "locale"


def locale_from_accept_language() -> str:
    for tag, _quality in request.accept_languages:
        primary = tag.lower().replace("_", "-").split("-")[0]
        if primary == "zh":
            return "zh_Hans"
        if primary == "en":
            return "en"
    return "en"


def select_locale() -> str:
    if not has_request_context():  # commands and tests calling services directly
        return "en"
    try:
        if current_user.is_authenticated and current_user.locale in LANGUAGES:
            return current_user.locale
    except SQLAlchemyError:
        pass  # the database is down: still answer in the visitor's language

    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return locale_from_accept_language()


def html_lang(locale: str) -> str:
    """BCP 47 tag for the `lang` attribute (Babel writes zh_Hans, HTML wants zh-Hans)."""
    return locale.replace("_", "-")
