"""Which language a request is served in (the user's choice, else the visitor's cookie, else the browser's),
and in which time zone its times are shown."""
from datetime import datetime
from functools import cache, lru_cache

from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_skeleton, get_timezone, get_timezone_location, get_timezone_name
from flask import g, has_app_context, has_request_context, request
from flask_babel import force_locale, get_locale, get_translations, gettext
from flask_babel import get_timezone as get_timezone_babel
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from blueprints.accounts.models import DEFAULT_TIME_ZONE
from blueprints.accounts.services import LANGUAGES, TIME_ZONES

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


def bound_translations():
    """The request's translations, found once per locale. Flask-Babel finds them anew for every string (about
    20 µs each, a few hundred per page); force_locale (an email in its recipient's language) swaps the request's
    locale object, so the binding is kept with the locale it was found for and found again when that changes.
    Should Flask-Babel keep its locale elsewhere one day, every string is looked up as before."""
    if not has_app_context():
        return get_translations()
    request_globals = g._get_current_object()
    locale = getattr(getattr(request_globals, "_flask_babel", None), "babel_locale", None)
    bound = getattr(request_globals, "bound_translations", None)
    if bound is not None and locale is not None and bound[0] is locale:
        return bound[1]
    translations = get_translations()  # chooses the request's locale first if none is chosen yet
    locale = getattr(getattr(request_globals, "_flask_babel", None), "babel_locale", None)
    if locale is not None:
        request_globals.bound_translations = (locale, translations)
    return translations


def install_bound_gettext(jinja_env) -> None:
    """Templates' _(), ngettext() and pgettext() through bound_translations (replaces Flask-Babel's callables)."""
    jinja_env.install_gettext_callables(
        gettext=lambda string: bound_translations().ugettext(string),
        ngettext=lambda singular, plural, n: bound_translations().ungettext(singular, plural, n),
        pgettext=lambda context, string: bound_translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: bound_translations().unpgettext(context, singular, plural, n),
        newstyle=True)


def html_lang(locale: str) -> str:
    """BCP 47 tag for the `lang` attribute (Babel writes zh_Hans, HTML wants zh-Hans)."""
    return locale.replace("_", "-")


# Time zones: every time is stored in UTC and shown in the viewer's zone, which is named beside it.

def select_timezone() -> str:
    """Flask-Babel's timezone_selector: the user's zone, else the site's default (visitors, emails)."""
    if has_request_context():
        try:
            if current_user.is_authenticated and current_user.time_zone in TIME_ZONES:
                return current_user.time_zone
        except SQLAlchemyError:
            pass
    return DEFAULT_TIME_ZONE


@cache  # a handful of zones and two languages; the catalogues do not change while the process runs
def zone_name(zone: str, locale: str) -> str:
    """What people call the zone: 北京时间 / Beijing time for China's, else the CLDR name."""
    if zone == DEFAULT_TIME_ZONE:
        with force_locale(locale):
            return gettext("Beijing time")
    return get_timezone_name(get_timezone(zone), locale=locale)


def format_local_datetime(value: datetime | None, format: str = "medium") -> str:
    """A time in the viewer's zone, with the zone named: "12月1日 00:42 (北京时间)". "medium" leaves the year out
    within the current year; other formats are Babel's."""
    if value is None:
        return ""
    zone, locale = str(get_timezone_babel()), str(get_locale())
    return _formatted(value, format, zone, locale, datetime.now(get_timezone(zone)).year)


@lru_cache(maxsize=4096)  # a page shows the same few dozen times to every viewer in a zone, at ~50 µs each
def _formatted(value: datetime, format: str, zone: str, locale: str, this_year: int) -> str:
    local = value.astimezone(get_timezone(zone))
    if format == "medium":
        skeleton = "MMMd" if local.year == this_year else "yMMMd"
        text = f"{format_skeleton(skeleton, local, locale=locale)} {local:%H:%M}"
    else:
        text = babel_format_datetime(local, format, tzinfo=local.tzinfo, locale=locale)
    return f"{text} ({zone_name(zone, locale)})"


@cache
def time_zone_choices(locale: str) -> list[tuple[str, str]]:
    """Every common zone, labelled by its place in the viewer's language, China's first."""
    labelled = [(zone, f"{get_timezone_location(get_timezone(zone), locale=locale)} · {zone}")
                for zone in sorted(TIME_ZONES - {DEFAULT_TIME_ZONE})]
    return [(DEFAULT_TIME_ZONE, f"{zone_name(DEFAULT_TIME_ZONE, locale)} · {DEFAULT_TIME_ZONE}"), *labelled]
