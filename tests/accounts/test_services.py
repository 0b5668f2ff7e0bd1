import pytest
from sqlalchemy.exc import IntegrityError

from blueprints.accounts.models import User
from blueprints.accounts.services import EmailTaken, authenticate, find_user_by_email, register_user, set_locale
from blueprints.errors import DomainError
from extensions import db

pytestmark = pytest.mark.all_databases


def test_register_stores_a_trimmed_email_and_an_argon2id_hash(ctx):
    user = register_user("  Mei@Example.com ", " Mei ", "a long enough password")
    assert user.email == "Mei@Example.com"
    assert user.display_name == "Mei"
    assert user.password_hash.startswith("$argon2id$")
    assert "a long enough password" not in user.password_hash
    assert user.is_admin is False
    assert user.created_at.tzinfo is not None


def test_a_new_user_is_a_shopper_not_an_admin(ctx):
    user = register_user("new@example.com", "New", "a long enough password")
    db.session.commit()
    assert db.session.get(User, user.id).is_admin is False


def test_the_same_email_in_another_case_is_taken(ctx):
    register_user("mei@example.com", "Mei", "a long enough password")
    with pytest.raises(EmailTaken):
        register_user("MEI@EXAMPLE.COM", "Other Mei", "another long password")


def test_the_database_itself_refuses_a_duplicate_email_in_another_case(ctx):
    db.session.add(User(email="dup@example.com", display_name="A", password_hash="x"))
    db.session.flush()
    db.session.add(User(email="DUP@example.com", display_name="B", password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_lookup_ignores_case_and_surrounding_spaces(ctx):
    user = register_user("Lin@Example.com", "Lin", "a long enough password")
    assert find_user_by_email(" lin@example.COM ") is user


def test_authenticate_accepts_the_right_password_only(ctx):
    user = register_user("lin@example.com", "Lin", "a long enough password")
    assert authenticate("LIN@example.com", "a long enough password") is user
    assert authenticate("lin@example.com", "a long enough passworD") is None
    assert authenticate("nobody@example.com", "a long enough password") is None


def test_a_hash_made_with_an_older_cost_is_upgraded_at_sign_in(app, ctx):
    user = register_user("old@example.com", "Old", "a long enough password")
    old_hash = user.password_hash
    app.config["PASSWORD_HASH_PROFILE"] = "RFC_9106_LOW_MEMORY"
    assert authenticate("old@example.com", "a long enough password") is user
    assert user.password_hash != old_hash
    assert authenticate("old@example.com", "a long enough password") is user


def test_locale_must_be_one_the_site_speaks(ctx):
    user = register_user("lin@example.com", "Lin", "a long enough password")
    set_locale(user, "zh_Hans")
    assert user.locale == "zh_Hans"
    with pytest.raises(DomainError):
        set_locale(user, "klingon")
