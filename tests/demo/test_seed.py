import pytest
from sqlalchemy import func, select

from blueprints.accounts.models import User
from blueprints.demo.services import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo
from extensions import db
from tests.conftest import Account, sign_in


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_seed_creates_the_demo_accounts_once(ctx):
    created = seed_demo()
    assert created == [account.email for account in DEMO_ACCOUNTS]
    assert seed_demo() == []
    assert user_count() == 4
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.shelfmade.test"))
    assert admin.is_admin
    others = db.session.scalars(select(User).where(User.email != "admin@demo.shelfmade.test"))
    assert not any(user.is_admin for user in others)


@pytest.mark.parametrize("email", [account.email for account in DEMO_ACCOUNTS])
def test_every_demo_account_can_sign_in_with_the_readme_password(app, client, email):
    with app.app_context():
        seed_demo()
        db.session.commit()
    sign_in(client, Account(0, email, DEMO_PASSWORD, ""))
    assert email in client.get("/my/account").get_data(as_text=True)


def test_the_command_only_seeds_an_empty_database_when_asked(app, make_user):
    runner = app.test_cli_runner()
    make_user("someone@example.com")
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "leaving it as it is" in result.output
    with app.app_context():
        assert user_count() == 1
    result = runner.invoke(args=["seed-demo"])
    assert "Created: admin@demo.shelfmade.test" in result.output
    result = runner.invoke(args=["seed-demo"])
    assert "nothing to add" in result.output
    with app.app_context():
        assert user_count() == 5
