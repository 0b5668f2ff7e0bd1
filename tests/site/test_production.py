"""The production profile: security headers, fingerprinted static files, the connection pool."""
import re
from pathlib import Path

import pytest

from config import settings_from_environment


def test_every_response_carries_the_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http: browsers would ignore it


def test_hsts_only_over_https(client):
    response = client.get("/", base_url="https://shelfmade.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_have_no_inline_scripts_or_styles(client):
    html = client.get("/").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "<style" not in html and " style=" not in html


def test_static_files_are_fingerprinted_and_cached_for_a_year(client):
    html = client.get("/").get_data(as_text=True)
    url = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{12})"', html).group(1)
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # Without the current fingerprint the browser must check again.
    with client.get("/static/css/site.css?v=000000000000") as stale:
        assert "immutable" not in stale.headers.get("Cache-Control", "")


def test_postgresql_gets_a_sized_connection_pool(tmp_path):
    settings = settings_from_environment(str(tmp_path), {"DATABASE_URL": "postgres://u@db/shelfmade",
                                                         "DATABASE_POOL_SIZE": "8"})
    options = settings["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_size"] == 8 and options["pool_pre_ping"] and options["pool_recycle"] > 0
    sqlite = settings_from_environment(str(tmp_path), {})
    assert "pool_size" not in sqlite["SQLALCHEMY_ENGINE_OPTIONS"]


@pytest.mark.postgresql
def test_loading_the_app_opens_no_connection_the_forked_workers_would_share(database_url):
    # With sync workers gunicorn.conf.py preloads the app in the master and forks the workers from it; gevent
    # workers load it each after patching, so nothing made before the fork is shared either way.
    from app import create_app
    from extensions import db
    from tests.conftest import BASE_CONFIG

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": "redis://127.0.0.1:6379/0"})
    with app.app_context():
        assert db.engine.pool.checkedin() == 0 and db.engine.pool.checkedout() == 0
        assert "shared_cache" not in app.extensions  # the Redis client is made on first use, in the worker
    gunicorn_settings = {}
    with open(Path(__file__).parents[2] / "gunicorn.conf.py", encoding="utf-8") as file:
        exec(file.read(), gunicorn_settings)
    assert gunicorn_settings["worker_class"] == "gevent" and gunicorn_settings["preload_app"] is False
