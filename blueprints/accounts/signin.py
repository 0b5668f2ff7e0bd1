"""Signing a browser in and out: the request-side half of accounts.sessions, and the security log.

Flask-Login keeps the sign-in's random token (User.get_id) in the session cookie, and in the remember-me
cookie when asked; every request looks the token up, so an ended sign-in's cookies are refused."""
import logging
import time

from flask import current_app, g, request, session
from flask_login import login_user, logout_user

from blueprints.accounts.models import User
from blueprints.accounts.sessions import end_session, idle_timeout, load_session, start_session

security_log = logging.getLogger("shelfmade.security")

# What Flask-Login keeps in the session; everything else is dropped at sign-in.
_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds")
SEEN = "_seen"  # when this browser last made a request, for the idle timeout
_SEEN_GRANULARITY = 60  # seconds: the cookie is rewritten at most once a minute


def client_address() -> str | None:
    return request.remote_addr


def log_security(event: str, user: User | None = None, **details) -> None:
    """One line per security event: the account and the client's address, never a password."""
    fields = {"event": event, "user_id": user.id if user else None, "ip": client_address(), **details}
    security_log.info(" ".join(f"{key}={value}" for key, value in fields.items() if value is not None))


def sign_in(user: User, *, remember: bool = False) -> None:
    """Start a new server-side sign-in and give the browser a fresh session (and so a fresh CSRF token)."""
    start_session(user, remember=remember, ip_address=client_address(),
                  user_agent=request.headers.get("User-Agent"))
    login_user(user, remember=remember)  # also moves the visitor's cart over (user_logged_in)
    kept = {key: session[key] for key in _LOGIN_KEYS if key in session}
    session.clear()
    session.update(kept)
    session[SEEN] = int(time.time())
    g.pop("csrf_token", None)
    log_security("sign-in", user, remember=remember or None)


def sign_out(user: User) -> None:
    user = user._get_current_object() if hasattr(user, "_get_current_object") else user  # current_user changes
    end_session(user.session_token)
    logout_user()
    session.clear()
    session["_remember"] = "clear"  # logout_user's instruction to delete the remember-me cookie
    log_security("sign-out", user)


def load_user(token: str) -> User | None:
    """Flask-Login's user_loader: the token's sign-in if it is still open, else nobody."""
    # A shared page's header (blueprints/site/header.py) is read with the sign-in; other pages ask after they
    # have rendered, as their GET may change what it shows.
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    found = load_session(token, with_facts=request.method == "GET" and getattr(view, "changes_nothing_on_get", False))
    if found is None:
        return None
    user, auth_session = found
    now = int(time.time())
    seen = session.get(SEEN)
    from_session_cookie = session.get("_user_id") == token
    if (from_session_cookie and not auth_session.remember and seen is not None
            and now - seen > idle_timeout().total_seconds()):
        return None  # idle too long; a remembered device is kept by the user's own choice, to its expiry
    if seen is None or now - seen >= _SEEN_GRANULARITY:
        session[SEEN] = now
    return user
