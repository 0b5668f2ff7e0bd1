"""A small cache every worker shares: Redis when REDIS_URL is set, else this process's memory.

For numbers that are expensive to compute and fine to show a little stale, such as how many pages the
catalog has, and for whole pages as signed-out visitors see them. Never for anything a rule depends on."""
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps

import redis
from flask import current_app, g, has_app_context, request, session
from flask_babel import get_locale, get_timezone
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import Session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

_memory: dict[str, tuple[float, object]] = {}
MEMORY_ENTRIES = 2000  # this process keeps at most this many values; Redis evicts by its own policy


def _redis():
    if not current_app.config.get("REDIS_URL"):
        return None
    if "shared_cache" not in current_app.extensions:
        current_app.extensions["shared_cache"] = redis.Redis.from_url(current_app.config["REDIS_URL"],
                                                                      socket_timeout=0.5)
    return current_app.extensions["shared_cache"]


_MISSING = object()


def _get(key: str):
    server = _redis()
    if server is None:
        expires, value = _memory.get(key, (0.0, _MISSING))
        return value if expires > time.monotonic() else _MISSING
    try:
        found = server.get(key)
    except redis.RedisError:
        return _MISSING  # the cache is down: pages still work, only slower
    return _MISSING if found is None else json.loads(found)


