"""Every sign-up, sign-in and sign-out path, as a browser (and htmx) would use it."""
import re

import pytest

from blueprints.accounts.models import User
from extensions import db
from tests.conftest import sign_in

pytestmark = pytest.mark.all_databases

SIGNUP = {"email": "mei@example.com", "display_name": "Mei", "password": "a long enough password",
          "password_confirm": "a long enough password"}


def html(response) -> str:
    return response.get_data(as_text=True)


# Sign-up

def test_signup_creates_the_account_signs_in_and_shows_the_account_page(client, app):
    response = client.submit("/signup", SIGNUP)
    assert response.status_code == 303
    assert response.headers["Location"] == "/my/account"
    page = client.get("/my/account")
    assert page.status_code == 200
    assert "mei@example.com" in html(page)
    assert "Welcome to Shelfmade, Mei." in html(page)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_signup_with_mismatched_passwords_keeps_what_was_typed_except_passwords(client):
    response = client.submit("/signup", {**SIGNUP, "password_confirm": "something else entirely"})
    assert response.status_code == 422
    body = html(response)
    assert "The two passwords do not match." in body
    assert 'value="mei@example.com"' in body
    assert 'value="Mei"' in body
    assert "a long enough password" not in body
    assert "something else entirely" not in body


def test_signup_with_empty_fields_names_each_one(client):
    response = client.submit("/signup", {"email": "", "display_name": "", "password": "", "password_confirm": ""})
    assert response.status_code == 422
    body = html(response)
    for message in ("Enter your email address.", "Enter the name other people will see.", "Choose a password.",
                    "Type the password a second time."):
        assert message in body
    assert 'aria-invalid="true"' in body


def test_signup_refuses_an_email_taken_in_another_case(client, make_user):
    make_user("mei@example.com")
    response = client.submit("/signup", {**SIGNUP, "email": "MEI@Example.COM"})
    assert response.status_code == 422
    assert "An account with this email already exists." in html(response)
    assert 'value="MEI@Example.COM"' in html(response)


@pytest.mark.parametrize("email", ["not-an-email", "mei@", "@example.com", "a" * 250 + "@example.com"])
def test_signup_refuses_a_malformed_email(client, email):
    response = client.submit("/signup", {**SIGNUP, "email": email})
    assert response.status_code == 422
    assert "field__error" in html(response)


def test_signup_refuses_a_short_password(client):
    response = client.submit("/signup", {**SIGNUP, "password": "short", "password_confirm": "short"})
    assert response.status_code == 422
    assert "A password needs 10 to 128 characters." in html(response)


