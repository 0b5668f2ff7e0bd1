"""With REDIS_URL set, sign-in limits live in Redis, so every gunicorn worker counts together."""
import os
import uuid

import pytest

from app import create_app
from tests.conftest import BASE_CONFIG, ShopClient, require

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        client.close()
        require(False, f"Redis is not reachable at {REDIS_URL}: {exc}")
    yield client
    client.close()


def test_sign_in_attempts_are_counted_in_redis(database_url, redis_client):
    prefix = f"shelfmade-test-{uuid.uuid4().hex[:8]}"
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                      "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix})
    app.test_client_class = ShopClient
    client = app.test_client()
    try:
        for _ in range(10):
            assert client.submit("/login", {"email": "a@example.com", "password": "guess guess"}).status_code == 422
        assert client.submit("/login", {"email": "a@example.com", "password": "guess"}).status_code == 429
        keys = redis_client.keys(f"LIMITS:{prefix}*") or redis_client.keys(f"*{prefix}*")
        assert keys, "no rate-limit counters were written to Redis"
    finally:
        for key in redis_client.keys(f"*{prefix}*"):
            redis_client.delete(key)
