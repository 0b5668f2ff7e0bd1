"""The same form sent twice, from two tabs at once or one after the other: never a 500, always a clear message,
and the data as if it had been sent once (one order, rewards spent once, one shop, one listing)."""
import re

import pytest
from sqlalchemy import func, select

from blueprints.accounts.models import User
from blueprints.catalog.models import Variant
from blueprints.ledger.accounts import PLATFORM_COMMISSION, Bucket, Owner
from blueprints.ledger.services import owed_to, post
from blueprints.orders.models import Cart, CartItem, Order
from blueprints.orders.services.cart import add_to_cart, get_or_create_cart
from blueprints.shops.models import Listing, Shop
from extensions import db
from tests.conftest import sign_in
from tests.orders.test_concurrency import run_together
from tests.orders.test_views import ADDRESS, html
from tests.orders.test_views import shop_with_flask as shop_with_flask  # noqa: F401 (a fixture)

TWO_TABS_OF_ONE_CART = "checked out in another tab"


def tab(app, account, page: str) -> tuple:
    """A signed-in browser tab showing `page`: its client, the page's CSRF token and checkout key (if any)."""
    client = app.test_client()
    sign_in(client, account)
    text = html(client.get(page))
    token = re.search(r'"X-CSRFToken": "([^"]+)"', text).group(1)
    key = re.search(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"', text)
    return client, token, key.group(1) if key else None


def fill_cart(app, account, variant_id: int, quantity: int = 1, *, credit: int = 0) -> None:
    with app.app_context():
        if credit:
            post([(Owner.referrer(account.id).account(Bucket.AVAILABLE), -credit), (PLATFORM_COMMISSION, credit)],
                 memo="rewards earned")
        cart = get_or_create_cart(db.session.get(User, account.id), None)
        add_to_cart(cart, db.session.get(Variant, variant_id), None, quantity)
        db.session.commit()


def place_from(tab_, **extra):
    client, token, key = tab_
    return client.post("/checkout", data={**ADDRESS, "idempotency_key": key, "csrf_token": token, **extra})


def follow(client, response) -> str:
    """The page the buyer lands on, with its flashed message."""
    if response.status_code == 303:
        return html(client.get(response.headers["Location"]))
    return html(response)


# Two tabs at once, on real PostgreSQL.

@pytest.mark.postgresql
@pytest.mark.commits
@pytest.mark.parametrize("rewards", [False, True], ids=["cash", "rewards"])
def test_one_cart_checked_out_from_two_tabs_at_once_is_ordered_once(app, shop_with_flask, make_user, rewards):
    buyer = make_user("tabs@example.com")
    fill_cart(app, buyer, shop_with_flask["variant_id"], 2, credit=3000 if rewards else 0)
    tabs = [tab(app, buyer, "/checkout") for _ in range(2)]
    extra = {"use_credit": "y"} if rewards else {}

    responses = run_together(2, lambda n: place_from(tabs[n], **extra))

    assert not any(isinstance(r, Exception) for r in responses), responses
    assert sorted(r.status_code for r in responses) == [303, 422], [r.status_code for r in responses]
    refused = next(n for n, r in enumerate(responses) if r.status_code == 422)
    assert TWO_TABS_OF_ONE_CART in html(responses[refused])
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 1
        assert db.session.get(Variant, shop_with_flask["variant_id"]).stock_on_hand == 3
        if rewards:
            assert db.session.scalar(select(Order.credit_used)) == 3000
            assert owed_to(Owner.referrer(buyer.id))["available"] == 0


@pytest.mark.postgresql
@pytest.mark.commits
def test_adds_to_one_cart_at_once_keep_every_unit(app, make_supplier, make_product, make_user):
    product = make_product(make_supplier(), "Cup", stock=50)
    buyer = make_user("adder@example.com")
    with app.app_context():
        get_or_create_cart(db.session.get(User, buyer.id), None)
        variant_id = db.session.scalar(select(Variant.id).where(Variant.product_id == product.id))
        db.session.commit()

    def add_one(_n):
        with app.app_context():
            cart = db.session.scalar(select(Cart).where(Cart.user_id == buyer.id))
            add_to_cart(cart, db.session.get(Variant, variant_id), None, 1)
            db.session.commit()
            return "added"

    results = run_together(12, add_one)

    assert results == ["added"] * 12, results
    with app.app_context():
        assert db.session.scalars(select(CartItem.quantity)).all() == [12]


@pytest.mark.postgresql
@pytest.mark.commits
def test_opening_a_shop_from_two_tabs_at_once_opens_one(app, make_user):
    owner = make_user("opener@example.com")
    tabs = [tab(app, owner, "/my/shop") for _ in range(2)]

    def open_from(n):
        client, token, _key = tabs[n]
        response = client.post("/my/shop", data={"name": "Mei Home", "slug": "mei-home", "csrf_token": token})
        return response.status_code, follow(client, response)

    results = run_together(2, open_from)

    assert not any(isinstance(r, Exception) for r in results), results
    assert all(status in (303, 422) for status, _page in results), [status for status, _page in results]
    assert any("You already have a shop." in page for _status, page in results)
    with app.app_context():
        assert db.session.scalar(select(func.count(Shop.id))) == 1


@pytest.mark.postgresql
@pytest.mark.commits
def test_adding_a_product_to_a_shop_from_two_tabs_at_once_lists_it_once(app, make_supplier, make_product, make_shop,
                                                                         make_user):
    product = make_product(make_supplier(), "Vase", stock=5)
    owner = make_user("lister@example.com")
    make_shop(owner, slug="lister")
    tabs = [tab(app, owner, "/my/shop/add") for _ in range(2)]

    def list_from(n):
        client, token, _key = tabs[n]
        return client.post("/my/shop/listings", data={"product_id": str(product.id), "price": "99.00",
                                                      "csrf_token": token})

    responses = run_together(2, list_from)

    assert not any(isinstance(r, Exception) for r in responses), responses
    assert sorted(r.status_code for r in responses) == [303, 422], [r.status_code for r in responses]
    assert "This product is already in your shop." in html(next(r for r in responses if r.status_code == 422))
    with app.app_context():
        assert db.session.scalar(select(func.count(Listing.id))) == 1


# The second tab's post after the first one went through.

@pytest.mark.all_databases
@pytest.mark.parametrize("rewards", [False, True], ids=["cash", "rewards"])
def test_the_second_tabs_checkout_after_the_first_says_where_the_order_went(app, shop_with_flask, make_user,
                                                                             rewards):
    buyer = make_user("replay@example.com")
    fill_cart(app, buyer, shop_with_flask["variant_id"], 1, credit=2000 if rewards else 0)
    first, second = tab(app, buyer, "/checkout"), tab(app, buyer, "/checkout")
    extra = {"use_credit": "y"} if rewards else {}

    assert place_from(first, **extra).status_code == 303
    again = place_from(second, **extra)

    assert again.status_code == 422
    assert TWO_TABS_OF_ONE_CART in html(again)
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 1
        assert db.session.get(Variant, shop_with_flask["variant_id"]).stock_on_hand == 4
        if rewards:
            assert owed_to(Owner.referrer(buyer.id))["available"] == 0


@pytest.mark.all_databases
def test_opening_a_shop_again_from_a_stale_tab_shows_the_shop_with_a_message(app, make_user):
    owner = make_user("reopener@example.com")
    first, second = tab(app, owner, "/my/shop"), tab(app, owner, "/my/shop")
    data = {"name": "Mei Home", "slug": "mei-home"}

    assert first[0].post("/my/shop", data={**data, "csrf_token": first[1]}).status_code == 303
    again = second[0].post("/my/shop", data={**data, "csrf_token": second[1]})

    assert again.status_code == 303
    assert "You already have a shop." in follow(second[0], again)
    with app.app_context():
        assert db.session.scalar(select(func.count(Shop.id))) == 1


@pytest.mark.all_databases
def test_listing_a_product_again_from_a_stale_tab_says_it_is_listed(app, make_supplier, make_product, make_shop,
                                                                    make_user):
    product = make_product(make_supplier(), "Vase", stock=5)
    owner = make_user("relister@example.com")
    make_shop(owner, slug="relister")
    first, second = tab(app, owner, "/my/shop/add"), tab(app, owner, "/my/shop/add")
    data = {"product_id": str(product.id), "price": "99.00"}

    assert first[0].post("/my/shop/listings", data={**data, "csrf_token": first[1]}).status_code == 303
    again = second[0].post("/my/shop/listings", data={**data, "csrf_token": second[1]})

    assert again.status_code == 422 and "This product is already in your shop." in html(again)
    with app.app_context():
        assert db.session.scalar(select(func.count(Listing.id))) == 1
