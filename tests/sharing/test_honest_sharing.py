"""Honest sharing: the disclosure on every page a share link can land on, the money panel equal to the ledger's
split, self-referral checks on normalised addresses and devices, and fair distinct clicks."""
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, Variant
from blueprints.money import current_rates, listing_price_floor, where_money_goes
from blueprints.orders.models import Order, OrderLine, PaymentMethod
from blueprints.orders.services import AddressDetails, add_to_cart, get_or_create_cart, place_order
from blueprints.orders.services.checkout import Device, self_referral
from blueprints.sharing.models import ShareClick
from blueprints.sharing.services import get_or_create_link, normalise_address, seen_on
from blueprints.shops.models import Listing, Shop
from blueprints.shops.services import add_listing, open_shop
from extensions import db
from tests.conftest import sign_in

BROWSER = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile Safari MicroMessenger"}


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def world(app, make_supplier, make_product, make_prototype, make_user):
    supplier = make_supplier("Clay Co")
    product = make_product(supplier, "Steel flask", stock=500, supply_price=3900, min_price=5000, max_price=9900)
    _id, prototype_slug = make_prototype(supplier)
    owner, sharer = make_user("owner@example.com"), make_user("alice@example.com", display_name="Alice")
    with app.app_context():
        shop = open_shop(db.session.get(User, owner.id), name="Mei's Corner", slug="mei")
        add_listing(db.session.get(User, owner.id), shop, db.session.get(Product, product.id), 7500, current_rates())
        db.session.commit()
        shop_id = shop.id
    return {"product": product, "shop_id": shop_id, "sharer": sharer, "prototype": prototype_slug,
            "supplier": supplier}


def link_to(app, account, path) -> str:
    with app.app_context():
        link = get_or_create_link(db.session.get(User, account.id), path)
        db.session.commit()
        return link.code


@pytest.mark.parametrize("page", ["product", "shop", "shop product", "prototype"])
def test_the_disclosure_appears_on_every_page_a_share_link_can_land_on(app, client, world, page):
    slug = world["product"].slug
    path = {"product": f"/p/{slug}", "shop": "/shops/mei", "shop product": f"/shops/mei/p/{slug}",
            "prototype": f"/codesign/{world['prototype']}"}[page]
    code = link_to(app, world["sharer"], path)
    assert client.get(f"/s/{code}", headers=BROWSER).headers["Location"] == path
    text = html(client.get(path, headers=BROWSER))
    assert "Alice shared this and earns" in text
    if page == "shop product":
        assert "earns ¥2.25 if you buy" in text  # 3% of the shop's ¥75
    assert "Alice shared this" not in html(client.get("/catalog"))  # only where the link landed
    # Dismissed, it stays hidden.
    token = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    assert client.post(f"/s/{code}/dismiss", data={"csrf_token": token, "back": path}).status_code == 303
    assert "Alice shared this" not in html(client.get(path))


def test_the_disclosure_speaks_chinese(app, client, world):
    path = f"/shops/mei/p/{world['product'].slug}"
    code = link_to(app, world["sharer"], path)
    client.get(f"/s/{code}", headers=BROWSER)
    text = html(client.get(path, headers={**BROWSER, "Accept-Language": "zh-CN"}))
    assert "Alice 分享了这个页面" in text


