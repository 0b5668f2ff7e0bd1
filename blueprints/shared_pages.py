"""Busy pages rendered once and shared by everyone who reads them in one language and time zone, signed in
or not; only each viewer's own parts (their menu, cart, bell, messages, token, share link, suggestions) are
rendered per request, into the shared copy.

A shared copy is always rendered as a signed-out visitor sees the page, so nothing of the viewer's can end up
in it, and only a 200 is kept: a page only its viewer may see (a supplier's unpublished product) is a 404 to a
visitor and is rendered for the viewer alone. A viewer's own parts are named in the templates:

    {% block account_nav %}{% if sharing_page() %}{{ personal_part("account_nav") }}{% else %}…{% endif %}{% endblock %}

While a copy is made, `personal_part` leaves a stand-in there; every viewer of the copy gets the part
rendered for them by the function registered under that name (`@renders_personal_part("account_nav")`).
Anywhere else the block renders inline, as on any page.

Copies are keyed by the versions of what the page shows ("catalog", "codesign", and a product page's own), which
every write to those models bumps after it commits (blueprints/cache.py; a stock move bumps its product page's,
and the catalog's only when the variant goes in or out of stock, blueprints/catalog/stock.py): a change shows at
once, for everyone. PAGE_CACHE_SECONDS bounds how old the rest (counts kept by `remembered`) can be."""
import json
import re
import secrets
from collections.abc import Callable, Iterable
from functools import wraps
from urllib.parse import urlencode

from flask import current_app, g, request, session
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from blueprints.cache import _MISSING, fragments_enabled, keep_text, kept_text, versions_of
from extensions import login_manager

_UNSHARED_HEADERS = {"content-length", "set-cookie"}
CSRF_FIELD = "csrf_token"  # where Flask-WTF keeps the request's signed token in `g`, and the raw one in the session
# All a visitor's session may hold for them to get a shared copy: their CSRF token, and the "not fresh" mark
# Flask-Login's session protection puts on any session from the second request on (it says nothing of them).
_NOTHING_OF_THEIR_OWN = {CSRF_FIELD, "_fresh"}

# name: function(**args) -> HTML, or with batch=True function(list of args) -> list of HTML, one query for all
_RENDERERS: dict[str, tuple[Callable, bool]] = {}


def renders_personal_part(name: str, *, batch: bool = False):
    """Register the function that renders the part `personal_part(name, **args)` stands for."""
    def register(function):
        if name in _RENDERERS:  # one registry for every page: a second part of the name would replace the first
            raise ValueError(f"a personal part named {name!r} is registered already")
        _RENDERERS[name] = (function, batch)
        return function
    return register


def sharing_page() -> bool:
    """True while a shared copy is rendered: a viewer's own parts are then left as stand-ins."""
    return "personal_parts" in g


def personal_part(name: str, **args) -> Markup:
    """The stand-in for a viewer's own part while a shared copy is rendered. `args` are kept with the copy
    (as JSON), so they are ids and words, never objects."""
    making = g.personal_parts
    making["parts"].append([name, args])
    return Markup(f"<!--{making['stand_in']}-{len(making['parts']) - 1}-->")


def _filled(body: str, stand_in: str, parts: list) -> str:
    """The copy with each stand-in replaced by the part rendered for this viewer."""
    if not parts:
        return body
    rendered: list[str | None] = [None] * len(parts)
    by_name: dict[str, list[int]] = {}
    for index, (name, _args) in enumerate(parts):
        by_name.setdefault(name, []).append(index)
    for name, indexes in by_name.items():
        function, batch = _RENDERERS[name]
        if batch:
            for index, html in zip(indexes, function([parts[index][1] for index in indexes])):
                rendered[index] = str(html)
        else:
            for index in indexes:
                rendered[index] = str(function(**parts[index][1]))
    return re.sub(rf"<!--{re.escape(stand_in)}-(\d+)-->", lambda found: rendered[int(found[1])], body)


