"""A person signs up, signs out, signs in and switches language, in a real browser."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"


def new_page(browser, width=1280, height=900, **options):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US",
                                  bypass_csp=True, **options)
    context.set_default_timeout(10_000)
    return context.new_page()


def test_sign_up_sign_out_sign_in_and_switch_language(browser, live_server, axe_violations):
    page = new_page(browser)
    page.goto(live_server + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Shelfmade")
    assert axe_violations(page) == []

    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(live_server + "/signup")
    page.get_by_label("Email").fill("mei@example.com")
    page.get_by_label("Display name").fill("Mei")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill("not the same password")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("button", name="Create account").click()

    # htmx swapped in the form with its errors: same page, what was typed kept, passwords not.
    expect(page.get_by_text("The two passwords do not match.")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page.get_by_label("Email")).to_have_value("mei@example.com")
    expect(page.get_by_label("Display name")).to_have_value("Mei")
    expect(page.get_by_label("Password again")).to_have_value("")
    assert axe_violations(page) == []

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(live_server + "/my/account")
    expect(page.get_by_text("Welcome to Shelfmade, Mei.")).to_be_visible()
    expect(page.get_by_text("mei@example.com")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    account_nav = page.get_by_role("navigation", name="Your account")
    expect(account_nav.get_by_role("link", name="Sign in")).to_be_visible()

    account_nav.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("mei@example.com")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("That email and password do not match an account.")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server + "/my/account")
    expect(page.get_by_text("Welcome back, Mei.")).to_be_visible()

    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.get_by_role("heading", name="我的账号")).to_be_visible()
    expect(page.get_by_role("button", name="简体中文")).to_have_attribute("aria-pressed", "true")
    assert axe_violations(page) == []

    # The choice is kept on the account: a fresh browser speaks Chinese after signing in.
    other = new_page(browser)
    other.goto(live_server + "/login")
    expect(other.locator("html")).to_have_attribute("lang", "en")
    other.get_by_label("Email").fill("mei@example.com")
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Sign in").click()
    expect(other.get_by_role("heading", name="我的账号")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="My account")).to_be_visible()


def test_sign_up_works_without_javascript(browser, live_server):
    page = new_page(browser, java_script_enabled=False)
    page.goto(live_server + "/signup")
    page.get_by_label("Email").fill("nojs@example.com")
    page.get_by_label("Display name").fill("No Script")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password again").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("A password needs 10 to 128 characters.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("nojs@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(live_server + "/my/account")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


@pytest.mark.parametrize("path", ["/", "/signup", "/login", "/no-such-page"])
def test_pages_fit_a_375px_phone_and_pass_axe(browser, live_server, axe_violations, path):
    page = new_page(browser, width=375, height=812)
    page.goto(live_server + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert axe_violations(page) == []


def test_the_sign_in_form_can_be_used_with_the_keyboard_alone(browser, live_server, make_user):
    account = make_user("keys@example.com", display_name="Keys")
    page = new_page(browser)
    page.goto(live_server + "/login")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(account.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type("not my password")
    page.keyboard.press("Enter")
    # The form comes back with the error; the cursor is on the field to fix, not back at the top.
    expect(page.get_by_text("That email and password do not match an account.")).to_be_visible()
    page.keyboard.type(account.password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/my/account$"))
