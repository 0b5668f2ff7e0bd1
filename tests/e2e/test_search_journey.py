"""Searching as you type, in a real browser: htmx asks for the results block alone and swaps it in."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_auth_journey import new_page

pytestmark = pytest.mark.browser


@pytest.fixture
def tray_and_flask(make_supplier, make_product, make_category):
    make_category("kitchen", "Kitchen", "厨房")
    supplier = make_supplier("Clay Co")
    make_product(supplier, "Bamboo tea tray")
    make_product(supplier, "Steel flask")


def typed(page, box, text: str, path: str):
    """Type `text` into `box` as a person would; the htmx request the last key sends, and its response."""
    asked = re.compile(rf"{path}\?(.*&)?q={text}(&|$)")
    with page.expect_response(lambda response: asked.search(response.url)) as answer:
        box.press_sequentially(text, delay=40)
    response = answer.value
    return response.request.all_headers(), response.text()


def test_typing_in_the_catalog_search_swaps_in_only_the_results(browser, live_server, axe_violations,
                                                                   tray_and_flask):
    page = new_page(browser)
    page.goto(live_server + "/catalog")
    full_page = page.content()
    box = page.get_by_role("searchbox", name="Search the catalog")
    expect(page.get_by_role("link", name="Steel flask")).to_be_visible()

    sent, body = typed(page, box, "bamboo", "/catalog")
    assert sent["hx-request"] == "true" and sent["hx-request-type"] == "partial"
    assert "<html" not in body and "site-header" not in body and len(body) < len(full_page) / 2
    assert body.lstrip().startswith('<div class="catalog" id="catalog-results">')

    expect(page.get_by_role("link", name="Bamboo tea tray")).to_be_visible()
    expect(page.get_by_role("link", name="Steel flask")).to_have_count(0)
    expect(page.locator("#catalog-results")).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text="1 product")).to_be_visible()
    expect(box).to_be_focused()
    expect(box).to_have_value("bamboo")
    expect(page).to_have_url(re.compile(r"/catalog\?q=bamboo&sort=relevance$"))
    expect(page).to_have_title("“bamboo” in the catalog · Shelfmade")
    assert axe_violations(page) == []

    # Back goes to the unfiltered catalog, as before the search.
    page.go_back()
    expect(page).to_have_url(live_server + "/catalog")
    expect(page.get_by_role("link", name="Steel flask")).to_be_visible()
    expect(page).to_have_title("Catalog · Shelfmade")


def test_the_search_page_finds_as_you_type(browser, live_server, axe_violations, tray_and_flask):
    page = new_page(browser)
    page.goto(live_server + "/search")
    box = page.get_by_role("searchbox", name="Products and prototypes", exact=True)

    sent, body = typed(page, box, "flask", "/search")
    assert sent["hx-request"] == "true" and sent["hx-request-type"] == "partial"
    assert "<html" not in body and body.lstrip().startswith('<div id="search-results"')

    expect(page.get_by_role("link", name="Steel flask")).to_be_visible()
    expect(page.get_by_role("link", name="Bamboo tea tray")).to_have_count(0)
    expect(page.locator("#search-results")).to_have_count(1)
    expect(page).to_have_url(live_server + "/search?q=flask")
    expect(page).to_have_title("Search: flask · Shelfmade")
    assert axe_violations(page) == []


def test_without_javascript_the_search_forms_are_plain_gets(browser, live_server, tray_and_flask):
    page = new_page(browser, java_script_enabled=False)
    page.goto(live_server + "/catalog?category=kitchen")
    page.get_by_role("searchbox", name="Search the catalog").fill("bamboo")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/catalog\?category=kitchen&q=bamboo&sort=relevance$"))
    expect(page.get_by_role("link", name="Bamboo tea tray")).to_be_visible()
    expect(page.get_by_role("link", name="Steel flask")).to_have_count(0)

    page.goto(live_server + "/search")
    page.get_by_role("searchbox", name="Products and prototypes", exact=True).fill("flask")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page).to_have_url(live_server + "/search?q=flask")
    expect(page.get_by_role("link", name="Steel flask")).to_be_visible()