def _may_share(for_signed_in: bool | Callable[..., bool], view_args: dict) -> bool:
    # A page reached through a share link names its sharer, in the page and in its link preview: never shared.
    if request.method != "GET" or "ref" in request.cookies:
        return False
    if current_user.is_authenticated:
        # Their parts are rendered fresh, but the copy's versions must be seen by every worker.
        if not fragments_enabled():
            return False
        return for_signed_in(**view_args) if callable(for_signed_in) else for_signed_in
    return _visitor_with_nothing_of_their_own()


def _visitor_with_nothing_of_their_own() -> bool:
    # Their session holds at most a CSRF token (see _NOTHING_OF_THEIR_OWN): no cart, no message waiting to be
    # shown, no user. So their copy needs no personal parts: it is the page as any such visitor sees it.
    return set(session) <= _NOTHING_OF_THEIR_OWN


def _page_key(reads: frozenset[str], versions: list[int], who: str) -> str:
    # Everything the shared part of a page depends on: address, the parameters it reads (in one order, so
    # ?a=1&b=2 and ?b=2&a=1 share a copy), language, time zone, what htmx asks for and the versions of what
    # it shows.
    asked = "|".join(request.headers.get(name, "") for name in
                      ("HX-Request", "HX-Request-Type", "HX-History-Restore-Request", "HX-Target"))
    query = urlencode([(name, value) for name in sorted(reads) for value in request.args.getlist(name)])
    shown = ".".join(str(version) for version in versions)
    return f"shelfmade:page-copy:{who}:{get_locale()}:{get_timezone()}:{shown}:{asked}:{request.base_url}?{query}"


def _with_own_token(body: str, stand_in: str) -> str:
    # A page without a form leaves the visitor without a token (and so without a session cookie).
    return body.replace(stand_in, generate_csrf()) if stand_in in body else body


def shared_page(view=None, *, reads: Iterable[str] = (), shows: Iterable[str] = ("catalog",),
                item: Callable[..., tuple[str, str]] | None = None,
                for_signed_in: bool | Callable[..., bool] = True):
    """Serve the page from a copy shared by everyone for at most PAGE_CACHE_SECONDS, with each viewer's
    own parts rendered for them. Only for views whose GET has no side effect a viewer would miss.

    `reads` names the query parameters the page reads (`@shared_page(reads=("page",))`). An address
    with any other parameter (?utm_source=, ?junk=) gets a fresh page and no copy is kept: the key cannot grow
    with made-up parameters, and leaving them out of the key instead would hand the first visitor's parameters
    to everyone, since pages repeat their own address (the language switch's `next`).

    `shows` names the version counters of what the page shows (blueprints/cache.py `cached_in`): a write to any
    of it makes the next view render afresh. `item(**view arguments)` names the one item the page is about,
    as (kind, its address's slug), for what is bumped for that item alone (a product's stock).

    Signed-in viewers share a copy of their own, with their personal parts left as stand-ins (visitors' copies
    have none, so serving them costs nothing more); `for_signed_in=False` leaves them out, for a page whose
    own parts are not all named yet, and `for_signed_in(**view arguments)` decides per viewer, for a page
    that shows some viewers what a visitor's copy cannot hold (a moderator's tools, say).

    The copy is rendered with a random stand-in for the CSRF token, kept with it, and each viewer gets their
    own token in its place, so its forms work as on a fresh page. The stand-ins are made after the page's text
    was written, so no one can have typed them into a comment (a fixed one could be, and would be replaced
    with the viewer's token)."""
    if view is None:
        return lambda view: shared_page(view, reads=reads, shows=shows, item=item, for_signed_in=for_signed_in)
    reads, shows = frozenset(reads), tuple(shows)

    @wraps(view)
    def serve(*args, **kwargs):
        seconds = current_app.config["PAGE_CACHE_SECONDS"]
        if seconds <= 0 or not set(request.args) <= reads or not _may_share(for_signed_in, kwargs):
            return view(*args, **kwargs)
        # Read on every view, hit or miss: one MGET, not one GET per counter.
        versions = versions_of([(kind, 0) for kind in shows] + ([item(**kwargs)] if item is not None else []))
        if None in versions:  # Redis is unreachable: another worker's write could not be seen
            return view(*args, **kwargs)
        key = _page_key(reads, versions, "member" if current_user.is_authenticated else "visitor")
        if (kept := _kept_copy(key)) is not None:
            about, body = kept
            body = _filled(_with_own_token(body, about["stand_in"]), about["parts_stand_in"], about["parts"])
            response = current_app.response_class(body, status=about["status"], headers=about["headers"])
            response.headers["X-Page-Cache"] = "hit"
            return response
        return _render_and_share(view, args, kwargs, key, seconds)
    # Its GET changes nothing (see above): the sign-in reads what the header shows with it (accounts/signin.py).
    serve.changes_nothing_on_get = True
    return serve


