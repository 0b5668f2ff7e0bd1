"""gunicorn settings for `make serve-prod`; each can be overridden from the environment.

Behind a reverse proxy set TRUSTED_PROXIES to the number of proxies, so client addresses (rate limits)
and https (secure cookies, HSTS) are the real ones.
"""
import multiprocessing
import os

worker_class = os.environ.get("WORKER_CLASS", "gevent")
if worker_class == "gevent" and __name__ == "__config__":
    # gunicorn loads this file (as __config__) before it preloads the app, and gevent must patch the standard
    # library before ssl, socket and the database and Redis clients are imported, or they keep blocking calls.
    from gevent import monkey

    monkey.patch_all()

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# About two workers per core keeps the cores busy while others wait on PostgreSQL: pages spend most of their
# time in Python. gevent workers, not sync ones: a sync worker is held by one connection until the client has sent
# its whole request, so a few clients dribbling headers or a body held every worker and nobody else was answered.
# A gevent worker reads each connection in its own greenlet and runs the app only once a request has arrived
# (psycopg 3.1.14+ and redis-py cooperate with gevent once gunicorn has monkey-patched the worker).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
# Connections one worker holds open at once, slow or not; beyond them new ones wait in the listen backlog.
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "1000"))
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
