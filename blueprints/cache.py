"""A small cache every worker shares: Redis when REDIS_URL is set (and answering), else this process's memory.

For numbers that are expensive to compute and fine to show a little stale, such as how many pages the
catalog has, and for whole pages as signed-out visitors see them. Never for anything a rule depends on."""
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from functools import wraps
from urllib.parse import urlencode

import redis
from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from config import redis_client_options

_memory: dict[str, tuple[float, object]] = {}
MEMORY_ENTRIES = 2000  # this process keeps at most this many values; Redis evicts by its own policy
# While Redis is unreachable, this process leaves it alone for this long before trying again, so an outage
# costs one request a timeout now and then rather than every request.
RETRY_REDIS_SECONDS = 5.0
log = logging.getLogger(__name__)


class SharedRedis:
    """The app's Redis client, and whether Redis was unreachable a moment ago."""

    def __init__(self, url: str, timeout: float):
        self.client = redis.Redis.from_url(url, **redis_client_options(timeout))
        where = self.client.connection_pool.connection_kwargs
        self.address = f"{where.get('host', 'localhost')}:{where.get('port', 6379)}"  # for the log: no password
        self.retry_at = 0.0  # monotonic time; 0 while Redis answers
        self.lock = threading.Lock()

    def available(self) -> bool:
        return self.retry_at <= time.monotonic()

    def failed(self, error: redis.RedisError) -> None:
        with self.lock:
            if not self.retry_at:
                # Once per outage: a log line per request would bury everything else.
                log.warning("Redis at %s is unreachable (%s): each worker caches in its own memory until it "
                            "answers again", self.address, error)
            self.retry_at = time.monotonic() + RETRY_REDIS_SECONDS

    def answered(self) -> None:
        if self.retry_at:
            with self.lock:
                if self.retry_at:
                    log.info("Redis at %s answers again", self.address)
                self.retry_at = 0.0


def _shared_redis() -> SharedRedis | None:
    if not current_app.config.get("REDIS_URL"):
        return None
    if "shared_cache" not in current_app.extensions:
        current_app.extensions["shared_cache"] = SharedRedis(current_app.config["REDIS_URL"],
                                                             current_app.config["REDIS_TIMEOUT_SECONDS"])
    return current_app.extensions["shared_cache"]


def redis_status() -> str:
    """For the health check: "ok", "unreachable", or "not used" (no REDIS_URL: one worker, its own memory)."""
    shared = _shared_redis()
    if shared is None:
        return "not used"
    try:
        shared.client.ping()
    except redis.RedisError:
        return "unreachable"
    return "ok"


def _redis():
    """Redis, or None to use this process's memory: none is configured, or it was unreachable a moment ago."""
    shared = _shared_redis()
    return shared if shared is not None and shared.available() else None


_MISSING = object()


def _get(key: str):
    if (shared := _redis()) is not None:
        try:
            found = shared.client.get(key)
        except redis.RedisError as error:
            shared.failed(error)  # pages still work, only slower
        else:
            shared.answered()
            return _MISSING if found is None else json.loads(found)
    expires, value = _memory.get(key, (0.0, _MISSING))
    return value if expires > time.monotonic() else _MISSING