def _put(key: str, value, seconds: int) -> None:
    server = _redis()
    if server is None:
        if len(_memory) >= MEMORY_ENTRIES:
            now = time.monotonic()
            expired = [name for name, (expires, _value) in _memory.items() if expires <= now]
            for name in expired or list(_memory)[:MEMORY_ENTRIES // 2]:  # else the oldest half
                _memory.pop(name, None)
        _memory[key] = (time.monotonic() + seconds, value)
        return
    try:
        server.set(key, json.dumps(value), ex=seconds)
    except redis.RedisError:
        pass


# A value outlives its freshness by this factor, so a worker can serve it while another recomputes it.
STALE_FACTOR = 10
LOCK_SECONDS = 30  # the longest a recomputation may hold its lock before another worker tries


def remembered(key: str, seconds: int, compute: Callable[[], object]):
    """compute()'s JSON-able value, computed at most once per `seconds` (0: every time).

    Single flight: once the value is older than `seconds`, the first worker to take the key's lock
    recomputes it while every other request is served the last value, so an expiring count never
    makes several requests at once each wait for the recount. With no Redis (or Redis failing), each
    process keeps and recomputes its own values."""
    if seconds <= 0:
        return compute()
    key = f"shelfmade:{key}"
    found = _get(key)
    if not (isinstance(found, dict) and "fresh_until" in found):
        found = _MISSING  # nothing, or a value kept by the code before single flight
    now = time.time()
    if found is not _MISSING and found["fresh_until"] > now:
        return found["value"]
    if found is not _MISSING and not _take_lock(key):
        return found["value"]  # another worker is recomputing it
    try:
        value = compute()
        _put(key, {"value": value, "fresh_until": time.time() + seconds}, seconds * STALE_FACTOR)
    finally:
        if found is not _MISSING:
            _release_lock(key)
    return value


def _take_lock(key: str) -> bool:
    server = _redis()
    if server is None:
        return True  # one process: nobody else to wait for
    try:
        return bool(server.set(f"{key}:lock", "1", nx=True, ex=LOCK_SECONDS))
    except redis.RedisError:
        return True


def _release_lock(key: str) -> None:
    server = _redis()
    if server is not None:
        try:
            server.delete(f"{key}:lock")
        except redis.RedisError:
            pass


# Stands for the visitor's own CSRF token in a shared copy of a page.
CSRF_HOLE = "__shelfmade_csrf_token__"
_UNSHARED_HEADERS = {"content-length", "set-cookie"}


def _visitor_with_nothing_of_their_own() -> bool:
    # Their session holds at most a CSRF token: no cart, no message waiting to be shown, no user.
    # A visitor who came through a share link sees who shared it (sharing's disclosure): never a shared copy.
    return (request.method == "GET" and set(session) <= {"csrf_token"}
            and not current_user.is_authenticated and "ref" not in request.cookies)


def _page_key() -> str:
    # Everything a signed-out visitor's page depends on: address, language and what htmx asks for.
    asked = "|".join(request.headers.get(name, "") for name in
                      ("HX-Request", "HX-Request-Type", "HX-History-Restore-Request", "HX-Target"))
    return f"shelfmade:page:{get_locale()}:{asked}:{request.url}"


def shared_with_visitors(view):
    """Serve the page to signed-out visitors with nothing of their own from a copy shared for
    PAGE_CACHE_SECONDS (so a visitor may see it that much out of date; signed-in users never do).
    Each visitor's own CSRF token goes into the copy, so its forms work as on a fresh page.
    Only for views whose GET has no side effect a visitor would miss."""
    @wraps(view)
    def serve(*args, **kwargs):
        seconds = current_app.config["PAGE_CACHE_SECONDS"]
        if seconds <= 0 or not _visitor_with_nothing_of_their_own():
            return view(*args, **kwargs)
        key = _page_key()
        if (copy := _get(key)) is not _MISSING:
            body = copy["body"]
            if CSRF_HOLE in body:
                body = body.replace(CSRF_HOLE, generate_csrf())
            response = current_app.response_class(body, status=copy["status"], headers=copy["headers"])
            response.headers["X-Page-Cache"] = "hit"
            return response
        response = current_app.make_response(view(*args, **kwargs))
        if (response.status_code == 200 and response.mimetype == "text/html" and not response.is_streamed
                and set(session) <= {"csrf_token"} and "Set-Cookie" not in response.headers):
            body = response.get_data(as_text=True)
            if token := g.get("csrf_token"):
                body = body.replace(token, CSRF_HOLE)
            headers = [[name, value] for name, value in response.headers.items()
                       if name.lower() not in _UNSHARED_HEADERS]
            _put(key, {"status": 200, "headers": headers, "body": body}, seconds)
            response.headers["X-Page-Cache"] = "miss"
        return response
    return serve


# Fragments: the parts of a page that are the same for everyone who reads it in one language and time
# zone (a comment, a product's pictures), kept under keys that carry their item's version. A write bumps
# the version after it commits, so the next page renders afresh and the old copies are simply never asked
# for again; no timer decides when a change shows. A fragment under a versioned key never changes, so each
# process keeps the ones it used last in its own memory too, and asks Redis only for the version.
FRAGMENT_SECONDS = 24 * 3600
FRAGMENTS_IN_MEMORY = 3000
_fragments: "OrderedDict[str, str]" = OrderedDict()
_versions: dict[str, int] = {}


def fragments_enabled() -> bool:
    """On with Redis (every worker sees each bump); without it only where the app runs in one process."""
    setting = current_app.config.get("FRAGMENT_CACHE", "auto")
    if setting == "auto":
        return bool(current_app.config.get("REDIS_URL"))
    return setting in (True, "1", "on", "true")


def version_of(kind: str, item_id: int) -> int | None:
    """The item's fragment version, read once per request; None when it cannot be known (Redis down)."""
    asked = g.setdefault("fragment_versions", {})
    name = f"shelfmade:version:{kind}:{item_id}"
    if name not in asked:
        server = _redis()
        if server is None:
            asked[name] = _versions.get(name, 0)
        else:
            try:
                asked[name] = int(server.get(name) or 0)
            except redis.RedisError:
                asked[name] = None
    return asked[name]


def bump_version(kind: str, item_id: int) -> None:
    name = f"shelfmade:version:{kind}:{item_id}"
    server = _redis()
    if server is None:
        _versions[name] = _versions.get(name, 0) + 1
        return
    try:
        server.incr(name)
    except redis.RedisError:
        # The next pages cannot read a version either, so they render afresh rather than show old copies.
        current_app.logger.warning("could not bump the fragment version of %s", name)
    g.pop("fragment_versions", None)


def fragment_key(kind: str, item_id: int, *parts) -> str | None:
    """The key for a fragment of the item in the viewer's language and time zone, or None to render it."""
    if not fragments_enabled() or (version := version_of(kind, item_id)) is None:
        return None
    # The parts may be long (a facet list's every count), so they are hashed.
    hashed = hashlib.sha1(repr([str(part) for part in parts]).encode()).hexdigest()
    return f"shelfmade:fragment:{kind}:{item_id}:{version}:{get_locale()}:{get_timezone()}:{hashed}"


def cached_fragment(key: str | None, caller) -> Markup:
    """The HTML `caller()` renders, kept under `key` (from fragment_key); in Jinja:
    {% call cached_fragment(fragment_key("prototype", prototype.id, "comment", comment.id)) %}...{% endcall %}.
    Never wrap anything a viewer has of their own (their name, cart, token, likes) inside it."""
    if key is None:
        return Markup(caller())
    if (html := _fragments.get(key)) is not None:
        _fragments.move_to_end(key)
        return Markup(html)
    server = _redis()
    found = None
    if server is not None:
        try:
            found = server.get(key)
        except redis.RedisError:
            found = None
    html = found.decode() if found is not None else str(caller())
    if found is None and server is not None:
        try:
            server.set(key, html, ex=FRAGMENT_SECONDS)
        except redis.RedisError:
            pass
    _fragments[key] = html
    while len(_fragments) > FRAGMENTS_IN_MEMORY:
        _fragments.popitem(last=False)
    return Markup(html)


def bump_after_commit(session, kind: str, item_id: int | None) -> None:
    if item_id is not None:
        session.info.setdefault("shelfmade_changed", set()).add((kind, item_id))


def _note_writes(session, _flush_context) -> None:
    # Models say which cached items they appear in with `cached_in`: [(kind, attribute holding its id)].
    for instance in [*session.new, *session.dirty, *session.deleted]:
        for kind, attribute in getattr(instance, "cached_in", ()):
            bump_after_commit(session, kind, getattr(instance, attribute) if attribute else 0)


def _bump_committed(session) -> None:
    changed = session.info.pop("shelfmade_changed", set())
    if changed and has_app_context():
        for kind, item_id in changed:
            bump_version(kind, item_id)


def watch_writes() -> None:
    """Bump the versions of the items a commit changed (once per process, whatever the number of apps)."""
    if not event.contains(Session, "after_flush", _note_writes):
        event.listen(Session, "after_flush", _note_writes)
        event.listen(Session, "after_commit", _bump_committed)
