"""gunicorn settings for `make serve-prod`; each can be overridden from the environment.

Behind a reverse proxy set TRUSTED_PROXIES to the number of proxies, so client addresses (rate limits)
and https (secure cookies, HSTS) are the real ones.
"""
import multiprocessing
import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Sync workers: each handles one request at a time and pages spend most of their time in Python,
# so about two per core keeps the cores busy while others wait on PostgreSQL.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
# Load the app once in the master and fork the workers from it: a worker that restarts is ready at once,
# instead of spending a second or two importing while its requests wait (a visible p99 at a thousand
# requests a second). The app opens no database or Redis connection while loading, so none is shared.
preload_app = True
# Restart workers now and then so a slow leak cannot grow without bound; jitter avoids restarting all at once.
max_requests = 100_000
max_requests_jitter = 10_000
# Only the proxy in front of us may set X-Forwarded-*; ProxyFix (TRUSTED_PROXIES) reads them in the app.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
