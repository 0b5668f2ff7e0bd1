"""Settings read from the environment.

Development needs nothing set: SQLite and a generated secret key live under `instance/`.
Production (`SHELFMADE_ENV=production`) refuses to start without a real `SECRET_KEY`.
"""
import os
import secrets
from datetime import timedelta
from pathlib import Path

from redis.backoff import NoBackoff
from redis.retry import Retry


class ConfigurationError(RuntimeError):
    pass


def database_url(raw: str | None, instance_path: str) -> str:
    if not raw:
        return "sqlite:///" + str(Path(instance_path) / "shelfmade.sqlite3")
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy needs the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def development_secret_key(instance_path: str) -> str:
    """Generate once and keep, so sessions survive restarts of `make run`."""
    path = Path(instance_path) / "secret_key"
    try:
        # Created readable by the owner only, and only once even if several workers start together.
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_hex(32))
    return path.read_text().strip()


def engine_options(url: str, environ) -> dict:
    """Connection pool per worker process. A sync gunicorn worker uses one connection at a time, so a small
    pool is enough; max_overflow covers CLI commands and threads. Keep workers x (pool + overflow) below
    PostgreSQL's max_connections."""
    options = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        options.update(pool_size=int(environ.get("DATABASE_POOL_SIZE", "5")),
                       max_overflow=int(environ.get("DATABASE_MAX_OVERFLOW", "5")),
                       pool_timeout=10,
                       # Connections older than this are replaced, before a proxy or firewall drops them.
                       pool_recycle=1800)
    return options


def redis_client_options(timeout: float) -> dict:
    """A Redis that is down or hangs costs a request at most `timeout` once, never a retry loop: the shared
    cache and the rate limits then fall back to the worker's memory (see cache.py and the limiter's fallback)."""
    return {"socket_connect_timeout": timeout, "socket_timeout": timeout, "retry": Retry(NoBackoff(), 0)}


