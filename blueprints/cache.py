"""A small cache every worker shares: Redis when REDIS_URL is set (and answering), else this process's memory.

For numbers that are expensive to compute and fine to show a little stale, such as how many pages the
catalog has, and for whole pages (blueprints/shared_pages.py). Never for anything a rule depends on."""
import hashlib
import json
import logging
import secrets
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

import redis
from flask import (after_this_request, copy_current_request_context, current_app, g, has_app_context,
                   has_request_context)
from flask_babel import get_locale, get_timezone
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import Session

from config import redis_client_options

_memory: dict[str, tuple[float, str]] = {}  # key: (monotonic expiry, text)
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
    found = kept_text(key)
    return found if found is _MISSING else json.loads(found)


def _put(key: str, value, seconds: int) -> None:
    keep_text(key, json.dumps(value), seconds)


def kept_text(key: str):
    """The text kept under `key` (in Redis, else in this process's memory), or _MISSING."""
    if (shared := _redis()) is not None:
        try:
            found = shared.client.get(key)
        except redis.RedisError as error:
            shared.failed(error)  # pages still work, only slower
        else:
            shared.answered()
            return _MISSING if found is None else found.decode()
    expires, value = _memory.get(key, (0.0, _MISSING))
    return value if expires > time.monotonic() else _MISSING


