"""Getting back in: reset links by email, password changes, and signing out everywhere."""
import re

import pytest

from blueprints.accounts.models import AccountToken
from blueprints.notifications.models import OutboxEmail
from extensions import db
from tests.accounts.test_sessions import cookies_of, replay
from tests.conftest import sign_in

pytestmark = pytest.mark.all_databases

NEW = "a brand new passphrase"


def html(response) -> str:
    return response.get_data(as_text=True)


def emails(app) -> list[OutboxEmail]:
    with app.app_context():
        rows = db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id)).all()
        db.session.expunge_all()
        return rows


def ask_for_link(client, app, email: str) -> str:
    response = client.submit("/password/forgot", {"email": email})
    assert response.status_code == 303
    return re.search(r"http://\S+/password/reset/(\S+)", emails(app)[-1].body).group(1)


def reset(client, token: str, password: str = NEW):
    return client.submit(f"/password/reset/{token}", {"password": password, "password_confirm": password},
                         page=f"/password/reset/{token}")


def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(app, make_user):
    make_user("mei@example.com")
    answers = []
    for email in ("mei@example.com", "ghost@example.com"):
        client = app.test_client()
        response = client.submit("/password/forgot", {"email": email})
        page = html(client.get(response.headers["Location"]))
        answers.append((response.status_code, response.headers["Location"],
                        re.search(r'<div class="flashes".*?</div>', page, re.S).group(0).replace(email, "@")))
    assert answers[0] == answers[1]
    assert "If an account uses" in answers[0][2]
    [email] = emails(app)
    assert email.to_address == "mei@example.com" and email.kind == "account"
    assert "/password/reset/" in email.body


def test_a_reset_link_sets_the_password_once_and_signs_out_every_device(client, app, make_user):
    account = make_user("mei@example.com")
    other_device = app.test_client()
    sign_in(other_device, account, remember="y")
    stolen = cookies_of(other_device)
    token = ask_for_link(client, app, account.email)
    with app.app_context():
        assert token not in db.session.scalar(db.select(AccountToken.token_hash))  # only a hash is kept
    assert client.get(f"/password/reset/{token}").status_code == 200
    response = reset(client, token)
    assert response.status_code == 303
    assert replay(app, stolen).status_code == 303
    assert client.submit("/login", {"email": account.email, "password": account.password}).status_code == 422
    assert client.submit("/login", {"email": account.email, "password": NEW}).status_code == 303
    # Used once: the same link now says so, and changes nothing.
    assert client.get(f"/password/reset/{token}").status_code == 404
    assert reset(app.test_client(), token, "yet another passphrase").status_code == 404


def test_a_reset_link_expires(client, app, make_user):
    account = make_user()
    token = ask_for_link(client, app, account.email)
    with app.app_context():
        db.session.execute(db.update(AccountToken).values(expires_at=AccountToken.created_at))
        db.session.commit()
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 404
    assert "This link no longer works" in html(response)


def test_a_newer_link_ends_the_older_one(client, app, make_user):
    account = make_user()
    first = ask_for_link(client, app, account.email)
    second = ask_for_link(client, app, account.email)
    assert reset(client, first).status_code == 404
    assert reset(client, second).status_code == 303


def test_a_password_change_ends_a_reset_link(client, app, make_user):
    account = make_user()
    token = ask_for_link(client, app, account.email)
    sign_in(client, account)
    client.submit("/my/account/password", {"current_password": account.password, "password": NEW,
                                           "password_confirm": NEW})
    assert app.test_client().get(f"/password/reset/{token}").status_code == 404


def test_reset_requests_are_rate_limited(client, make_user):
    for _ in range(3):
        assert client.submit("/password/forgot", {"email": "mei@example.com"}).status_code == 303
    response = client.submit("/password/forgot", {"email": "mei@example.com"})
    assert response.status_code == 429
    assert 'value="mei@example.com"' in html(response)


def test_changing_the_password_needs_the_current_one(client, signed_in):
    response = client.submit("/my/account/password", {"current_password": "not it at all", "password": NEW,
                                                      "password_confirm": NEW})
    assert response.status_code == 422
    assert "That is not your current password." in html(response)
    assert NEW not in html(response)


def test_changing_the_password_signs_out_every_other_device_but_this_one(client, app, make_user):
    account = make_user()
    other = app.test_client()
    sign_in(other, account, remember="y")
    stolen = cookies_of(other)
    sign_in(client, account)
    response = client.submit("/my/account/password", {"current_password": account.password, "password": NEW,
                                                      "password_confirm": NEW})
    assert response.status_code == 303
    assert client.get("/my/account").status_code == 200
    assert replay(app, stolen).status_code == 303
    assert replay(app, {"remember_token": stolen["remember_token"]}).status_code == 303
    assert any(email.subject == "Your Shelfmade password was changed" for email in emails(app))


def test_sign_out_everywhere_ends_every_other_session(client, app, make_user):
    account = make_user()
    others = [app.test_client() for _ in range(2)]
    for other in others:
        sign_in(other, account, remember="y")
    stolen = [cookies_of(other) for other in others]
    sign_in(client, account)
    assert client.submit("/my/account/sign-out-everywhere", {}, page="/my/account").status_code == 303
    assert client.get("/my/account").status_code == 200
    for cookies in stolen:
        assert replay(app, cookies).status_code == 303


@pytest.mark.parametrize("password", ["password123", "qwertyuiop", "1234567890", "aaaaaaaaaaaa"])
def test_the_most_common_passwords_are_refused(client, password):
    response = client.submit("/signup", {"email": "mei@example.com", "display_name": "Mei", "password": password,
                                         "password_confirm": password})
    assert response.status_code == 422
    assert "one of the most common" in html(response)
    assert 'value="mei@example.com"' in html(response)


def test_the_account_page_lists_recent_sign_ins(client, app, make_user):
    account = make_user()
    sign_in(app.test_client(), account)
    sign_in(client, account)
    page = html(client.get("/my/account"))
    assert "Recent sign-ins" in page and "(this device)" in page
    assert page.count("127.0.0.1") == 2


def test_admins_read_account_emails_in_the_outbox(client, app, admin, make_user):
    account = make_user()
    ask_for_link(app.test_client(), app, account.email)
    sign_in(client, admin)
    page = html(client.get("/admin/outbox"))
    assert "Reset your Shelfmade password" in page and "My account" in page
