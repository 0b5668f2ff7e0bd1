"""Keyword subscriptions in a real browser: the bell rises for the user who asked, and for no one else."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_auth_journey import new_page
from tests.e2e.test_supply_journey import sign_in

pytestmark = pytest.mark.browser


def test_a_keyword_match_rings_the_bell_only_for_who_asked(browser, live_server, axe_violations, app, make_supplier,
                                                           make_product, make_category, make_user):
    app.config["BELL_REFRESH_SECONDS"] = 1  # the header asks every minute; a test has no minute to spare
    make_category("kitchen", "Kitchen", "厨房")
    supplier = make_supplier("Steel Co")
    draft = make_product(supplier, "不锈钢保温杯 500ml", active=False)
    mei = make_user("mei@example.com", display_name="Mei")
    lin = make_user("lin@example.com", display_name="Lin")

    # Mei searches, follows the keyword from the results, and turns keyword news on.
    fan = new_page(browser)
    sign_in(fan, live_server, mei)
    site_search = fan.get_by_role("search", name="Search products and prototypes")
    site_search.get_by_label("Search products and prototypes").fill("保温杯")
    site_search.get_by_label("Search products and prototypes").press("Enter")
    expect(fan.get_by_role("heading", name="Nothing matches “保温杯”")).to_be_visible()
    fan.get_by_role("link", name="Tell me when something new matches “保温杯”").click()
    expect(fan.get_by_label("Keywords", exact=True)).to_have_value("保温杯")
    fan.get_by_label("Only up to this price (¥)").fill("cheap")
    fan.get_by_role("button", name="Follow", exact=True).click()
    expect(fan.get_by_text("Enter an amount in yuan")).to_be_visible()
    expect(fan.get_by_label("Keywords", exact=True)).to_have_value("保温杯")  # kept
    fan.get_by_label("Only up to this price (¥)").fill("100")
    fan.get_by_role("button", name="Follow", exact=True).click()
    expect(fan.get_by_text("Saved. New products and prototypes matching “保温杯”")).to_be_visible()
    assert axe_violations(fan) == []
    fan.get_by_role("link", name="Turn them on in the notification settings").click()
    fan.get_by_role("checkbox", name="In the site My keywords").check()
    fan.get_by_role("button", name="Save settings").click()
    expect(fan.get_by_text("Your notification settings are saved.")).to_be_visible()
    assert axe_violations(fan) == []

    # Lin follows the same words but leaves keyword notifications off.
    other = new_page(browser)
    sign_in(other, live_server, lin)
    other.goto(live_server + "/my/subscriptions")
    other.get_by_label("Keywords", exact=True).fill("保温杯")
    other.get_by_role("button", name="Follow", exact=True).click()
    expect(other.get_by_text("Keyword notifications are off")).to_be_visible()

    bell = fan.locator("#bell .cart-count")
    expect(bell).to_have_attribute("data-unread", "0")

    # The supplier publishes a matching product.
    maker = new_page(browser)
    sign_in(maker, live_server, supplier.member)
    maker.goto(live_server + f"/supplier/products/{draft.id}")
    maker.get_by_role("button", name="Publish").click()
    expect(maker.get_by_text("Published: the product is in the catalog.")).to_be_visible()

    # Mei's bell rises without a reload; she opens it and lands on the product.
    expect(bell).to_have_attribute("data-unread", "1", timeout=10_000)
    fan.locator("#bell").click()
    expect(fan).to_have_url(re.compile(r"/my/notifications$"))
    fan.get_by_role("link", name="A new product matches your keywords: 不锈钢保温杯 500ml").click()
    expect(fan).to_have_url(re.compile(r"/p/"))
    expect(fan.get_by_role("heading", level=1)).to_have_text("不锈钢保温杯 500ml")
    expect(fan.locator("#bell .cart-count")).to_have_attribute("data-unread", "0")

    # Lin hears nothing.
    other.goto(live_server + "/my/notifications")
    expect(other.locator("#bell .cart-count")).to_have_attribute("data-unread", "0")
    expect(other.get_by_text("Nothing yet.")).to_be_visible()

    # Results come as Mei types, and the address follows so the back button and sharing work.
    fan.goto(live_server + "/search")
    fan.get_by_role("searchbox", name="Products and prototypes", exact=True).press_sequentially("保温", delay=50)
    expect(fan.get_by_role("link", name="不锈钢保温杯 500ml")).to_be_visible()
    expect(fan).to_have_url(re.compile(r"/search\?q=(%E4%BF%9D%E6%B8%A9|保温)$"))
    fan.go_back()
    expect(fan).to_have_url(re.compile(r"/search$"))

    # The search finds it now, at phone width too.
    phone = new_page(browser, width=375, height=800)
    phone.goto(live_server + "/search?q=保温杯")
    expect(phone.get_by_role("link", name="不锈钢保温杯 500ml")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert axe_violations(phone) == []