def test_both_password_fields_have_the_same_length_cap(client):
    """A browser cuts a long paste at maxlength: with the cap on one field only, two identical pastes differ."""
    page = html(client.get("/signup"))
    for name in ("password", "password_confirm"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        assert 'maxlength="128"' in tag, tag
    long_password = "long paste 12" * 9 + "abcdefghijk"  # 128 characters
    response = client.submit("/signup", {**SIGNUP, "password": long_password, "password_confirm": long_password})
    assert response.status_code == 303


def test_signup_without_csrf_token_is_refused(client):
    response = client.post("/signup", data=SIGNUP)
    assert response.status_code == 400
    assert "The form expired" in html(response)


def test_signup_by_htmx_returns_only_the_form_on_error_and_redirects_on_success(client):
    response = client.htmx_submit("/signup", {**SIGNUP, "password_confirm": "nope nope nope"})
    assert response.status_code == 422
    body = html(response)
    assert body.lstrip().startswith("<form")
    assert "<html" not in body
    assert "HX-Request" in response.headers["Vary"]

    response = client.htmx_submit("/signup", SIGNUP)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/my/account"


def test_signup_returns_to_a_safe_next_page(client):
    response = client.submit("/signup", {**SIGNUP, "next": "/my/account?tab=orders"})
    assert response.headers["Location"] == "/my/account?tab=orders"


# Sign-in

def test_sign_in_with_the_right_password(client, make_user):
    account = make_user("lin@example.com")
    response = client.submit("/login", {"email": "LIN@example.com", "password": account.password})
    assert response.status_code == 303
    assert response.headers["Location"] == "/my/account"
    assert "lin@example.com" in html(client.get("/my/account"))


def test_wrong_password_gets_one_message_and_keeps_the_email(client, make_user):
    make_user("lin@example.com")
    response = client.submit("/login", {"email": "lin@example.com", "password": "not the password"})
    assert response.status_code == 422
    body = html(response)
    assert "That email and password do not match an account." in body
    assert 'value="lin@example.com"' in body
    assert "not the password" not in body


def test_unknown_email_gets_the_same_message_as_a_wrong_password(client):
    response = client.submit("/login", {"email": "ghost@example.com", "password": "whatever it is"})
    assert response.status_code == 422
    assert "That email and password do not match an account." in html(response)


def test_sign_in_with_empty_fields(client):
    response = client.submit("/login", {"email": "", "password": ""})
    assert response.status_code == 422
    assert "Enter your email address." in html(response)
    assert "Enter your password." in html(response)


def test_remember_me_sets_a_lasting_cookie_only_when_asked(client, make_user, app):
    account = make_user()
    sign_in(client, account)
    assert client.get_cookie("remember_token") is None
    client.submit("/logout", {})
    sign_in(client, account, remember="y")
    assert client.get_cookie("remember_token") is not None


@pytest.mark.parametrize("next_url, expected", [
    ("/my/account?x=1", "/my/account?x=1"),
    ("https://evil.example/steal", "/my/account"),
    ("//evil.example/steal", "/my/account"),
    ("/\\evil.example", "/my/account"),
    ("javascript:alert(1)", "/my/account"),
    ("http:/evil.example", "/my/account"),
    ("my/account", "/my/account"),
])
def test_sign_in_follows_next_only_within_the_site(client, make_user, next_url, expected):
    account = make_user()
    response = client.submit("/login", {"email": account.email, "password": account.password, "next": next_url})
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_a_page_that_needs_sign_in_sends_visitors_there_and_back(client, make_user):
    response = client.get("/my/account")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/my/account"
    login_page = client.get(response.headers["Location"])
    assert 'name="next" type="hidden" value="/my/account"' in html(login_page)
    assert "Please sign in to see that page." in html(login_page)
    account = make_user()
    response = client.submit("/login", {"email": account.email, "password": account.password,
                                        "next": "/my/account"})
    assert response.headers["Location"] == "/my/account"


def test_htmx_requests_from_visitors_get_an_hx_redirect_to_sign_in_and_back_to_their_page(client):
    from urllib.parse import parse_qs, urlsplit

    response = client.get("/my/account", headers={"HX-Request": "true",
                                                  "HX-Current-URL": "http://localhost/catalog?page=2"})
    assert response.status_code == 204
    location = urlsplit(response.headers["HX-Redirect"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/catalog?page=2"]
    other_site = client.get("/my/account", headers={"HX-Request": "true",
                                                    "HX-Current-URL": "https://evil.example/x"})
    assert other_site.headers["HX-Redirect"] == "/login"


def test_sign_in_without_csrf_token_is_refused(client, make_user):
    account = make_user()
    response = client.post("/login", data={"email": account.email, "password": account.password})
    assert response.status_code == 400


def test_sign_in_attempts_are_rate_limited_and_the_form_is_kept(client):
    for _ in range(10):
        assert client.submit("/login", {"email": "lin@example.com", "password": "guess guess"}).status_code == 422
    response = client.submit("/login", {"email": "lin@example.com", "password": "guess again"})
    assert response.status_code == 429
    body = html(response)
    assert "Too many sign-in attempts." in body
    assert 'value="lin@example.com"' in body


def test_a_signed_in_user_visiting_login_goes_to_their_account(client, signed_in):
    response = client.get("/login")
    assert response.status_code == 303
    assert response.headers["Location"] == "/my/account"


# Sign-out

def test_sign_out_is_post_only(client, signed_in):
    assert client.get("/logout").status_code == 405
    assert client.get("/my/account").status_code == 200


def test_sign_out_ends_the_session(client, signed_in):
    response = client.submit("/logout", {})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert client.get("/my/account").status_code == 303


def test_sign_out_without_csrf_token_is_refused(client, signed_in):
    assert client.post("/logout").status_code == 400
    assert client.get("/my/account").status_code == 200


# Language

def test_accept_language_chooses_the_default_language(client):
    page = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert '<html lang="zh-Hans">' in html(page)
    assert "登录" in html(page)
    page = client.get("/login", headers={"Accept-Language": "fr-FR,en;q=0.5"})
    assert '<html lang="en">' in html(page)


def test_a_visitor_choice_is_remembered_in_a_cookie_over_accept_language(client):
    response = client.submit("/language", {"locale": "zh_Hans", "next": "/login"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert client.get_cookie("locale").value == "zh_Hans"
    page = client.get("/login", headers={"Accept-Language": "en"})
    assert "登录" in html(page)


def test_a_users_choice_is_remembered_on_their_account(client, app, make_user):
    account = make_user()
    sign_in(client, account)
    client.submit("/language", {"locale": "zh_Hans", "next": "/my/account"})
    with app.app_context():
        assert db.session.get(User, account.id).locale == "zh_Hans"
    # A new browser, with no cookie and an English Accept-Language, still speaks Chinese once signed in.
    other = app.test_client()
    sign_in(other, account)
    page = other.get("/my/account", headers={"Accept-Language": "en"})
    assert "我的账号" in html(page)


def test_an_unknown_language_is_refused_with_a_message(client):
    response = client.submit("/language", {"locale": "xx", "next": "/"})
    assert response.status_code == 303
    assert client.get_cookie("locale") is None
    assert "Choose English or 简体中文." in html(client.get("/"))


def test_language_switch_never_redirects_off_site(client):
    response = client.submit("/language", {"locale": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_form_errors_are_translated(client):
    client.submit("/language", {"locale": "zh_Hans", "next": "/"})
    response = client.submit("/signup", {**SIGNUP, "password_confirm": "different password"})
    assert response.status_code == 422
    assert "两次输入的密码不一致。" in html(response)


def test_a_blank_display_name_or_email_counts_as_missing(client):
    response = client.submit("/signup", {**SIGNUP, "email": "   ", "display_name": "   "})
    assert response.status_code == 422
    assert "Enter your email address." in html(response)
    assert "Enter the name other people will see." in html(response)


def test_signup_never_redirects_off_site(client):
    response = client.submit("/signup", {**SIGNUP, "next": "//evil.example/"})
    assert response.headers["Location"] == "/my/account"


def test_the_first_field_to_fix_gets_the_focus(client):
    response = client.submit("/signup", {**SIGNUP, "display_name": "", "password_confirm": "different!!"})
    body = html(response)
    assert re.search(r'<input[^>]*autofocus[^>]*id="display_name"', body)
    assert len(re.findall(r"autofocus", body)) == 1
    assert "autofocus" not in html(client.get("/signup"))


def test_successful_sign_ins_do_not_use_up_the_limit(client, make_user):
    account = make_user()
    for _ in range(12):
        sign_in(client, account)
        client.submit("/logout", {})


def test_a_strangers_wrong_passwords_throttle_the_stranger_not_the_owner(client, app, make_user):
    account = make_user()
    stranger = {"REMOTE_ADDR": "10.0.66.1"}
    for _ in range(10):
        response = client.submit("/login", {"email": account.email, "password": "wrong password"},
                                 environ_base=stranger)
        assert response.status_code == 422
    # The stranger is throttled, even with the right password...
    assert client.submit("/login", {"email": account.email, "password": "wrong again"},
                         environ_base=stranger).status_code == 429
    # ...while the owner, from their own address, signs in at once.
    owner = app.test_client()
    response = owner.submit("/login", {"email": account.email, "password": account.password},
                            environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert response.status_code == 303


def test_wrong_passwords_from_many_addresses_do_not_lock_the_owner_out(client, app, make_user):
    account = make_user()
    for n in range(25):
        client.submit("/login", {"email": account.email, "password": "wrong password"},
                      environ_base={"REMOTE_ADDR": f"10.0.{n}.1"})
    owner = app.test_client()
    response = owner.submit("/login", {"email": account.email, "password": account.password},
                            environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert response.status_code == 303


@pytest.mark.parametrize("htmx", [False, True])
def test_successful_sign_ins_never_count_towards_a_limit(app, make_user, htmx):
    """Fifty people behind one office address, each signing in (and out) again and again."""
    accounts = [make_user() for _ in range(3)]
    client = app.test_client()
    for n in range(40):
        account = accounts[n % 3]
        data = {"email": account.email, "password": account.password}
        response = client.htmx_submit("/login", data) if htmx else client.submit("/login", data)
        assert response.status_code == (204 if htmx else 303), n
        client.submit("/logout", {})


def test_too_many_sign_ups_from_one_address(client):
    for n in range(10):
        client.submit("/signup", {**SIGNUP, "email": f"u{n}@example.com"})
        client.submit("/logout", {})
    response = client.submit("/signup", {**SIGNUP, "email": "one-more@example.com"})
    assert response.status_code == 429
    assert "Too many sign-ups" in html(response)
    assert 'value="one-more@example.com"' in html(response)


def test_a_rate_limited_htmx_sign_in_gets_the_form_fragment(client):
    for _ in range(10):
        client.htmx_submit("/login", {"email": "lin@example.com", "password": "guess guess"})
    response = client.htmx_submit("/login", {"email": "lin@example.com", "password": "guess guess"})
    assert response.status_code == 429
    assert html(response).lstrip().startswith("<form")
