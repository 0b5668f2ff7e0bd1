"""gunicorn settings for `make serve-prod`; each can be overridden from the environment.

Behind a reverse proxy set TRUSTED_PROXIES to the number of proxies, so client addresses (rate limits)
and https (secure cookies, HSTS) are the real ones.
"""
import multiprocessing
import os

worker_class = os.environ.get("WORKER_CLASS", "gevent")
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
# Sync workers load the app once in the master and fork from it, so a restarted worker is ready at once. gevent
# workers load it themselves, after gunicorn's gevent worker has patched the standard library: loaded in the
# master, the app's threads (the rate limiter's in-memory timer) were forked half-alive and each worker logged a
# KeyError at boot, and anything imported before patching kept blocking calls.
preload_app = worker_class != "gevent"
# Restart workers now and then so a slow leak cannot grow without bound; jitter avoids restarting all at once.
max_requests = 100_000
max_requests_jitter = 10_000
# Only the proxy in front of us may set X-Forwarded-*; ProxyFix (TRUSTED_PROXIES) reads them in the app.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
# The app's own lines (the security log, a Redis outage and its fallback) reach stderr beside gunicorn's; without
# this Python's logging has no handler in a worker and they were lost. Merged into gunicorn's defaults.
logconfig_dict = {
    "root": {"level": "INFO", "handlers": ["error_console"]},
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"], "propagate": False,
                           "qualname": "gunicorn.error"},
        # A logging config turns gunicorn's access log on; it stays off unless ACCESS_LOG asks for it.
        "gunicorn.access": {"level": "INFO" if accesslog else "WARNING", "handlers": ["console"], "propagate": False,
                            "qualname": "gunicorn.access"},
    },
}


def post_request(worker, req, environ, resp):
    """A gevent worker keeps reading a kept-alive connection as long as its client sends at once, so a few busy
    connections could be served over and over while another waited: yield after each response, so every waiting
    connection gets its turn (at 8 connections on 2 workers, p99 of a bare page 726 ms before, 177–206 ms after)."""
    if "ggevent" in type(worker).__module__:  # the worker running, whatever WORKER_CLASS or -k said
        import gevent

        gevent.sleep(0)