def settings_from_environment(instance_path: str, environ=os.environ) -> dict:
    env_name = environ.get("SHELFMADE_ENV", "development")
    production = env_name == "production"
    secret_key = environ.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise ConfigurationError("SECRET_KEY must be set when SHELFMADE_ENV=production.")
        secret_key = development_secret_key(instance_path)
    if production and not environ.get("SITE_URL"):
        # Every link in an email is built from it; a wrong default would break them all silently.
        raise ConfigurationError("SITE_URL must be set when SHELFMADE_ENV=production (e.g. https://shelfmade.example).")
    redis_url = environ.get("REDIS_URL") or None
    redis_timeout = float(environ.get("REDIS_TIMEOUT_SECONDS", "0.25"))
    database = database_url(environ.get("DATABASE_URL"), instance_path)
    return {
        "SHELFMADE_ENV": env_name,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database, environ),
        "REDIS_URL": redis_url,
        # Redis answers in a millisecond or two; one slower than this is treated as down.
        "REDIS_TIMEOUT_SECONDS": redis_timeout,
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: none).
        "TRUSTED_PROXIES": int(environ.get("TRUSTED_PROXIES", "0")),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_STORAGE_OPTIONS": redis_client_options(redis_timeout),
        # While Redis is unreachable each worker counts the limits in its own memory (the limits then apply per
        # worker, so a little looser), logs that once, and tries Redis again now and then.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Redis failing between a request's check and its deduction (after the page was made) is logged, not a 500.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": "translations",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        # A sign-in ends after this many idle minutes, and after this many hours whatever happens, unless the
        # user chose "keep me signed in" (then after REMEMBER_COOKIE_DURATION). Both are checked on the server.
        "SESSION_IDLE_MINUTES": int(environ.get("SESSION_IDLE_MINUTES", "120")),
        "SESSION_LIFETIME_HOURS": int(environ.get("SESSION_LIFETIME_HOURS", "24")),
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(environ.get("REMEMBER_DAYS", "30"))),
        # How long a password-reset link and an email-confirmation link work.
        "ACCOUNT_TOKEN_MINUTES": int(environ.get("ACCOUNT_TOKEN_MINUTES", "60")),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        # How long the catalog's page count may be reused before counting the products again.
        "CATALOG_COUNT_SECONDS": int(environ.get("CATALOG_COUNT_SECONDS", "60")),
        # Fragments of pages shared by everyone who reads them (blueprints/cache.py): "auto" is on with Redis.
        "FRAGMENT_CACHE": environ.get("FRAGMENT_CACHE", "auto"),
        # How long a page as signed-out visitors see it is shared between them (0: never; see
        # cache.shared_with_visitors). Off by default in development, so a change shows at once.
        "PAGE_CACHE_SECONDS": int(environ.get("PAGE_CACHE_SECONDS", "15" if production else "0")),
        "CURRENCY": environ.get("CURRENCY", "CNY"),
        # Platform rates in basis points (800 = 8%); see Money in DESIGN.md.
        "PLATFORM_COMMISSION_BP": int(environ.get("PLATFORM_COMMISSION_BP", "800")),
        "REFERRAL_REWARD_BP": int(environ.get("REFERRAL_REWARD_BP", "300")),
        # Shown to buyers who choose bank transfer.
        "BANK_TRANSFER_DETAILS": environ.get("BANK_TRANSFER_DETAILS",
                                             "Shelfmade (demo) · ICBC Hangzhou West Lake branch · 6222 0000 1234 5678"),
        # Days after delivery before an order completes and earnings become available.
        "RETURN_WINDOW_DAYS": int(environ.get("RETURN_WINDOW_DAYS", "7")),
        # A payout run pays a party only when at least this much (in fen) is available: bank fees.
        "PAYOUT_MINIMUM": int(environ.get("PAYOUT_MINIMUM", "10000")),
        # Where uploaded images are kept; a deployment can point this at shared storage.
        "UPLOAD_FOLDER": environ.get("UPLOAD_FOLDER") or str(Path(instance_path) / "uploads"),
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,  # a form with up to 10 images of up to 5 MB each
        # Posts that carry pictures, per address, across every form that takes them (blueprints/web.py).
        "UPLOAD_RATE_LIMIT": environ.get("UPLOAD_RATE_LIMIT", "60 per hour"),
        # How often an open page asks for the unread count in the header.
        "BELL_REFRESH_SECONDS": int(environ.get("BELL_REFRESH_SECONDS", "60")),
        # Per address: typing sends a request per pause, a scraping bot far more. (The load benchmark,
        # which sends every request from one address, raises it.)
        "SEARCH_RATE_LIMIT": environ.get("SEARCH_RATE_LIMIT", "120 per minute"),
        # The search page ranks at most this many matches of each kind, the first the index finds: a word
        # in thousands of items is otherwise slow to rank, and the page shows the best few. (The catalog
        # ranks every match.)
        "SEARCH_CANDIDATES": int(environ.get("SEARCH_CANDIDATES", "300")),
        # How long the trending list (recommendations for newcomers) is shared before it is counted again.
        "TRENDING_SECONDS": int(environ.get("TRENDING_SECONDS", "300")),
        # How long a user's own suggestions (and the items they took part in) are kept. What they do themselves
        # shows at once (its version is bumped); this bounds how late their neighbours' doings show.
        "USER_SUGGESTIONS_SECONDS": int(environ.get("USER_SUGGESTIONS_SECONDS", "300")),
        # The site's public address, for links in emails (sent from a command, outside any request).
        "SITE_URL": environ.get("SITE_URL", "http://127.0.0.1:5000").rstrip("/"),
        # Without MAIL_SERVER, emails wait in the outbox (read them at /admin/outbox) and are not sent.
        "MAIL_SERVER": environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(environ.get("MAIL_PORT", "587")),
        "MAIL_USE_TLS": environ.get("MAIL_USE_TLS", "true") == "true",
        "MAIL_USERNAME": environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD") or None,
        "MAIL_FROM": environ.get("MAIL_FROM", "Shelfmade <no-reply@shelfmade.test>"),
        # A small cost in tests keeps the suite fast; see accounts.passwords.
        "PASSWORD_HASH_PROFILE": environ.get("PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY"),
    }