def _put(key: str, value, seconds: int) -> None:
    if (shared := _redis()) is not None:
        try:
            shared.client.set(key, json.dumps(value), ex=seconds)
        except redis.RedisError as error:
            shared.failed(error)
        else:
            return
    if len(_memory) >= MEMORY_ENTRIES:
        now = time.monotonic()
        expired = [name for name, (expires, _value) in _memory.items() if expires <= now]
        for name in expired or list(_memory)[:MEMORY_ENTRIES // 2]:  # else the oldest half
            _memory.pop(name, None)
    _memory[key] = (time.monotonic() + seconds, value)


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


_UNSHARED_HEADERS = {"content-length", "set-cookie"}
CSRF_FIELD = "csrf_token"  # where Flask-WTF keeps the request's signed token in `g`, and the raw one in the session
# All a visitor's session may hold for them to get a shared copy: their CSRF token, and the "not fresh" mark
# Flask-Login's session protection puts on any session from the second request on (it says nothing of them).
_NOTHING_OF_THEIR_OWN = {CSRF_FIELD, "_fresh"}


def _visitor_with_nothing_of_their_own() -> bool:
    # Their session holds at most a CSRF token (see _NOTHING_OF_THEIR_OWN): no cart, no message waiting to be
    # shown, no user.
    # A visitor who came through a share link sees who shared it (sharing's disclosure): never a shared copy.
    return (request.method == "GET" and set(session) <= _NOTHING_OF_THEIR_OWN
            and not current_user.is_authenticated and "ref" not in request.cookies)


def _page_key(reads: frozenset[str]) -> str:
    # Everything a signed-out visitor's page depends on: address, the parameters it reads (in one order, so
    # ?a=1&b=2 and ?b=2&a=1 share a copy), language and what htmx asks for.
    asked = "|".join(request.headers.get(name, "") for name in
                      ("HX-Request", "HX-Request-Type", "HX-History-Restore-Request", "HX-Target"))
    query = urlencode([(name, value) for name in sorted(reads) for value in request.args.getlist(name)])
    return f"shelfmade:page:{get_locale()}:{asked}:{request.base_url}?{query}"


def _with_own_token(body: str, stand_in: str) -> str:
    # A page without a form leaves the visitor without a token (and so without a session cookie).
    return body.replace(stand_in, generate_csrf()) if stand_in in body else body


def shared_with_visitors(view=None, *, reads: Iterable[str] = ()):
    """Serve the page to signed-out visitors with nothing of their own from a copy shared for
    PAGE_CACHE_SECONDS (so a visitor may see it that much out of date; signed-in users never do).
    Only for views whose GET has no side effect a visitor would miss.

    `reads` names the query parameters the page reads (`@shared_with_visitors(reads=("page",))`). An address
    with any other parameter (?utm_source=, ?junk=) gets a fresh page and no copy is kept: the key cannot grow
    with made-up parameters, and leaving them out of the key instead would hand the first visitor's parameters
    to everyone, since pages repeat their own address (the language switch's `next`).

    The copy is rendered with a random stand-in for the CSRF token, kept with it, and each visitor gets their
    own token in its place, so its forms work as on a fresh page. The stand-in is made after the page's text
    was written, so no one can have typed it into a comment (a fixed one could be, and would be replaced
    with the viewer's token)."""
    if view is None:
        return lambda view: shared_with_visitors(view, reads=reads)
    reads = frozenset(reads)

    @wraps(view)
    def serve(*args, **kwargs):
        seconds = current_app.config["PAGE_CACHE_SECONDS"]
        if seconds <= 0 or not _visitor_with_nothing_of_their_own() or not set(request.args) <= reads:
            return view(*args, **kwargs)
        key = _page_key(reads)
        if (copy := _get(key)) is not _MISSING and "stand_in" in copy:
            response = current_app.response_class(_with_own_token(copy["body"], copy["stand_in"]),
                                                  status=copy["status"], headers=copy["headers"])
            response.headers["X-Page-Cache"] = "hit"
            return response
        stand_in = f"csrf-stand-in-{secrets.token_hex(16)}"
        setattr(g, CSRF_FIELD, stand_in)  # generate_csrf() returns this while the page renders
        try:
            response = current_app.make_response(view(*args, **kwargs))
        finally:
            if g.get(CSRF_FIELD) == stand_in:
                g.pop(CSRF_FIELD)
        if response.is_streamed or response.mimetype != "text/html":
            return response
        body = response.get_data(as_text=True)
        if (response.status_code == 200 and set(session) <= _NOTHING_OF_THEIR_OWN
                and "Set-Cookie" not in response.headers):
            headers = [[name, value] for name, value in response.headers.items()
                       if name.lower() not in _UNSHARED_HEADERS]
            _put(key, {"status": 200, "headers": headers, "body": body, "stand_in": stand_in}, seconds)
            response.headers["X-Page-Cache"] = "miss"
        response.set_data(_with_own_token(body, stand_in))
        return response
    return serve
