"""A small cache every worker shares: Redis when REDIS_URL is set, else this process's memory.

For numbers that are expensive to compute and fine to show a little stale, such as how many pages the
catalog has, and for whole pages as signed-out visitors see them. Never for anything a rule depends on."""
import json
import time
from collections.abc import Callable
from functools import wraps

import redis
from flask import current_app, g, request, session
from flask_babel import get_locale
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


def remembered(key: str, seconds: int, compute: Callable[[], object]):
    """compute()'s JSON-able value, computed at most once per `seconds` (0: every time)."""
    if seconds <= 0:
        return compute()
    key = f"shelfmade:{key}"
    if (value := _get(key)) is not _MISSING:
        return value
    value = compute()
    _put(key, value, seconds)
    return value


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
