"""A shopper buys through a shop, the supplier ships, the buyer tracks it, the shop owner sees earnings."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_auth_journey import new_page
from tests.e2e.test_supply_journey import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def shop_selling_two(app, make_supplier, make_product, make_shop, make_user):
    from blueprints.accounts.models import User
    from blueprints.catalog.models import Product
    from blueprints.money import current_rates
    from blueprints.shops.models import Shop
    from blueprints.shops.services import add_listing
    from extensions import db

    supplier = make_supplier("Clay Co")
    flask = make_product(supplier, "不锈钢保温杯", stock=6)
    bowl = make_product(supplier, "青花瓷饭碗", stock=6)
    owner = make_user("owner@example.com", display_name="Mei")
    shop_id = make_shop(owner, name="Mei's Corner", slug="mei")
    with app.app_context():
        for product, price in ((flask, 7500), (bowl, 6000)):
            add_listing(db.session.get(User, owner.id), db.session.get(Shop, shop_id),
                        db.session.get(Product, product.id), price, current_rates())
        db.session.commit()
    return {"supplier": supplier, "owner": owner, "flask": flask, "bowl": bowl}


def test_buy_through_a_shop_ship_track_and_earn(browser, live_server, axe_violations, shop_selling_two, make_user):
    buyer = make_user("buyer@example.com", display_name="Xiao")
    page = new_page(browser)

    # A visitor adds two products from the shop's pages.
    page.goto(live_server + "/shops/mei")
    page.get_by_role("link", name="不锈钢保温杯").click()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_text("Added to your cart.")).to_be_visible()
    expect(page.locator("#cart-count")).to_contain_text("2")
    page.goto(live_server + "/shops/mei")
    page.get_by_role("link", name="青花瓷饭碗").click()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_contain_text("3")
    assert axe_violations(page) == []

    # The cart survives signing in.
    page.get_by_role("link", name=re.compile("^Cart")).click()
    expect(page.get_by_text("¥150.00")).to_be_visible()
    page.get_by_role("link", name="Check out").click()
    page.get_by_label("Email").fill(buyer.email)
    page.get_by_label("Password").fill(buyer.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    expect(page.get_by_role("cell", name="¥210.00")).to_be_visible()

    # Checkout with cash on delivery.
    page.get_by_label("Recipient").fill("王小明")
    page.get_by_label("Mobile number").fill("138 0013 8000")
    page.get_by_label("Province").fill("浙江省")
    page.get_by_label("City").fill("杭州市")
    page.get_by_label("District").fill("西湖区")
    page.get_by_label("Street address").fill("文三路 90 号 3 幢 201")
    page.get_by_label("Cash on delivery").check()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_text(re.compile(r"Thank you! Your order SM\d{6}-\w{5} is placed."))).to_be_visible()
    number = re.search(r"/orders/(SM[\w-]+)$", page.url).group(1)
    expect(page.locator("#cart-count")).not_to_contain_text("3")
    assert axe_violations(page) == []

    # The supplier ships with tracking.
    supplier = new_page(browser)
    sign_in(supplier, live_server, shop_selling_two["supplier"].member)
    supplier.goto(live_server + "/supplier/orders")
    card = supplier.get_by_role("article").filter(has_text=number)
    expect(card).to_contain_text("文三路 90 号 3 幢 201")
    card.get_by_label("Carrier").fill("SF Express")
    card.get_by_label("Tracking number").fill("SF1234567890")
    assert axe_violations(supplier) == []
    card.get_by_role("button", name=re.compile("Mark shipped")).click()
    expect(supplier.get_by_text(f"{number} is on its way.")).to_be_visible()

    # The buyer sees the tracking.
    page.reload()
    expect(page.get_by_text("SF1234567890")).to_be_visible()
    expect(page.get_by_text("SF Express")).to_be_visible()
    expect(page.get_by_role("button", name="Cancel order")).to_have_count(0)

    # The shop owner sees the earnings: 2 x (75 - 39 - 6) + (60 - 39 - 4.80) = 76.20
    owner = new_page(browser)
    sign_in(owner, live_server, shop_selling_two["owner"])
    owner.goto(live_server + "/my/shop/orders")
    expect(owner.get_by_text(number).first).to_be_visible()
    expect(owner.locator(".earnings")).to_contain_text("¥76.20")
    assert "文三路" not in owner.content()
    assert axe_violations(owner) == []


def test_cart_quantities_change_in_place(browser, live_server, shop_selling_two):
    page = new_page(browser, width=375, height=812)
    page.goto(live_server + "/shops/mei")
    page.get_by_role("link", name="不锈钢保温杯").click()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_contain_text("1")
    page.goto(live_server + "/cart")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Quantity").fill("9")
    page.get_by_label("Quantity").press("Enter")
    expect(page.get_by_text("Only 6 left of 不锈钢保温杯.")).to_be_visible()
    page.get_by_label("Quantity").fill("3")
    page.get_by_label("Quantity").press("Enter")
    expect(page.get_by_text("¥225.00").first).to_be_visible()
    expect(page.locator("#cart-count")).to_contain_text("3")
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