# A copy is kept as one text: what it needs to be served, as JSON, on the first line, then the page as it is. As one
# JSON document the page's every quote and non-ASCII letter was escaped on the way in and unescaped on every view.

def _kept_copy(key: str) -> tuple[dict, str] | None:
    if (kept := kept_text(key)) is _MISSING:
        return None
    about, newline, body = kept.partition("\n")  # JSON never holds a raw line break
    return (json.loads(about), body) if newline else None


def _keep_copy(key: str, about: dict, body: str, seconds: int) -> None:
    keep_text(key, f"{json.dumps(about)}\n{body}", seconds)


def _render_and_share(view, args, kwargs, key: str, seconds: int):
    viewer = current_user._get_current_object() if current_user.is_authenticated else None
    stand_in = f"csrf-stand-in-{secrets.token_hex(16)}"
    parts_stand_in = f"personal-part-{secrets.token_hex(16)}"
    session_was_modified = session.modified
    setattr(g, CSRF_FIELD, stand_in)  # generate_csrf() returns this while the page renders
    if viewer is not None:
        g.personal_parts = {"stand_in": parts_stand_in, "parts": []}
        g._login_user = login_manager.anonymous_user()  # Flask-Login's current user: the copy is a visitor's page
    try:
        response = current_app.make_response(view(*args, **kwargs))
    except HTTPException:
        if viewer is None:
            raise
        response = None  # not for a visitor, such as a supplier's own unpublished product: theirs alone
    finally:
        if g.get(CSRF_FIELD) == stand_in:
            g.pop(CSRF_FIELD)
        parts = g.pop("personal_parts", {"parts": []})["parts"]
        if viewer is not None:
            g._login_user = viewer
            g.pop("header_facts", None)  # looked up for the visitor the copy was rendered as
    if response is None:
        return view(*args, **kwargs)
    if response.is_streamed or response.mimetype != "text/html":
        return response
    body = response.get_data(as_text=True)
    own_session = (session.modified and not session_was_modified) if viewer else not _visitor_with_nothing_of_their_own()
    # Nor a page that left a part out for now (a list a busy site works out on a later view or after the response).
    if response.status_code != 200 or "Set-Cookie" in response.headers or own_session or g.get("answered_meanwhile"):
        if viewer is not None:
            return view(*args, **kwargs)  # rendered for them, as a visitor's page may differ
    else:
        headers = [[name, value] for name, value in response.headers.items()
                   if name.lower() not in _UNSHARED_HEADERS]
        _keep_copy(key, {"status": 200, "headers": headers, "stand_in": stand_in, "parts_stand_in": parts_stand_in,
                         "parts": parts}, body, seconds)
        response.headers["X-Page-Cache"] = "miss"
    response.set_data(_filled(_with_own_token(body, stand_in), parts_stand_in, parts))
    return response