def keep_text(key: str, text: str, seconds: int) -> None:
    if (shared := _redis()) is not None:
        try:
            shared.client.set(key, text, ex=seconds)
        except redis.RedisError as error:
            shared.failed(error)
        else:
            return
    if len(_memory) >= MEMORY_ENTRIES:
        now = time.monotonic()
        expired = [name for name, (expires, _value) in _memory.items() if expires <= now]
        for name in expired or list(_memory)[:MEMORY_ENTRIES // 2]:  # else the oldest half
            _memory.pop(name, None)
    _memory[key] = (time.monotonic() + seconds, text)


# A value outlives its freshness by this factor, so a worker can serve it while another recomputes it.
STALE_FACTOR = 10
LOCK_SECONDS = 30  # the longest a recomputation may hold its lock before another worker tries
RECOUNT_SLOT = "shelfmade:recounting"  # held (as its lock) by the one recount after a response on the site
# The same slot in this process, for when there is no Redis to share it: monotonic time it is free again.
_local_recount = {"held_until": 0.0}
_local_recount_lock = threading.Lock()


def remembered(key: str, seconds: int, compute: Callable[[], object], *, answer_first: bool = True,
               meanwhile: Callable[[], object] | None = None, when_busy: Callable[[], object] | None = None,
               version: int | None = None):
    """compute()'s JSON-able value, computed at most once per `seconds` (0: every time), and again once
    `version` (version_of what it is computed from) has moved on: it is then as stale as an old value.

    Single flight: once the value is older than `seconds`, the first worker to take the key's lock
    recomputes it while every other request is served the last value, so an expiring count never
    makes several requests at once each wait for the recount. In a request, that worker too answers with the
    last value and recomputes after sending its response, so no viewer waits for a recount at all
    (answer_first=False for a value only one user reads: they would always see it one view late). Those
    recounts take one site-wide turn; a stale value whose turn has not come stays as it is until a later view.
    A value older than STALE_FACTOR × `seconds` is gone, and is computed by the request that needs it, unless
    `meanwhile` says what to answer until it has been worked out after the response (in the same turn), or
    `when_busy` what to answer while another recount holds the turn (the value is then worked out by a later view;
    with the turn free, this request works it out). With no Redis (or Redis failing), each process keeps and
    recomputes its own values."""
    if seconds <= 0:
        return compute()
    key = f"shelfmade:{key}"
    found = _get(key)
    if not (isinstance(found, dict) and "fresh_until" in found):
        found = _MISSING  # nothing, or a value kept by the code before single flight
    now = time.time()
    if found is not _MISSING and found["fresh_until"] > now and (version is None or found.get("version") == version):
        return found["value"]
    if found is _MISSING and meanwhile is not None and has_request_context():
        if _take_lock(key):
            if _take_recount_slot():
                _recompute_after_response(key, seconds, compute, version)
            else:
                _release_lock(key)
        g.answered_meanwhile = True  # the page is not the whole page: no shared copy is kept of it
        return meanwhile()
    if found is _MISSING and when_busy is not None and has_request_context():
        if _take_lock(key):
            if _take_recount_slot():
                try:
                    return _recompute(key, seconds, compute, version)
                finally:
                    _release_lock(key)
                    _release_recount_slot()
            _release_lock(key)
        g.answered_meanwhile = True
        return when_busy()
    if found is not _MISSING and not _take_lock(key):
        return found["value"]  # another worker is recomputing it
    if found is not _MISSING and answer_first and has_request_context():
        # This request is served the last value too; its worker recounts once the response has been sent. One
        # such recount at a time on the whole site: when many values go stale together (every category's counts
        # after a quiet spell), they are recounted one after another, not all at once on every core.
        if _take_recount_slot():
            _recompute_after_response(key, seconds, compute, version)
        else:
            _release_lock(key)
        return found["value"]
    try:
        return _recompute(key, seconds, compute, version)
    finally:
        if found is not _MISSING:
            _release_lock(key)


def remembered_each(name: str, keys: Iterable[tuple], seconds: int, compute: Callable[[list[tuple]], dict],
                    default=None) -> dict:
    """{key: value} for many small values of one kind (how many people took part in each item), each kept in
    Redis for `seconds`: the kept ones are read in one round trip, the others worked out together by
    compute(missing keys) -> {key: value} (a key it leaves out gets `default`) and stored in one. No lock: each
    value is cheap, only asking the database for hundreds of them one list at a time is not. Without Redis,
    all are worked out each time."""
    keys = list(dict.fromkeys(keys))
    shared = _redis() if seconds > 0 and keys else None
    if shared is None:
        # Only Redis keeps them: hundreds a list would crowd this process's own few (MEMORY_ENTRIES) out.
        computed = compute(keys) if keys else {}
        return {key: computed.get(key, default) for key in keys}
    names = {key: f"shelfmade:{name}:" + ":".join(str(part) for part in key) for key in keys}
    try:
        values = shared.client.mget(list(names.values()))
    except redis.RedisError as error:
        shared.failed(error)
        values = [None] * len(keys)
    else:
        shared.answered()
    found = {key: json.loads(value) for key, value in zip(keys, values) if value is not None}
    if missing := [key for key in keys if key not in found]:
        computed = compute(missing)
        fresh = {key: computed.get(key, default) for key in missing}
        found.update(fresh)
        if shared.available():
            try:
                with shared.client.pipeline(transaction=False) as pipe:
                    for key, value in fresh.items():
                        pipe.set(names[key], json.dumps(value), ex=seconds)
                    pipe.execute()
            except redis.RedisError as error:
                shared.failed(error)
    return found


def _recompute(key: str, seconds: int, compute: Callable[[], object], version: int | None = None):
    value = compute()
    _put(key, {"value": value, "fresh_until": time.time() + seconds, "version": version}, seconds * STALE_FACTOR)
    return value


def _recompute_after_response(key: str, seconds: int, compute: Callable[[], object],
                              version: int | None = None) -> None:
    """Recompute a stale value after this request's response is sent (the WSGI server closes it), in a copy of
    the request's context: its own database session, the same user and language."""
    # The job runs in a copy of the request's context with a `g` of its own: it takes the locks' tokens along.
    tokens = {name: token for name in (key, RECOUNT_SLOT) if (token := _held_locks().pop(name, None))}

    def recompute():
        _held_locks().update(tokens)
        try:
            _recompute(key, seconds, compute, version)
        except Exception:  # the last value stays; the next view after the lock expires tries again
            log.exception("recomputing %s after the response failed", key)
        finally:
            _release_lock(key)
            _release_recount_slot()

    @after_this_request
    def recompute_when_sent(response):
        response.call_on_close(copy_current_request_context(recompute))
        return response


def _take_recount_slot() -> bool:
    with _local_recount_lock:
        now = time.monotonic()
        if _local_recount["held_until"] > now:
            return False
        _local_recount["held_until"] = now + LOCK_SECONDS  # expires like the Redis lock, should a response never close
    if _take_lock(RECOUNT_SLOT):
        return True
    _local_recount["held_until"] = 0.0
    return False


def _release_recount_slot() -> None:
    _local_recount["held_until"] = 0.0
    _release_lock(RECOUNT_SLOT)


def _take_lock(key: str) -> bool:
    if (shared := _redis()) is None:
        return True  # this process's own value: nobody else to wait for
    token = secrets.token_hex(8)
    try:
        taken = bool(shared.client.set(f"{key}:lock", token, nx=True, ex=LOCK_SECONDS))
    except redis.RedisError as error:
        shared.failed(error)
        return True
    if taken:
        _held_locks()[key] = token
    return taken


# Deletes a lock only if it is still the one this request took: a recount that outlived LOCK_SECONDS must not
# free the lock another worker has taken since.
_RELEASE_IF_OURS = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


def _release_lock(key: str) -> None:
    token = _held_locks().pop(key, None)
    if token is not None and (shared := _redis()) is not None:
        try:
            shared.client.eval(_RELEASE_IF_OURS, 1, f"{key}:lock", token)
        except redis.RedisError as error:
            shared.failed(error)


def _held_locks() -> dict[str, str]:
    """The Redis locks this request (or its recount after the response) took, with the token each holds."""
    if not has_app_context():
        return {}
    if "held_cache_locks" not in g:
        g.held_cache_locks = {}
    return g.held_cache_locks


# Fragments: the parts of a page that are the same for everyone who reads it in one language and time
# zone (a comment, a product's pictures), kept under keys that carry their item's version. A write bumps
# the version after it commits, so the next page renders afresh and the old copies are simply never asked
# for again; no timer decides when a change shows. A fragment under a versioned key never changes, so each
# process keeps the ones it used last in its own memory too, and asks Redis only for the version.
# A bump lost while Redis was unreachable leaves that item's fragments out of date at most this long.
FRAGMENT_SECONDS = 3600
# What each process keeps of them, by size (keys and HTML): a storefront's grid weighs as much as fifty comments.
# Only a round trip saver in front of Redis, which keeps them all: at 6 MB a worker grew 8 MB with them in a series.
FRAGMENT_MEMORY_BYTES = 2 * 1024 * 1024


class _KeptFragments(OrderedDict):
    """key: (monotonic expiry, HTML), least recently used first, with the HTML's size in memory."""
    size = 0

    def clear(self) -> None:
        super().clear()
        self.size = 0


_fragments = _KeptFragments()
_fragments_lock = threading.Lock()  # a thread's lookup must not meet another's eviction (gthread, flask run)
_versions: dict[str, int] = {}


def fragments_enabled() -> bool:
    """On with Redis (every worker sees each bump); without it only where the app runs in one process."""
    setting = current_app.config.get("FRAGMENT_CACHE", "auto")
    if setting == "auto":
        return bool(current_app.config.get("REDIS_URL"))
    return setting in (True, "1", "on", "true")


def version_of(kind: str, item_id: int | str) -> int | None:
    """The item's fragment version, read once per request; None when it cannot be known (Redis down)."""
    return versions_of([(kind, item_id)])[0]


def versions_of(items: list[tuple[str, int | str]]) -> list[int | None]:
    """version_of for several items, those not read yet in this request asked for in one round trip."""
    asked = g.setdefault("fragment_versions", {})
    names = [f"shelfmade:version:{kind}:{item_id}" for kind, item_id in items]
    if missing := [name for name in dict.fromkeys(names) if name not in asked]:
        if _shared_redis() is None:
            asked.update((name, _versions.get(name, 0)) for name in missing)
        elif (shared := _redis()) is None:
            # Unreachable a moment ago: other workers' bumps cannot be seen.
            asked.update((name, None) for name in missing)
        else:
            try:
                values = shared.client.mget(missing)
            except redis.RedisError as error:
                shared.failed(error)
                asked.update((name, None) for name in missing)
            else:
                asked.update((name, int(value or 0)) for name, value in zip(missing, values))
    return [asked[name] for name in names]


def bump_version(kind: str, item_id: int | str) -> None:
    name = f"shelfmade:version:{kind}:{item_id}"
    g.pop("fragment_versions", None)
    if _shared_redis() is None:
        _versions[name] = _versions.get(name, 0) + 1
        return
    # While Redis is unreachable the bump is lost (the outage is logged once, by SharedRedis): that item's
    # fragments may then be out of date for up to FRAGMENT_SECONDS once Redis answers again.
    if (shared := _redis()) is not None:
        try:
            shared.client.incr(name)
        except redis.RedisError as error:
            shared.failed(error)


def fragment_key(kind: str, item_id: int, *parts) -> str | None:
    """The key for a fragment of the item in the viewer's language and time zone, or None to render it."""
    if not fragments_enabled() or (version := version_of(kind, item_id)) is None:
        return None
    # The parts may be long (a facet list's every count), so they are hashed.
    hashed = hashlib.sha1(repr([str(part) for part in parts]).encode()).hexdigest()
    return f"shelfmade:fragment:{kind}:{item_id}:{version}:{get_locale()}:{get_timezone()}:{hashed}"


def cached_fragment(key: str | None, caller, seconds: int = FRAGMENT_SECONDS) -> Markup:
    """The HTML `caller()` renders, kept under `key` (from fragment_key); in Jinja:
    {% call cached_fragment(fragment_key("prototype", prototype.id, "comment", comment.id)) %}...{% endcall %}.
    Never wrap anything a viewer has of their own (their name, cart, token, likes) inside it. `seconds` shortens
    how long a fragment outlives a bump lost while Redis was unreachable, for one whose staleness would mislead.

    A fragment rendered here is stored in Redis once the response is ready, with the request's others, in one
    round trip; a list's fragments can be read in one too (prefetch_fragments)."""
    if key is None:
        return Markup(caller())
    html = _kept_fragment(key)
    if html is None and key not in g.get("fragments_missing", ()):
        html = _fetched_fragments([key]).get(key)
    if html is None:
        html = str(caller())
        _keep_fragment(key, html, seconds)
        g.setdefault("fragments_to_store", {})[key] = (html, seconds)
    return Markup(html)


def prefetch_fragments(keys: Iterable[str | None]) -> None:
    """Read the fragments a page is about to render (a thread's comments) in one round trip, rather than one
    each as they are met."""
    kept_fragments(keys)


def kept_fragments(keys: Iterable[str | None]) -> dict[str, str]:
    """{key: HTML} of the fragments of `keys` already kept (in this process, else in Redis, in one round trip),
    for a list that need not load what it would render a kept one from."""
    found, wanted = {}, []
    for key in dict.fromkeys(keys):
        if key is not None:
            if (html := _kept_fragment(key)) is None:
                wanted.append(key)
            else:
                found[key] = html
    if wanted:
        fetched = _fetched_fragments(wanted)
        found.update(fetched)
        g.setdefault("fragments_missing", set()).update(key for key in wanted if key not in fetched)
    return found


def _kept_fragment(key: str) -> str | None:
    with _fragments_lock:
        expires, html = _fragments.get(key, (0.0, None))
        if html is not None and expires > time.monotonic():
            _fragments.move_to_end(key)
            return html
    return None


def _keep_fragment(key: str, html: str, seconds: int = FRAGMENT_SECONDS) -> None:
    with _fragments_lock:
        if (replaced := _fragments.pop(key, None)) is not None:
            _fragments.size -= _weight(key, replaced[1])
        _fragments[key] = (time.monotonic() + seconds, html)
        _fragments.size += _weight(key, html)
        while _fragments.size > FRAGMENT_MEMORY_BYTES and len(_fragments) > 1:
            dropped, (_expires, dropped_html) = _fragments.popitem(last=False)
            _fragments.size -= _weight(dropped, dropped_html)


def _weight(key: str, html: str) -> int:
    return sys.getsizeof(key) + sys.getsizeof(html)


def _fetched_fragments(keys: list[str]) -> dict[str, str]:
    """The fragments Redis holds of `keys`, kept in this process's memory too."""
    if (shared := _redis()) is None:
        return {}
    try:
        values = shared.client.mget(keys)
    except redis.RedisError as error:
        shared.failed(error)
        return {}
    found = {key: value.decode() for key, value in zip(keys, values) if value is not None}
    for key, html in found.items():
        _keep_fragment(key, html)
    return found


def store_rendered_fragments(response):
    """After a request: the fragments it rendered afresh, stored in Redis in one round trip."""
    rendered = g.pop("fragments_to_store", None)
    if rendered and (shared := _redis()) is not None:
        try:
            with shared.client.pipeline(transaction=False) as pipe:
                for key, (html, seconds) in rendered.items():
                    pipe.set(key, html, ex=seconds)
                pipe.execute()
        except redis.RedisError as error:
            shared.failed(error)
    return response


def bump_after_commit(session, kind: str, item_id: int | str | None) -> None:
    if item_id is not None:
        session.info.setdefault("shelfmade_changed", set()).add((kind, item_id))


def _note_writes(session, _flush_context) -> None:
    # Models say which cached items they appear in with `cached_in`: [(kind, attribute holding its id)].
    for instance in [*session.new, *session.dirty, *session.deleted]:
        for kind, attribute in getattr(instance, "cached_in", ()):
            bump_after_commit(session, kind, getattr(instance, attribute) if attribute else 0)


def _note_statement_writes(state) -> None:
    # An INSERT, UPDATE or DELETE statement changes rows the session may never have loaded, so which item it
    # touched is not known here: every page of the kinds its model appears on renders afresh. A statement
    # whose caller bumps the items it changed itself says so (execution option `versions_bumped`), as stock
    # moves do (blueprints/catalog/stock.py). Kinds kept per item are the caller's to bump.
    if not (state.is_insert or state.is_update or state.is_delete) or state.execution_options.get("versions_bumped"):
        return
    mapper = state.bind_mapper
    for kind, attribute in getattr(mapper.class_, "cached_in", ()) if mapper is not None else ():
        if attribute is None:
            bump_after_commit(state.session, kind, 0)


def _bump_committed(session) -> None:
    changed = session.info.pop("shelfmade_changed", set())
    if changed and has_app_context():
        for kind, item_id in changed:
            bump_version(kind, item_id)


def watch_writes() -> None:
    """Bump the versions of the items a commit changed (once per process, whatever the number of apps)."""
    if not event.contains(Session, "after_flush", _note_writes):
        event.listen(Session, "after_flush", _note_writes)
        event.listen(Session, "do_orm_execute", _note_statement_writes)
        event.listen(Session, "after_commit", _bump_committed)
