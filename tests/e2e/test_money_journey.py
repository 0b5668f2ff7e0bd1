"""After the sale, in a browser: buy from two suppliers through a friend's share link, deliver, return one line, refund,
run payouts, and see every party's statement agree with the ledger."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from blueprints.ledger.accounts import EARNINGS, Owner
from blueprints.ledger.services import owed_to, unbalanced_transactions
from blueprints.money import format_money
from blueprints.orders.models import Order
from blueprints.orders.services import complete_due_orders
from extensions import db
from tests.e2e.test_auth_journey import new_page
from tests.e2e.test_sharing_journey import checkout
from tests.e2e.test_supply_journey import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def two_suppliers_one_shop(app, make_supplier, make_product, make_shop, make_user):
    from blueprints.accounts.models import User
    from blueprints.catalog.models import Product
    from blueprints.money import current_rates
    from blueprints.shops.models import Shop
    from blueprints.shops.services import add_listing

    clay, linen = make_supplier("Clay Co"), make_supplier("Linen Co")
    flask = make_product(clay, "不锈钢保温杯", stock=6)
    towel = make_product(linen, "亚麻茶巾", stock=6, supply_price=2000, suggested_price=3900, min_price=3000,
                         max_price=5000)
    owner = make_user("owner@example.com", display_name="Mei")
    shop_id = make_shop(owner, name="Mei's Corner", slug="mei")
    with app.app_context():
        for product, price in ((flask, 7500), (towel, 4500)):
            add_listing(db.session.get(User, owner.id), db.session.get(Shop, shop_id),
                        db.session.get(Product, product.id), price, current_rates())
        db.session.commit()
    app.config["PAYOUT_MINIMUM"] = 1
    return {"clay": clay, "linen": linen, "owner": owner, "shop_id": shop_id}


def shown(page, bucket_label: str) -> str:
    box = page.locator(".earnings__box").filter(has=page.get_by_text(bucket_label, exact=True))
    return box.locator(".earnings__amount").inner_text()


def test_share_buy_two_suppliers_return_refund_pay_out_and_statements_agree(
        browser, live_server, axe_violations, two_suppliers_one_shop, make_user, admin, app):
    world = two_suppliers_one_shop
    alice = make_user("alice@example.com", display_name="Alice")
    buyer = make_user("friend@example.com", display_name="Friend")

    sharer = new_page(browser)
    sign_in(sharer, live_server, alice)
    sharer.goto(live_server + "/shops/mei")
    sharer.get_by_role("link", name="不锈钢保温杯").click()
    sharer.get_by_text("Share", exact=True).click()
    sharer.get_by_role("button", name="Get my share link").click()
    link = sharer.get_by_label("Link to share").input_value()

    friend = new_page(browser)
    sign_in(friend, live_server, buyer)
    friend.goto(link)
    friend.get_by_role("button", name="Add to cart").click()
    expect(friend.locator("#cart-count")).to_contain_text("1")
    friend.goto(live_server + "/shops/mei")
    friend.get_by_role("link", name="亚麻茶巾").click()
    friend.get_by_role("button", name="Add to cart").click()
    expect(friend.locator("#cart-count")).to_contain_text("2")
    friend.goto(live_server + "/checkout")
    checkout(friend, "139 0000 0001", "天目山路 1 号")
    number = friend.url.rsplit("/", 1)[1]

    for supplier in (world["clay"], world["linen"]):
        page = new_page(browser)
        sign_in(page, live_server, supplier.member)
        page.goto(live_server + "/supplier/orders")
        card = page.get_by_role("article").filter(has_text=number)
        card.get_by_label("Carrier").fill("SF Express")
        card.get_by_label("Tracking number").fill("SF100")
        card.get_by_role("button", name=re.compile("Mark shipped")).click()
        page.get_by_role("article").filter(has_text=number).get_by_role(
            "button", name=re.compile("Mark delivered")).click()
        expect(page.get_by_text(f"{number} is marked delivered.")).to_be_visible()
        page.context.close()

    # The friend returns the towel (Linen Co's line): it arrived damaged.
    friend.goto(live_server + f"/orders/{number}")
    friend.get_by_role("link", name="Return items…").click()
    friend.get_by_label(re.compile("不锈钢保温杯")).fill("0")
    friend.get_by_label(re.compile("亚麻茶巾")).fill("1")
    friend.get_by_label("It arrived damaged").check()
    friend.get_by_label("Anything the supplier should know").fill("A tear along the hem.")
    assert axe_violations(friend) == []
    friend.get_by_role("button", name="Ask to return").click()
    expect(friend.get_by_text("Your return request is sent.")).to_be_visible()

    linen = new_page(browser)
    sign_in(linen, live_server, world["linen"].member)
    linen.goto(live_server + "/supplier/returns")
    card = linen.get_by_role("article").filter(has_text=number)
    expect(card).to_contain_text("A tear along the hem.")
    card.get_by_label("Return address").fill("Linen Co, 1 Mill Road, Shaoxing")
    card.get_by_role("button", name=re.compile("^Accept")).click()
    expect(linen.get_by_text(re.compile("accepted; the buyer has your address"))).to_be_visible()
    assert axe_violations(linen) == []

    friend.goto(live_server + f"/orders/{number}")
    expect(friend.get_by_text("Linen Co, 1 Mill Road, Shaoxing")).to_be_visible()
    friend.get_by_label("Carrier").fill("YTO")
    friend.get_by_label("Tracking number").fill("YT123")
    friend.get_by_role("button", name="I have sent it").click()
    expect(friend.get_by_text("The supplier refunds you when the parcel arrives.")).to_be_visible()

    linen.goto(live_server + "/supplier/returns")
    linen.get_by_role("article").filter(has_text=number).get_by_role(
        "button", name=re.compile("Received: refund")).click()
    expect(linen.get_by_text(re.compile("received; the buyer is refunded"))).to_be_visible()
    friend.goto(live_server + f"/orders/{number}")
    expect(friend.get_by_text("Refund ¥45.00")).to_be_visible()

    # The return window passes; the order completes; the admin runs payouts and pays the buyer's refund.
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert complete_due_orders(timedelta(days=7), now=order.delivered_at + timedelta(days=8)) == [order]
        db.session.commit()
    desk = new_page(browser)
    sign_in(desk, live_server, admin)
    desk.goto(live_server + "/admin/returns")
    desk.get_by_role("button", name=re.compile("Mark paid")).click()
    desk.goto(live_server + "/admin/payouts")
    desk.get_by_role("button", name="Run payouts now").click()
    expect(desk.get_by_text(re.compile(r"Payout run #\d+"))).to_be_visible()
    assert axe_violations(desk) == []
    desk.goto(live_server + "/admin/ledger")
    expect(desk.locator("tfoot")).to_contain_text("¥0.00")

    # Every party's statement shows what the ledger says it is owed, bucket by bucket.
    parties = [(world["clay"].member, "/supplier/payouts", Owner.supplier(world["clay"].id)),
               (world["linen"].member, "/supplier/payouts", Owner.supplier(world["linen"].id)),
               (world["owner"], "/my/shop/earnings", Owner.shop(world["shop_id"])),
               (alice, "/my/rewards", Owner.referrer(alice.id))]
    for account, path, owner in parties:
        page = new_page(browser)
        sign_in(page, live_server, account)
        page.goto(live_server + path)
        with app.test_request_context():
            owed = owed_to(owner, EARNINGS)
            expected = {label: format_money(owed[bucket]) for bucket, label in
                        (("pending", "Pending"), ("available", "Available"), ("in_transit", "In transit"),
                         ("paid", "Paid out"))}
        for label, amount in expected.items():
            assert shown(page, label) == amount, (path, label)
        # Linen Co's only line came back, so it is owed nothing; everyone else's earnings are on their way.
        assert owed["available"] == 0 and (owed["in_transit"] == 0) == (owner == Owner.supplier(world["linen"].id))
        assert axe_violations(page) == []
        page.context.close()
    with app.app_context():
        assert unbalanced_transactions() == []
