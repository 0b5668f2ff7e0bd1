"""A shares a listing; a friend follows the link, signs up and buys; A earns and spends the reward."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.test_auth_journey import PASSWORD, new_page
from tests.e2e.test_order_journey import shop_selling_two  # noqa: F401  (fixture)
from tests.e2e.test_supply_journey import sign_in

pytestmark = pytest.mark.browser


def checkout(page, phone, street):
    page.get_by_label("Recipient").fill("王小明")
    page.get_by_label("Mobile number").fill(phone)
    page.get_by_label("Province").fill("浙江省")
    page.get_by_label("City").fill("杭州市")
    page.get_by_label("District").fill("西湖区")
    page.get_by_label("Street address").fill(street)
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_text(re.compile("Thank you! Your order"))).to_be_visible()


def test_share_buy_complete_and_spend(browser, live_server, axe_violations, shop_selling_two, make_user, app):  # noqa: F811
    alice = make_user("alice@example.com", display_name="Alice")

    sharer = new_page(browser)
    sign_in(sharer, live_server, alice)
    sharer.goto(live_server + "/shops/mei")
    sharer.get_by_role("link", name="不锈钢保温杯").click()
    sharer.get_by_text("Share", exact=True).click()
    sharer.get_by_role("button", name="Get my share link").click()
    link = sharer.get_by_label("Link to share").input_value()
    assert re.search(r"/s/[a-z0-9]{8}$", link)
    expect(sharer.locator(".share__qr svg")).to_be_visible()
    assert axe_violations(sharer) == []

    # A new visitor, in a fresh browser, follows the link, signs up and buys.
    friend = new_page(browser)
    friend.goto(link)
    expect(friend.get_by_role("heading", level=1)).to_have_text("不锈钢保温杯")
    friend.get_by_role("button", name="Add to cart").click()
    expect(friend.locator("#cart-count")).to_contain_text("1")
    friend.goto(live_server + "/signup")
    friend.get_by_label("Email").fill("friend@example.com")
    friend.get_by_label("Display name").fill("Friend")
    friend.get_by_label("Password", exact=True).fill(PASSWORD)
    friend.get_by_label("Password again").fill(PASSWORD)
    friend.get_by_role("button", name="Create account").click()
    expect(friend).to_have_url(re.compile(r"/my/account$"))
    friend.goto(live_server + "/checkout")
    checkout(friend, "139 0000 0001", "天目山路 1 号")
    number = friend.url.rsplit("/", 1)[1]

    # The supplier ships; delivery and the return window pass; the order completes.
    supplier = new_page(browser)
    sign_in(supplier, live_server, shop_selling_two["supplier"].member)
    supplier.goto(live_server + "/supplier/orders")
    card = supplier.get_by_role("article").filter(has_text=number)
    card.get_by_label("Carrier").fill("SF Express")
    card.get_by_label("Tracking number").fill("SF100")
    card.get_by_role("button", name=re.compile("Mark shipped")).click()
    supplier.get_by_role("article").filter(has_text=number).get_by_role("button", name=re.compile("Mark delivered")).click()
    expect(supplier.get_by_text(f"{number} is marked delivered.")).to_be_visible()
    with app.app_context():
        from sqlalchemy import select

        from blueprints.orders.models import Order
        from blueprints.orders.services import complete_due_orders
        from extensions import db

        order = db.session.scalar(select(Order).where(Order.number == number))
        assert complete_due_orders(timedelta(days=7), now=order.delivered_at + timedelta(days=8)) == [order]
        db.session.commit()

    # Alice sees the reward available: 3% of ¥75 = ¥2.25, and spends it.
    sharer.goto(live_server + "/my/rewards")
    expect(sharer.locator(".rewards-balance")).to_contain_text("¥2.25")
    expect(sharer.get_by_role("cell", name="1", exact=True).first).to_be_visible()
    assert axe_violations(sharer) == []
    sharer.goto(live_server + "/shops/mei")
    sharer.get_by_role("link", name="青花瓷饭碗").click()
    sharer.get_by_role("button", name="Add to cart").click()
    expect(sharer.locator("#cart-count")).to_contain_text("1")
    sharer.goto(live_server + "/checkout")
    sharer.get_by_label("Pay with my share rewards").check()
    checkout(sharer, "138 0000 0002", "文一路 2 号")
    expect(sharer.get_by_text("Paid with your share rewards: ¥2.25. Left to pay: ¥57.75.")).to_be_visible()
    sharer.goto(live_server + "/my/rewards")
    expect(sharer.locator(".rewards-balance")).to_contain_text("¥0.00")
