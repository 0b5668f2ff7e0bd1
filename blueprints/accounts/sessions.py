"""Sign-ins kept on the server: each one can be ended (sign-out, "sign out everywhere", a password change),
after which its cookies are refused wherever they are replayed from."""
import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from blueprints.accounts.models import AuthSession, User
from blueprints.columns import utcnow
from extensions import db


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


def load_session(token: str, *, now: datetime | None = None) -> tuple[User, AuthSession] | None:
    """The user and sign-in a browser's token stands for, if it has not ended or expired (one query)."""
    if not token or len(token) > 100:
        return None
    row = db.session.execute(
        select(User, AuthSession).join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.token_hash == token_hash(token), AuthSession.ended_at.is_(None),
               AuthSession.expires_at > (now or utcnow()), User.deleted_at.is_(None))).first()
    if row is None:
        return None
    user, auth_session = row
    user.session_token = token
    return user, auth_session


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