def test_the_sharer_is_told_it_is_shown(client, world, app):
    sign_in(client, world["sharer"])
    assert "see your name and what you earn" in html(client.get(f"/p/{world['product'].slug}"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(price=st.integers(min_value=0, max_value=10_000), shop=st.booleans())
def test_the_money_panel_equals_the_ledgers_split_for_any_price(app, world, make_user, price, shop):
    """The panel on the page and the order line written at checkout, for random prices within the band."""
    with app.app_context():
        rates = current_rates()
        product = db.session.get(Product, world["product"].id)
        unit = max(listing_price_floor(product.supply_price, rates), 5000) + price % 4900
        listing = db.session.scalar(select(Listing).where(Listing.shop_id == world["shop_id"]))
        listing.price = unit
        if not shop:
            product.suggested_price = unit
        db.session.commit()
        buyer = db.session.get(User, world["supplier"].member.id)  # anyone who is not the sharer
        link = get_or_create_link(db.session.get(User, world["sharer"].id), f"/p/{product.slug}")
        cart = get_or_create_cart(buyer, None)
        variant = db.session.scalar(select(Variant).where(Variant.product_id == product.id))
        add_to_cart(cart, variant, db.session.get(Shop, world["shop_id"]) if shop else None, 1)
        key = f"k-{db.session.scalar(select(func.count(Order.id)))}"
        address = AddressDetails("王", "13900000009", "浙江省", "杭州市", "西湖区", "天目山路 1 号")
        order = place_order(buyer, cart, address, PaymentMethod.CASH_ON_DELIVERY, key, rates, share_link=link)
        line = db.session.scalar(select(OrderLine).where(OrderLine.order_id == order.id))
        panel = where_money_goes(unit, product.supply_price, rates, through_shop=shop)
        assert (panel.supplier_payout, panel.platform_commission, panel.referral_reward, panel.shop_earnings,
                panel.platform_margin, panel.total) == (line.supplier_payout, line.platform_commission,
                                                        line.referral_reward, line.shop_earnings,
                                                        line.platform_margin, line.line_total)
        db.session.commit()


def test_a_shop_page_and_product_pages_show_where_the_money_goes(client, world):
    text = html(client.get(f"/shops/mei/p/{world['product'].slug}"))
    assert "Where your money goes" in text and "Mei&#39;s Corner, the shop" in text and "¥39.00" in text


@pytest.mark.parametrize("street", ["文三路 90 号", "文三路90号", "文三路９０号", "文三路 90 号。", " 文三路，90号 ",
                                    "文三路-90-号"])
def test_the_normalised_address_catches_spaces_punctuation_and_full_width(street):
    assert normalise_address("浙江省", "杭州市", "西湖区", street) == normalise_address("浙江省", "杭州市", "西湖区",
                                                                                    "文三路 90 号")
    assert normalise_address("Room 5A, Oak St.") == normalise_address("room 5a oak st")
    assert normalise_address("文三路 91 号") != normalise_address("文三路 90 号")


def test_self_referral_is_caught_by_address_phone_and_device(app, ctx, world, make_user):
    sharer = db.session.get(User, world["sharer"].id)
    cart = get_or_create_cart(sharer, None)
    add_to_cart(cart, db.session.scalar(select(Variant).where(Variant.product_id == world["product"].id)), None, 1)
    place_order(sharer, cart, AddressDetails("Alice", "13800138000", "浙江省", "杭州市", "西湖区", "文三路 90 号"),
                PaymentMethod.CASH_ON_DELIVERY, "own", current_rates())
    seen_on(sharer, "a" * 64, "n" * 64)
    new_phone = AddressDetails("A", "13999999999", "浙江省", "杭州市", "西湖区", "文三路９０号。")
    assert self_referral(sharer.id, new_phone, None) == "address"
    assert self_referral(sharer.id, AddressDetails("A", "+86 138 0013 8000", "北京市", "北京市", "朝阳区", "x"),
                         None) == "phone"
    elsewhere = AddressDetails("B", "13700000000", "北京市", "北京市", "朝阳区", "建国路 1 号")
    assert self_referral(sharer.id, elsewhere, None) is None
    assert self_referral(sharer.id, elsewhere, Device("a" * 64, "x" * 64)) == "device"
    # A browser without the cookie, on the sharer's network and browser: the same device.
    assert self_referral(sharer.id, elsewhere, Device(None, "n" * 64)) == "device"
    # Someone else on the sharer's carrier network, in their own browser, is not the sharer.
    assert self_referral(sharer.id, elsewhere, Device("b" * 64, "n" * 64)) is None


def test_a_held_reward_tells_its_sharer_why(app, client, world, make_user):
    path = f"/shops/mei/p/{world['product'].slug}"
    sign_in(client, world["sharer"])
    client.submit("/share", {"path": path}, page=path)  # the sharer's browser is noted
    code = re.search(r'id="share-url" value="[^"]*/s/([a-z0-9]+)"', html(client.get(path))).group(1)
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    client.get(f"/s/{code}", headers=BROWSER)
    alias = make_user("alias@example.com")
    sign_in(client, alias)
    with app.app_context():
        variant_id = db.session.scalar(select(Variant.id).where(Variant.product_id == world["product"].id))
    client.submit("/cart/add", {"variant_id": str(variant_id), "shop_id": str(world["shop_id"]), "quantity": "1"},
                  page=path)
    page = html(client.get("/checkout"))
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"', page).group(1)
    response = client.submit("/checkout", {"address_id": "new", "recipient": "别名", "phone": "137 0000 0001",
                                           "province": "北京市", "city": "北京市", "district": "朝阳区",
                                           "street": "建国路 8 号", "payment_method": "cod", "idempotency_key": key},
                             page="/checkout")
    assert response.status_code == 303, html(response)
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    sign_in(client, world["sharer"])
    rewards = html(client.get("/my/rewards"))
    assert "Held rewards" in rewards and "a browser or network you use yourself" in rewards


def test_people_behind_one_carrier_address_with_one_in_app_browser_count_apart(app, world):
    code = link_to(app, world["sharer"], f"/p/{world['product'].slug}")
    first, second = app.test_client(), app.test_client()
    for client in (first, second):  # one address, one in-app browser, two people
        client.get(f"/s/{code}", headers=BROWSER)
        client.get(f"/s/{code}", headers=BROWSER)  # the same person twice a day is one visit
    # Each browser got its own first-party id, so the two count apart (the second from its second visit: a first
    # visit from an address and browser already counted today may be a browser that keeps no cookie).
    assert first.get_cookie("vid").value != second.get_cookie("vid").value
    with app.app_context():
        assert db.session.scalar(select(func.count(ShareClick.id))) == 2
    bot = app.test_client()
    bot.get(f"/s/{code}", headers={"User-Agent": "TelegramBot (like TwitterBot)"})
    with app.app_context():
        assert db.session.scalar(select(func.count(ShareClick.id))) == 2
