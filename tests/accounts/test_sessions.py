"""Sign-ins live on the server: a copied cookie stops working the moment its sign-in ends."""
import re
from datetime import timedelta

import pytest

from blueprints.accounts.models import AuthSession
from blueprints.accounts.sessions import token_hash
from extensions import db
from tests.conftest import sign_in

pytestmark = pytest.mark.all_databases


def cookies_of(client) -> dict[str, str]:
    return {name: client.get_cookie(name).value for name in ("session", "remember_token")
            if client.get_cookie(name) is not None}


def replay(app, cookies: dict[str, str], address: str = "203.0.113.9"):
    """Another browser, at another address, presenting copied cookies."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief.get("/my/account", environ_base={"REMOTE_ADDR": address},
                     headers={"User-Agent": "SomethingElse/1.0"})


def test_a_session_cookie_replayed_after_sign_out_is_refused(app, client, make_user):
    account = make_user()
    sign_in(client, account)
    stolen = cookies_of(client)
    assert replay(app, stolen).status_code == 200  # before sign-out the copy works: that is what a cookie is
    client.submit("/logout", {})
    assert replay(app, stolen).status_code == 303


def test_remember_me_cookies_are_random_per_sign_in_and_revoked_at_sign_out(app, client, make_user):
    account = make_user()
    sign_in(client, account, remember="y")
    first = client.get_cookie("remember_token").value
    client.submit("/logout", {})
    sign_in(client, account, remember="y")
    second = client.get_cookie("remember_token").value
    assert first != second
    assert str(account.id) not in (first.split("|")[0], second.split("|")[0])
    # The remember-me cookie alone (the browser was closed) signs in until sign-out, then never again.
    assert replay(app, {"remember_token": second}).status_code == 200
    client.submit("/logout", {})
    assert replay(app, {"remember_token": second}).status_code == 303
    assert replay(app, {"remember_token": first}).status_code == 303


def test_the_server_keeps_only_a_hash_with_an_expiry(app, client, make_user):
    account = make_user()
    sign_in(client, account, remember="y")
    token = client.get_cookie("remember_token").value.split("|")[0]
    with app.app_context():
        row = db.session.scalar(db.select(AuthSession).where(AuthSession.user_id == account.id))
        assert row.token_hash == token_hash(token) and token not in row.token_hash
        assert timedelta(days=29) < row.expires_at - row.created_at <= timedelta(days=30)


def test_an_expired_sign_in_is_refused(app, client, make_user):
    account = make_user()
    sign_in(client, account)
    with app.app_context():
        db.session.execute(db.update(AuthSession).values(expires_at=AuthSession.created_at))
        db.session.commit()
    assert client.get("/my/account").status_code == 303


def test_an_idle_session_ends(app, client, make_user):
    account = make_user()
    sign_in(client, account)
    with client.session_transaction() as session:
        session["_seen"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    assert client.get("/my/account").status_code == 303


def csrf_of(client) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/").get_data(as_text=True)).group(1)


def test_each_sign_in_gets_a_new_session_and_csrf_token(client, make_user):
    account = make_user()
    before = csrf_of(client)
    client.set_cookie("planted", "x")
    with client.session_transaction() as session:
        session["planted_by_an_attacker"] = "yes"
    sign_in(client, account)
    with client.session_transaction() as session:
        assert "planted_by_an_attacker" not in session
    assert csrf_of(client) != before



def test_the_security_log_names_the_account_and_address_never_the_password(client, make_user, caplog):
    account = make_user()
    with caplog.at_level("INFO", logger="shelfmade.security"):
        client.submit("/login", {"email": account.email, "password": "wrong guess 123"},
                      environ_base={"REMOTE_ADDR": "198.51.100.7"})
        sign_in(client, account)
        client.submit("/logout", {})
    lines = [record.getMessage() for record in caplog.records if record.name == "shelfmade.security"]
    assert any("event=sign-in-failed" in line and account.email in line and "198.51.100.7" in line
               for line in lines)
    assert any("event=sign-in " in line + " " and f"user_id={account.id}" in line for line in lines)
    assert any("event=sign-out" in line for line in lines)
    assert not any("wrong guess 123" in line or account.password in line for line in lines)
