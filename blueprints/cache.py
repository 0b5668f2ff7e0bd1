"""A small cache every worker shares: Redis when REDIS_URL is set, else this process's memory.

For numbers that are expensive to compute and fine to show a little stale, such as how many pages the
catalog has. Never for anything a rule depends on."""
import json
import time
from collections.abc import Callable

import redis
from flask import current_app

_memory: dict[str, tuple[float, object]] = {}


def _redis():
    if not current_app.config.get("REDIS_URL"):
        return None
    if "shared_cache" not in current_app.extensions:
        current_app.extensions["shared_cache"] = redis.Redis.from_url(current_app.config["REDIS_URL"],
                                                                      socket_timeout=0.5)
    return current_app.extensions["shared_cache"]


def remembered(key: str, seconds: int, compute: Callable[[], object]):
    """compute()'s JSON-able value, computed at most once per `seconds` (0: every time)."""
    if seconds <= 0:
        return compute()
    key = f"shelfmade:{key}"
    server = _redis()
    if server is None:
        expires, value = _memory.get(key, (0.0, None))
        if expires > time.monotonic():
            return value
        value = compute()
        _memory[key] = (time.monotonic() + seconds, value)
        return value
    try:
        if (found := server.get(key)) is not None:
            return json.loads(found)
    except redis.RedisError:
        return compute()  # the cache is down: pages still work, only slower
    value = compute()
    try:
        server.set(key, json.dumps(value), ex=seconds)
    except redis.RedisError:
        pass
    return value
