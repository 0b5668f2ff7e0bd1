"""Passwords and email addresses after sign-up: reset by email, change, common-password refusal, email change.

A link sent by email carries a random token; only its hash is kept, it works once, until it expires, and a
newer link (or a password change) ends it. Changing the password ends every other sign-in."""
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from blueprints.accounts.models import AccountToken, User
from blueprints.accounts.passwords import hash_password, verify_password
from blueprints.accounts.sessions import end_other_sessions, token_hash
from blueprints.columns import utcnow
from blueprints.errors import DomainError, InvalidFields
from extensions import db

RESET = "reset"
NEW_EMAIL = "new_email"


class LinkExpired(DomainError):
    def __init__(self):
        super().__init__(_l("This link has expired or was already used. Ask for a new one."))


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn's list of the 30,000 most used passwords, from leaked password sets; shipped with the package.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common_password(password: str) -> bool:
    return password.lower() in _common_passwords() or len(set(password)) <= 2


def check_new_password(password: str, field: str = "password") -> None:
    if is_common_password(password):
        raise InvalidFields({field: _l("This password is one of the most common ones, which are guessed first. "
                                       "Choose another, such as a few unrelated words.")})


def set_password(user: User, password: str, *, keep_session: str | None = None) -> None:
    """The new password ends every reset link and every other sign-in of the user."""
    check_new_password(password)
    user.password_hash = hash_password(password)
    db.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id, AccountToken.purpose == RESET))
    end_other_sessions(user, keep=keep_session)


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise InvalidFields({"current_password": _l("That is not your current password.")})
    set_password(user, new_password, keep_session=user.session_token)


def issue_token(user: User, purpose: str, *, new_email: str | None = None, now: datetime | None = None) -> str:
    """A new single-use link token; any earlier one of the same purpose stops working."""
    now = now or utcnow()
    db.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id, AccountToken.purpose == purpose))
    token = secrets.token_urlsafe(32)
    db.session.add(AccountToken(user_id=user.id, purpose=purpose, token_hash=token_hash(token), new_email=new_email,
                                created_at=now, expires_at=now + timedelta(
                                    minutes=current_app.config["ACCOUNT_TOKEN_MINUTES"])))
    db.session.flush()
    return token


def find_token(token: str, purpose: str, *, now: datetime | None = None) -> AccountToken | None:
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(AccountToken).where(
        AccountToken.token_hash == token_hash(token), AccountToken.purpose == purpose,
        AccountToken.expires_at > (now or utcnow())))


def reset_password(token: str, password: str, *, now: datetime | None = None) -> User:
    found = find_token(token, RESET, now=now)
    if found is None:
        raise LinkExpired()
    user = db.session.get(User, found.user_id)
    set_password(user, password)  # also deletes this token: it works once
    return user


def check_password_again(user: User, password: str) -> None:
    """For what cannot be undone or reveals everything: the password, even in a signed-in browser."""
    if not verify_password(user.password_hash, password or ""):
        raise InvalidFields({"password": _l("That is not your current password.")})


def request_email_change(user: User, password: str, new_email: str) -> str:
    """A link for the new address to confirm; the email changes only when it is followed."""
    from blueprints.accounts.services import find_user_by_email

    check_password_again(user, password)
    new_email = new_email.strip()
    if new_email.lower() == user.email.lower():
        raise InvalidFields({"new_email": _l("That is already your email address.")})
    if find_user_by_email(new_email) is not None:
        raise InvalidFields({"new_email": _l("An account with this email already exists.")})
    return issue_token(user, NEW_EMAIL, new_email=new_email)


def confirm_email_change(token: str) -> tuple[User, str]:
    """The user and their old address, once the new one is theirs."""
    from blueprints.accounts.services import find_user_by_email

    found = find_token(token, NEW_EMAIL)
    if found is None:
        raise LinkExpired()
    user = db.session.get(User, found.user_id)
    if find_user_by_email(found.new_email) is not None:
        raise DomainError(_l("An account with this email already exists."))
    old_email, user.email = user.email, found.new_email
    db.session.delete(found)
    return user, old_email


def anonymise_account(user: User, password: str) -> None:
    """Delete the account: personal data goes, the row stays (orders and ledger entries name it)."""
    check_password_again(user, password)
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.display_name = "Deleted user"  # stored, so not translated
    user.password_hash = "!" + secrets.token_hex(16)  # matches no password: Argon2 refuses it
    user.locale = user.time_zone = None
    user.credit_contributions = False
    user.deleted_at = utcnow()
    db.session.execute(delete(AccountToken).where(AccountToken.user_id == user.id))
    end_other_sessions(user)
