"""Account rules: registration, authentication, preferences."""
from functools import cache

import pytz
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from blueprints.accounts.models import User
from blueprints.accounts.passwords import hash_password, needs_rehash, verify_password
from blueprints.accounts.recovery import check_new_password
from blueprints.errors import DomainError, InvalidFields
from extensions import db

LANGUAGES = {"en": "English", "zh_Hans": "简体中文"}
TIME_ZONES = frozenset(pytz.common_timezones)


class EmailTaken(DomainError):
    def __init__(self, email: str):
        super().__init__(_l("An account with this email already exists. Sign in instead?"))
        self.email = email


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == func.lower(email.strip())))


def register_user(email: str, display_name: str, password: str, *, locale: str | None = None,
                  is_admin: bool = False) -> User:
    email = email.strip()
    check_new_password(password)
    if find_user_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(email=email, display_name=display_name.strip(), password_hash=hash_password(password),
                locale=locale if locale in LANGUAGES else None, is_admin=is_admin)
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError as exc:
        # Two sign-ups with one address raced past the lookup; the unique index decided.
        raise EmailTaken(email) from exc
    return user


@cache
def _unknown_user_hash(profile: str) -> str:
    return hash_password("not a real password")


def authenticate(email: str, password: str) -> User | None:
    user = find_user_by_email(email)
    if user is None or user.deleted_at is not None:
        # Spend the same time as a real check, so response times do not reveal which emails exist.
        verify_password(_unknown_user_hash(current_app.config["PASSWORD_HASH_PROFILE"]), password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def set_locale(user: User, locale: str) -> None:
    if locale not in LANGUAGES:
        raise DomainError(locale)
    user.locale = locale


def set_credit(user: User, credit: bool) -> None:
    """Whether co-designed products may name the user among their contributors."""
    user.credit_contributions = credit


def update_profile(user: User, *, display_name: str, locale: str | None, time_zone: str) -> None:
    errors = {}
    if locale and locale not in LANGUAGES:
        errors["locale"] = _l("Choose English or 简体中文.")
    if time_zone not in TIME_ZONES:
        errors["time_zone"] = _l("Choose a time zone from the list.")
    if not display_name.strip():
        errors["display_name"] = _l("Enter the name other people will see.")
    if errors:
        raise InvalidFields(errors)
    user.display_name = display_name.strip()
    user.locale = locale or None
    user.time_zone = time_zone
