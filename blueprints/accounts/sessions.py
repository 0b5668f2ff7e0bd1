"""Sign-ins kept on the server: each one can be ended (sign-out, "sign out everywhere", a password change),
after which its cookies are refused wherever they are replayed from."""
import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache

from flask import current_app, g
from sqlalchemy import bindparam, select, update

from blueprints.accounts.models import AuthSession, User
from blueprints.columns import utcnow
from extensions import db


# Facts other rooms show of the signed-in user on every page (the header's desks and counts), read in the
# sign-in's own statement on request rather than in one more query: name -> function(the User.id column) -> a
# scalar subquery. The room that shows them registers them (blueprints/site/header.py).
READ_WITH_SIGN_IN: dict[str, Callable] = {}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_lifetime(remember: bool) -> timedelta:
    config = current_app.config
    return config["REMEMBER_COOKIE_DURATION"] if remember else timedelta(hours=config["SESSION_LIFETIME_HOURS"])


def idle_timeout() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def start_session(user: User, *, remember: bool, ip_address: str | None, user_agent: str | None,
                  now: datetime | None = None) -> str:
    """A new sign-in for `user`; returns the token for the browser (also set on the user for Flask-Login)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.session.add(AuthSession(user_id=user.id, token_hash=token_hash(token), remember=remember,
                               ip_address=(ip_address or "")[:45] or None, user_agent=(user_agent or "")[:200] or None,
                               created_at=now, expires_at=now + session_lifetime(remember)))
    user.session_token = token
    return token


def load_session(token: str, *, now: datetime | None = None,
                 with_facts: bool = False) -> tuple[User, AuthSession] | None:
    """The user and sign-in a browser's token stands for, if it has not ended or expired (one query). With
    `with_facts`, the same query reads READ_WITH_SIGN_IN into `g.sign_in_facts`, (user id, {name: value}), as
    they stand when this request loads the user."""
    if not token or len(token) > 100:
        return None
    statement = _session_statement(tuple(READ_WITH_SIGN_IN) if with_facts else ())
    row = db.session.execute(statement, {"token_hash": token_hash(token), "now": now or utcnow()}).first()
    if row is None:
        return None
    user, auth_session, *values = row
    if with_facts:
        g.sign_in_facts = (user.id, dict(zip(READ_WITH_SIGN_IN, values)))
    user.session_token = token
    return user, auth_session


def facts_read_with_sign_in(user: User) -> dict | None:
    """READ_WITH_SIGN_IN's values for `user` if this request read them with its sign-in: only on the GET of a
    page that changes nothing (blueprints/shared_pages.py), so they are as the page shows them."""
    read_for, facts = g.get("sign_in_facts", (None, None))
    return facts if read_for == user.id else None


@cache
def _session_statement(facts: tuple[str, ...]):
    # Built once: with the facts' subqueries, building it cost more than running it (0.5 ms a request).
    return (select(User, AuthSession, *(READ_WITH_SIGN_IN[name](User.id).label(name) for name in facts))
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(AuthSession.token_hash == bindparam("token_hash"), AuthSession.ended_at.is_(None),
                   AuthSession.expires_at > bindparam("now"), User.deleted_at.is_(None)))


def end_session(token: str | None, *, now: datetime | None = None) -> None:
    if token:
        db.session.execute(update(AuthSession).where(AuthSession.token_hash == token_hash(token),
                                                     AuthSession.ended_at.is_(None)).values(ended_at=now or utcnow()))


def end_other_sessions(user: User, *, keep: str | None = None, now: datetime | None = None) -> int:
    """End every sign-in of `user` but the one whose token is `keep`; returns how many were ended."""
    query = update(AuthSession).where(AuthSession.user_id == user.id, AuthSession.ended_at.is_(None))
    if keep:
        query = query.where(AuthSession.token_hash != token_hash(keep))
    return db.session.execute(query.values(ended_at=now or utcnow())).rowcount


def recent_sign_ins(user: User, limit: int = 10) -> list[AuthSession]:
    return list(db.session.scalars(select(AuthSession).where(AuthSession.user_id == user.id)
                                   .order_by(AuthSession.created_at.desc(), AuthSession.id.desc()).limit(limit)))
