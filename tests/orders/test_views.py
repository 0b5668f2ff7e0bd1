"""Buying, fulfilling and following orders through the pages, as each role would."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from blueprints.catalog.models import Product, Variant
from blueprints.money import current_rates
from blueprints.notifications.models import Notification
from blueprints.orders.models import Order, OrderStatus, Shipment
from blueprints.shops.models import Shop
from blueprints.shops.services import add_listing
from extensions import db
from tests.conftest import sign_in

pytestmark = pytest.mark.all_databases

ADDRESS = {"address_id": "new", "recipient": "王小明", "phone": "138 0013 8000", "province": "浙江省",
           "city": "杭州市", "district": "西湖区", "street": "文三路 90 号 3 幢 201", "save_address": "y",
           "payment_method": "cod"}


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def shop_with_flask(app, make_supplier, make_product, make_shop, make_user):
    from blueprints.accounts.models import User

    supplier = make_supplier("Clay Co")
    product = make_product(supplier, "Flask", stock=5)
    owner = make_user("owner@example.com")
    shop_id = make_shop(owner, slug="mei")
    with app.app_context():
        add_listing(db.session.get(User, owner.id), db.session.get(Shop, shop_id), db.session.get(Product, product.id),
                    7500, current_rates())
        variant_id = db.session.scalar(select(Variant.id).where(Variant.product_id == product.id))
        db.session.commit()
    return {"supplier": supplier, "product": product, "owner": owner, "shop_id": shop_id, "variant_id": variant_id}


def add(client, world, quantity=2, **headers):
    data = {"variant_id": str(world["variant_id"]), "shop_id": str(world["shop_id"]), "quantity": str(quantity)}
    page = f"/shops/mei/p/{world['product'].slug}"
    if headers:
        return client.htmx_submit("/cart/add", data, page=page)
    return client.submit("/cart/add", data, page=page, headers={"Referer": "http://localhost" + page})


def checkout(client, **overrides):
    page = html(client.get("/checkout"))
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"', page).group(1)
    return client.submit("/checkout", {**ADDRESS, "idempotency_key": key, **overrides}, page="/checkout"), key


def test_a_visitor_adds_to_the_cart_at_the_shops_price_and_the_cart_survives_sign_in(client, shop_with_flask,
                                                                                      make_user):
    response = add(client, shop_with_flask)
    assert response.status_code == 303
    cart = html(client.get("/cart"))
    assert "Flask" in cart and "¥150.00" in cart and "from" in cart
    sign_in(client, make_user("buyer@example.com"))
    assert "¥150.00" in html(client.get("/cart"))


def test_adding_by_htmx_swaps_the_panel_and_the_header_count(client, shop_with_flask):
    response = add(client, shop_with_flask, htmx=True)
    body = html(response)
    assert response.status_code == 200 and "<html" not in body
    assert "Added to your cart." in body
    assert 'id="cart-count"' in body and 'hx-swap-oob="true"' in body


def test_more_than_in_stock_is_refused_naming_what_is_left(client, shop_with_flask):
    response = add(client, shop_with_flask, quantity=9)
    assert response.status_code == 422
    assert "Only 5 left of Flask." in html(response)
    assert 'value="9"' in html(response)


def test_the_language_switch_on_a_refused_form_goes_back_to_the_page_not_the_post_address(client, shop_with_flask):
    page = f"/shops/mei/p/{shop_with_flask['product'].slug}"
    refused = html(add(client, shop_with_flask, quantity=9))
    assert 'name="next" value="%s"' % page in refused
    # Sent again from the refused page, the form's referrer is the POST address: the switch falls back to home.
    data = {"variant_id": str(shop_with_flask["variant_id"]), "shop_id": str(shop_with_flask["shop_id"]),
            "quantity": "9"}
    again = html(client.submit("/cart/add", data, page=page, headers={"Referer": "http://localhost/cart/add"}))
    assert 'name="next" value="/"' in again
    response = client.submit("/language", {"locale": "zh_Hans", "next": "/cart/add"})
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_the_buy_form_posts_to_the_page_it_is_on_so_a_refused_form_keeps_the_pages_address(client, shop_with_flask):
    page = f"/shops/mei/p/{shop_with_flask['product'].slug}"
    action = re.search(r'<form method="post" action="([^"]+)" class="add-to-cart"', html(client.get(page))).group(1)
    assert action == f"{page}?variant={shop_with_flask['variant_id']}"
    data = {"variant_id": str(shop_with_flask["variant_id"]), "shop_id": str(shop_with_flask["shop_id"])}
    refused = client.submit(action, {**data, "quantity": "9"}, page=page)
    assert refused.status_code == 422 and 'value="9"' in html(refused)
    assert f'name="next" value="{action}"' in html(refused)
    assert client.submit(action, {**data, "quantity": "2"}, page=page).status_code == 303
    assert "¥150.00" in html(client.get("/cart"))
    # The address names the product it sells: another product's form sent there is refused.
    assert client.submit(f"/shops/mei/p/other-{shop_with_flask['product'].slug}", {**data, "quantity": "1"},
                         page=page).status_code == 404


def test_the_added_message_takes_the_focus_and_is_announced(client, shop_with_flask):
    body = html(add(client, shop_with_flask, htmx=True))
    message = re.search(r'<p class="alert alert--success"[^>]*>\s*Added to your cart\.', body).group(0)
    assert 'role="status"' in message and 'tabindex="-1"' in message and "autofocus" in message


def test_cart_quantities_update_with_htmx_and_without(client, shop_with_flask, app):
    add(client, shop_with_flask)
    with app.app_context():
        item_id = db.session.scalar(select(func.min(Variant.id)))  # any id; replaced below
        from blueprints.orders.models import CartItem

        item_id = db.session.scalar(select(CartItem.id))
    response = client.htmx_submit(f"/cart/items/{item_id}", {f"item-{item_id}-quantity": "3"}, page="/cart")
    assert response.status_code == 200 and "¥225.00" in html(response) and "<html" not in html(response)
    response = client.submit(f"/cart/items/{item_id}", {f"item-{item_id}-quantity": "7"}, page="/cart")
    assert response.status_code == 422 and "Only 5 left of Flask." in html(response)
    response = client.submit(f"/cart/items/{item_id}/remove", {}, page="/cart")
    assert response.status_code == 303
    assert "Your cart is empty." in html(client.get("/cart"))


def test_checkout_needs_sign_in(client):
    response = client.get("/checkout")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")


def test_checkout_places_one_order_even_when_submitted_twice(client, shop_with_flask, make_user, app):
    sign_in(client, make_user("buyer@example.com"))
    add(client, shop_with_flask)
    response, key = checkout(client)
    assert response.status_code == 303
    number = response.headers["Location"].rsplit("/", 1)[1]
    page = html(client.get(f"/orders/{number}"))
    assert "Thank you! Your order" in page and "王小明" in page and "¥150.00" in page
    again = client.submit("/checkout", {**ADDRESS, "idempotency_key": key}, page="/checkout")
    assert again.status_code == 303 and again.headers["Location"] == f"/orders/{number}"
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 1
        assert db.session.get(Variant, shop_with_flask["variant_id"]).stock_on_hand == 3
    # The address was saved and is offered next time.
    add(client, shop_with_flask, quantity=1)
    assert "文三路 90 号 3 幢 201" in html(client.get("/checkout"))


def test_a_twin_request_that_placed_the_order_first_sends_the_buyer_to_that_order(client, shop_with_flask, make_user,
                                                                                   app, monkeypatch):
    from blueprints.orders import views
    from blueprints.orders.services.checkout import DuplicateOrder

    sign_in(client, make_user("buyer@example.com"))
    add(client, shop_with_flask)
    response, key = checkout(client)
    number = response.headers["Location"].rsplit("/", 1)[1]
    client.get(f"/orders/{number}")  # the thanks are shown once
    # As if the twin had not committed when this request first looked for the key, then claimed it first.
    looked_up = []

    def order_by_key(wanted):
        looked_up.append(wanted)
        return None if len(looked_up) == 1 else find_order_by_key(wanted)

    def place_order(*_args, **_kwargs):
        raise DuplicateOrder(key)

    find_order_by_key = views.order_by_key
    monkeypatch.setattr(views, "order_by_key", order_by_key)
    monkeypatch.setattr(views, "place_order", place_order)
    again = client.submit("/checkout", {**ADDRESS, "idempotency_key": key}, page="/checkout")
    assert again.status_code == 303 and again.headers["Location"] == f"/orders/{number}"
    assert "Thank you!" not in html(client.get(f"/orders/{number}"))
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 1


def test_a_bad_phone_number_keeps_everything_typed(client, shop_with_flask, make_user):
    sign_in(client, make_user())
    add(client, shop_with_flask)
    response, _key = checkout(client, phone="12345")
    assert response.status_code == 422
    body = html(response)
    assert "Enter a mainland mobile number" in body
    assert 'value="12345"' in body and 'value="文三路 90 号 3 幢 201"' in body


def test_stock_gone_at_checkout_is_a_clear_message(client, shop_with_flask, make_user, app):
    sign_in(client, make_user())
    add(client, shop_with_flask, quantity=3)
    with app.app_context():
        db.session.get(Variant, shop_with_flask["variant_id"]).stock_on_hand = 1
        db.session.commit()
    response, _key = checkout(client)
    assert response.status_code == 422
    assert "Only 1 left of Flask." in html(response)


def test_a_stranger_cannot_see_or_cancel_someone_elses_order(client, shop_with_flask, make_user, app):
    sign_in(client, make_user("buyer@example.com"))
    add(client, shop_with_flask)
    response, _key = checkout(client)
    number = response.headers["Location"].rsplit("/", 1)[1]
    client.submit("/logout", {})
    sign_in(client, make_user("stranger@example.com"))
    assert client.get(f"/orders/{number}").status_code == 404
    assert client.submit(f"/orders/{number}/cancel", {}, page="/").status_code == 404


def place(client, world, make_user, method="cod"):
    buyer = make_user("buyer@example.com")
    sign_in(client, buyer)
    add(client, world)
    response, _key = checkout(client, payment_method=method)
    number = response.headers["Location"].rsplit("/", 1)[1]
    client.submit("/logout", {})
    return buyer, number


def shipment_id(app, number) -> int:
    with app.app_context():
        return db.session.scalar(select(Shipment.id).join(Shipment.order).where(Order.number == number))


def test_the_supplier_confirms_ships_and_delivers_and_the_buyer_sees_tracking(client, shop_with_flask, make_user,
                                                                              app, admin):
    buyer, number = place(client, shop_with_flask, make_user, method="bank_transfer")
    shipment = shipment_id(app, number)
    sign_in(client, shop_with_flask["supplier"].member)
    queue = html(client.get("/supplier/orders"))
    assert number in queue and "文三路 90 号 3 幢 201" in queue and "the platform confirms the buyer's transfer" in queue
    assert "Paid by bank transfer" not in queue
    assert client.submit(f"/supplier/shipments/{shipment}/ship",
                         {f"ship-{shipment}-carrier": "SF", f"ship-{shipment}-tracking_number": "SF1"},
                         page="/supplier/orders").status_code == 303
    assert "This shipment cannot make that step now." in html(client.get("/supplier/orders"))
    assert client.submit(f"/supplier/shipments/{shipment}/confirm-payment", {}, page="/supplier/orders").status_code \
        == 403  # the buyer paid the platform: only the platform confirms it, once per order
    client.submit("/logout", {})
    sign_in(client, admin)
    assert number in html(client.get("/admin/transfers"))
    assert client.submit(f"/admin/orders/{number}/transfer-received", {}, page="/admin/transfers").status_code == 303
    client.submit("/logout", {})
    sign_in(client, shop_with_flask["supplier"].member)
    response = client.submit(f"/supplier/shipments/{shipment}/ship",
                             {f"ship-{shipment}-carrier": "", f"ship-{shipment}-tracking_number": ""},
                             page="/supplier/orders")
    assert response.status_code == 422 and "Name the carrier" in html(response)
    client.submit(f"/supplier/shipments/{shipment}/ship",
                  {f"ship-{shipment}-carrier": "SF Express", f"ship-{shipment}-tracking_number": "SF1234567890"},
                  page="/supplier/orders")
    client.submit(f"/supplier/shipments/{shipment}/deliver", {}, page="/supplier/orders")
    client.submit("/logout", {})

    sign_in(client, buyer)
    page = html(client.get(f"/orders/{number}"))
    assert "SF Express" in page and "SF1234567890" in page and "Delivered" in page
    assert "Cancel order" not in page
    assert client.submit(f"/orders/{number}/cancel", {}, page=f"/orders/{number}").status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Order.status).where(Order.number == number)) == OrderStatus.DELIVERED

    result = app.test_cli_runner().invoke(args=["complete-orders"])
    assert "Completed 0 order(s)." in result.output
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        order.delivered_at = order.delivered_at - timedelta(days=8)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["complete-orders"])
    assert number in result.output


def test_the_supplier_corrects_a_mistyped_tracking_number_and_the_buyer_sees_the_new_one(client, shop_with_flask,
                                                                                         make_user, app):
    buyer, number = place(client, shop_with_flask, make_user)  # cash on delivery: ready to ship at once
    shipment = shipment_id(app, number)
    supplier = shop_with_flask["supplier"].member
    sign_in(client, supplier)
    fields = (f"ship-{shipment}-carrier", f"ship-{shipment}-tracking_number")
    client.submit(f"/supplier/shipments/{shipment}/ship", dict(zip(fields, ("SF Express", "SF12345"))),
                  page="/supplier/orders")
    queue = html(client.get("/supplier/orders"))
    assert "Correct the tracking" in queue and 'value="SF12345"' in queue
    response = client.submit(f"/supplier/shipments/{shipment}/tracking", dict(zip(fields, ("SF Express", " "))),
                             page="/supplier/orders")
    assert response.status_code == 422 and "Enter the tracking number" in html(response)
    assert 'value="SF Express"' in html(response)
    assert client.submit(f"/supplier/shipments/{shipment}/tracking", dict(zip(fields, ("SF Express", "SF1234567"))),
                         page="/supplier/orders").status_code == 303
    client.submit(f"/supplier/shipments/{shipment}/deliver", {}, page="/supplier/orders")
    # Delivered: the tracking is history now, and the queue refuses to change it.
    assert client.submit(f"/supplier/shipments/{shipment}/tracking", dict(zip(fields, ("EMS", "E1"))),
                         page="/supplier/orders").status_code == 303
    client.submit("/logout", {})
    sign_in(client, buyer)
    page = html(client.get(f"/orders/{number}"))
    assert "SF1234567" in page and "SF12345<" not in page and "E1<" not in page
    with app.app_context():
        events = list(db.session.scalars(select(Notification.event).where(Notification.user_id == buyer.id)))
    assert events.count("tracking_corrected") == 1


def test_another_supplier_or_a_shop_owner_cannot_touch_a_shipment(client, shop_with_flask, make_user,
                                                                  make_supplier, app):
    _buyer, number = place(client, shop_with_flask, make_user)
    shipment = shipment_id(app, number)
    for account in (make_supplier("Rival Co").member, shop_with_flask["owner"]):
        sign_in(client, account)
        for action, data in (("confirm-payment", {}), ("deliver", {}),
                             ("ship", {f"ship-{shipment}-carrier": "SF", f"ship-{shipment}-tracking_number": "1"}),
                             ("tracking", {f"ship-{shipment}-carrier": "SF", f"ship-{shipment}-tracking_number": "1"})):
            assert client.submit(f"/supplier/shipments/{shipment}/{action}", data, page="/").status_code == 403
        client.submit("/logout", {})
    sign_in(client, shop_with_flask["owner"])
    assert client.get("/supplier/orders").status_code == 403


def test_the_buyer_cancels_before_shipping_and_stock_comes_back(client, shop_with_flask, make_user, app):
    buyer, number = place(client, shop_with_flask, make_user)
    sign_in(client, buyer)
    response = client.submit(f"/orders/{number}/cancel", {}, page=f"/orders/{number}")
    assert response.status_code == 303
    assert "is cancelled" in html(client.get(f"/orders/{number}"))
    with app.app_context():
        assert db.session.get(Variant, shop_with_flask["variant_id"]).stock_on_hand == 5


def test_the_shop_owner_sees_sales_and_earnings_but_not_the_address(client, shop_with_flask, make_user):
    _buyer, number = place(client, shop_with_flask, make_user)
    sign_in(client, shop_with_flask["owner"])
    page = html(client.get("/my/shop/orders"))
    assert number in page and "杭州市" in page
    assert "文三路" not in page and "138" not in page and "王小明" not in page
    # 2 x ¥75, supply ¥39, 8% commission, no referral: 2 x (75 - 39 - 6) = ¥60 pending
    assert "¥60.00" in page


def test_my_orders_lists_only_my_orders(client, shop_with_flask, make_user):
    buyer, number = place(client, shop_with_flask, make_user)
    sign_in(client, buyer)
    assert number in html(client.get("/my/orders"))
    client.submit("/logout", {})
    sign_in(client, make_user("other@example.com"))
    assert number not in html(client.get("/my/orders"))


@pytest.mark.parametrize("phone", ["１３８００１３８０００", "+86 138 0013 8000", "0086-138-0013-8000", "+86 138—0013—8000"])
def test_phone_numbers_are_normalised_before_they_are_checked(client, shop_with_flask, make_user, app, phone):
    sign_in(client, make_user("buyer@example.com"))
    add(client, shop_with_flask)
    response, _key = checkout(client, phone=phone)
    assert response.status_code == 303, html(response)
    with app.app_context():
        assert db.session.scalar(select(Order.phone)) == "13800138000"


def test_a_saved_address_and_a_typed_one_are_not_mixed_up(client, shop_with_flask, make_user):
    sign_in(client, make_user("buyer@example.com"))
    add(client, shop_with_flask, quantity=1)
    checkout(client)  # saves the address
    add(client, shop_with_flask, quantity=1)
    page = html(client.get("/checkout"))
    saved = re.search(r'name="address_id" value="(\d+)"', page).group(1)
    response, _key = checkout(client, address_id=saved, recipient="李四", phone="13912345678")
    assert response.status_code == 422
    assert "You chose a saved address and also typed a new one." in html(response)
    assert 'value="李四"' in html(response)


def test_a_price_that_changed_after_review_is_not_charged_silently(client, shop_with_flask, make_user, app):
    from blueprints.shops.models import Listing

    sign_in(client, make_user())
    add(client, shop_with_flask)
    page = html(client.get("/checkout"))
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"', page).group(1)
    total = re.search(r'name="expected_total" type="hidden" value="(\d+)"', page).group(1)
    with app.app_context():
        db.session.scalar(select(Listing)).price = 8000
        db.session.commit()
    response = client.submit("/checkout", {**ADDRESS, "idempotency_key": key, "expected_total": total},
                             page="/checkout")
    assert response.status_code == 422
    assert "A price changed while you were checking out: the total is now ¥160.00." in html(response)
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 0
