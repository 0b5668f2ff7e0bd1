from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, Variant
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.ledger.models import LedgerEntry
from blueprints.ledger.accounts import CUSTOMERS_RECEIVABLE, PAYMENTS_RECEIVED, PLATFORM_COMMISSION, Owner
from blueprints.ledger.services import UnbalancedTransaction, balance, owed_to, post
from blueprints.money import Rates, listing_price_floor, split_line
from blueprints.orders.models import Cart, Order, OrderStatus, PaymentMethod, Shipment, ShipmentStatus
from blueprints.orders.services.cart import (NotEnoughStock, add_to_cart, get_or_create_cart, merge_visitor_cart,
                                             set_quantity, summarise)
from blueprints.orders.services.checkout import AddressDetails, place_order
from blueprints.orders.services.fulfilment import (cancel_order, complete_due_orders, confirm_payment,
                                                   confirm_transfer, mark_delivered, ship)
from blueprints.shops.models import Shop
from blueprints.shops.services import add_listing, open_shop
from extensions import db

RATES = Rates(commission_bp=800, referral_bp=300)
ADDRESS = AddressDetails("王小明", "138 0013 8000", "浙江省", "杭州市", "西湖区", "文三路 90 号 3 幢 201")


# The split, for any numbers

@given(price=st.integers(1, 5_000_000), supply=st.integers(1, 5_000_000), quantity=st.integers(1, 1000),
       commission=st.integers(0, 4000), referral=st.integers(0, 4000), referred=st.booleans(),
       through_shop=st.booleans())
@settings(max_examples=500)
def test_the_split_always_adds_up_to_the_line_total(price, supply, quantity, commission, referral, referred,
                                                     through_shop):
    split = split_line(price, supply, quantity, Rates(commission, referral), referred=referred,
                       through_shop=through_shop)
    assert (split.supplier_payout + split.platform_commission + split.referral_reward + split.shop_earnings
            + split.platform_margin) == split.total == price * quantity
    assert min(split.supplier_payout, split.platform_commission, split.referral_reward) >= 0


@given(supply=st.integers(1, 5_000_000), extra=st.integers(0, 1_000_000), quantity=st.integers(1, 1000),
       commission=st.integers(0, 4000), referral=st.integers(0, 4000), referred=st.booleans())
@settings(max_examples=500)
def test_no_part_is_negative_when_the_price_respects_the_floor(supply, extra, quantity, commission, referral,
                                                                referred):
    rates = Rates(commission, referral)
    price = listing_price_floor(supply, rates) + extra
    split = split_line(price, supply, quantity, rates, referred=referred, through_shop=True)
    assert split.shop_earnings >= 0 and split.platform_margin == 0


# Fixtures for buying

pytestmark_db = pytest.mark.all_databases


def user(account) -> User:
    return db.session.get(User, account.id)


@pytest.fixture
def stocked(make_supplier, make_product, make_user, app):
    """Two suppliers' products, a shop selling the first, and a buyer."""
    first_supplier, second_supplier = make_supplier("Clay Co"), make_supplier("Linen Co")
    flask = make_product(first_supplier, "Flask", stock=5, supply_price=3900, suggested_price=6900)
    towel = make_product(second_supplier, "Towel", stock=10, supply_price=2000, suggested_price=3900,
                         min_price=3000, max_price=5000)
    owner, buyer = make_user("owner@example.com"), make_user("buyer@example.com")
    with app.app_context():
        shop = open_shop(user(owner), name="Mei's Corner", slug="mei")
        add_listing(user(owner), shop, db.session.get(Product, flask.id), 7500, RATES)
        db.session.commit()
        shop_id = shop.id
    return {"flask": flask, "towel": towel, "shop_id": shop_id, "owner": owner, "buyer": buyer,
            "suppliers": (first_supplier, second_supplier)}


def variant_of(product) -> Variant:
    return db.session.scalar(select(Variant).where(Variant.product_id == product.id))


def buyer_cart(stocked, *, flask=2, towel=1) -> Cart:
    cart = get_or_create_cart(user(stocked["buyer"]), None)
    if flask:
        add_to_cart(cart, variant_of(stocked["flask"]), db.session.get(Shop, stocked["shop_id"]), flask)
    if towel:
        add_to_cart(cart, variant_of(stocked["towel"]), None, towel)
    return cart


def ledger_is_balanced() -> bool:
    sums = db.session.execute(select(LedgerEntry.transaction_id, func.sum(LedgerEntry.amount))
                              .group_by(LedgerEntry.transaction_id)).all()
    return bool(sums) and all(total == 0 for _id, total in sums)


# The cart

@pytestmark_db
def test_the_cart_prices_lines_by_the_shop_they_came_through(ctx, stocked):
    summary = summarise(buyer_cart(stocked))
    assert [(line.unit_price, line.item.quantity) for line in summary.lines] == [(7500, 2), (3900, 1)]
    assert summary.total == 2 * 7500 + 3900 and summary.count == 3 and summary.problems == []


@pytestmark_db
def test_quantities_beyond_stock_are_refused_naming_what_is_left(ctx, stocked):
    cart = buyer_cart(stocked, flask=4, towel=0)
    with pytest.raises(NotEnoughStock, match="You already have 4 of Flask in your cart; 1 more can be added."):
        add_to_cart(cart, variant_of(stocked["flask"]), db.session.get(Shop, stocked["shop_id"]), 2)
    item = cart.items[0]
    with pytest.raises(NotEnoughStock):
        set_quantity(cart, item.id, 6)
    with pytest.raises(InvalidFields):
        set_quantity(cart, item.id, 100)
    set_quantity(cart, item.id, 0)
    assert cart.items == []


@pytestmark_db
def test_nobody_changes_someone_elses_cart(ctx, stocked, make_user):
    stranger = make_user()
    cart = buyer_cart(stocked)
    stranger_cart = get_or_create_cart(user(stranger), None)
    with pytest.raises(AccessDenied):
        set_quantity(stranger_cart, cart.items[0].id, 1)


@pytestmark_db
def test_a_visitors_cart_merges_into_the_users_at_sign_in(ctx, stocked):
    visitor = get_or_create_cart(AnonymousUserMixin(), "visitor-token")
    add_to_cart(visitor, variant_of(stocked["towel"]), None, 2)
    mine = buyer_cart(stocked, flask=1, towel=1)
    merge_visitor_cart("visitor-token", user(stocked["buyer"]))
    assert sorted(item.quantity for item in mine.items) == [1, 3]
    assert db.session.scalar(select(func.count(Cart.id))) == 1


# Placing orders

@pytestmark_db
def test_placing_an_order_takes_stock_splits_by_supplier_and_balances_the_ledger(ctx, stocked):
    order = place_order(user(stocked["buyer"]), buyer_cart(stocked), ADDRESS, PaymentMethod.CASH_ON_DELIVERY,
                        "key-1", RATES)
    assert order.number.startswith("SM") and order.status == OrderStatus.CONFIRMED
    assert order.total == 2 * 7500 + 3900 and order.phone == "13800138000"
    assert len(order.shipments) == 2 and {s.status for s in order.shipments} == {ShipmentStatus.READY}
    assert variant_of(stocked["flask"]).stock_on_hand == 3 and variant_of(stocked["towel"]).stock_on_hand == 9
    flask_line = next(line for line in order.lines if line.title == "Flask")
    assert (flask_line.supplier_payout, flask_line.platform_commission, flask_line.shop_earnings) == (7800, 1200, 6000)
    towel_line = next(line for line in order.lines if line.title == "Towel")
    assert towel_line.shop_earnings == 0 and towel_line.platform_margin == 3900 - 2000 - 312
    assert ledger_is_balanced()
    assert owed_to(Owner.shop(stocked['shop_id'])) == {"pending": 6000, "available": 0}
    assert db.session.scalar(select(func.count()).select_from(Cart).join(Cart.items)) == 0


@pytestmark_db
def test_the_same_key_twice_gives_the_same_order(ctx, stocked):
    buyer = user(stocked["buyer"])
    first = place_order(buyer, buyer_cart(stocked), ADDRESS, PaymentMethod.CASH_ON_DELIVERY, "same", RATES)
    again = place_order(buyer, buyer_cart(stocked), ADDRESS, PaymentMethod.CASH_ON_DELIVERY, "same", RATES)
    assert again is first and db.session.scalar(select(func.count(Order.id))) == 1
    assert variant_of(stocked["flask"]).stock_on_hand == 3


@pytestmark_db
def test_an_order_fails_whole_when_stock_ran_out_meanwhile(ctx, stocked):
    cart = buyer_cart(stocked, flask=3)
    variant_of(stocked["flask"]).stock_on_hand = 2
    db.session.flush()
    with pytest.raises(DomainError, match="Only 2 left of Flask"):
        place_order(user(stocked["buyer"]), cart, ADDRESS, PaymentMethod.CASH_ON_DELIVERY, "k", RATES)


@pytestmark_db
@pytest.mark.parametrize("phone", ["12345", "23800138000", "138001380001", ""])
def test_a_mainland_mobile_number_is_required(ctx, stocked, phone):
    address = AddressDetails(*(phone if name == "phone" else getattr(ADDRESS, name)
                               for name in ("recipient", "phone", "province", "city", "district", "street")))
    with pytest.raises(InvalidFields) as error:
        place_order(user(stocked["buyer"]), buyer_cart(stocked), address, PaymentMethod.CASH_ON_DELIVERY, "k", RATES)
    assert "phone" in error.value.errors


@pytestmark_db
def test_an_empty_cart_cannot_be_ordered(ctx, stocked):
    with pytest.raises(DomainError, match="empty"):
        place_order(user(stocked["buyer"]), get_or_create_cart(user(stocked["buyer"]), None), ADDRESS,
                    PaymentMethod.CASH_ON_DELIVERY, "k", RATES)


# Fulfilment, cancellation, completion

def placed(stocked, method=PaymentMethod.BANK_TRANSFER) -> Order:
    return place_order(user(stocked["buyer"]), buyer_cart(stocked), ADDRESS, method, "key", RATES)


def shipment_of(order, supplier) -> Shipment:
    return next(s for s in order.shipments if s.supplier_id == supplier.id)


@pytestmark_db
def test_bank_transfer_then_ship_then_deliver_then_complete(ctx, stocked, admin):
    clay, linen = stocked["suppliers"]
    order = placed(stocked)
    assert order.status == OrderStatus.PLACED
    assert balance(CUSTOMERS_RECEIVABLE) == order.total
    with pytest.raises(AccessDenied):  # the buyer paid the platform: a supplier cannot confirm it
        confirm_payment(user(clay.member), shipment_of(order, clay))
    confirm_transfer(user(admin), order)  # once, for the whole order
    with pytest.raises(DomainError):
        confirm_transfer(user(admin), order)
    assert order.status == OrderStatus.CONFIRMED and order.confirmed_at
    assert balance(CUSTOMERS_RECEIVABLE) == 0  # the transfers arrived
    assert balance(PAYMENTS_RECEIVED) == order.total
    ship(user(clay.member), shipment_of(order, clay), carrier="SF Express", tracking_number="SF1234567890")
    assert order.status == OrderStatus.SHIPPED  # one of two shipments is on its way: partly shipped
    ship(user(linen.member), shipment_of(order, linen), carrier="YTO", tracking_number="YT998877")
    assert order.status == OrderStatus.SHIPPED
    mark_delivered(user(clay.member), shipment_of(order, clay))
    mark_delivered(user(linen.member), shipment_of(order, linen))
    assert order.status == OrderStatus.DELIVERED

    assert complete_due_orders(timedelta(days=7)) == []  # still inside the return window
    completed = complete_due_orders(timedelta(days=7), now=order.delivered_at + timedelta(days=8))
    assert completed == [order] and order.status == OrderStatus.COMPLETED
    assert owed_to(Owner.shop(stocked['shop_id'])) == {"pending": 0, "available": 6000}
    assert owed_to(Owner.supplier(clay.id)) == {"pending": 0, "available": 7800}
    assert ledger_is_balanced()


@pytestmark_db
def test_forbidden_steps(ctx, stocked, admin):
    clay, linen = stocked["suppliers"]
    order = placed(stocked)
    with pytest.raises(AccessDenied):  # another supplier's shipment
        confirm_payment(user(linen.member), shipment_of(order, clay))
    with pytest.raises(AccessDenied):  # a shop owner is not a supplier
        ship(user(stocked["owner"]), shipment_of(order, clay), carrier="SF", tracking_number="1")
    with pytest.raises(DomainError):  # not paid yet
        ship(user(clay.member), shipment_of(order, clay), carrier="SF", tracking_number="1")
    confirm_transfer(user(admin), order)
    with pytest.raises(DomainError):  # not shipped yet
        mark_delivered(user(clay.member), shipment_of(order, clay))
    with pytest.raises(InvalidFields):
        ship(user(clay.member), shipment_of(order, clay), carrier=" ", tracking_number="")
    with pytest.raises(AccessDenied):  # only the buyer cancels
        cancel_order(user(stocked["owner"]), order)


@pytestmark_db
def test_cancelling_returns_stock_and_reverses_the_money(ctx, stocked):
    order = placed(stocked, PaymentMethod.CASH_ON_DELIVERY)
    cancel_order(user(stocked["buyer"]), order)
    assert order.status == OrderStatus.CANCELLED
    assert variant_of(stocked["flask"]).stock_on_hand == 5 and variant_of(stocked["towel"]).stock_on_hand == 10
    assert ledger_is_balanced()
    assert owed_to(Owner.shop(stocked['shop_id'])) == {"pending": 0, "available": 0}
    assert balance(CUSTOMERS_RECEIVABLE) == 0


@pytestmark_db
def test_a_shipped_order_cannot_be_cancelled(ctx, stocked):
    clay, _linen = stocked["suppliers"]
    order = placed(stocked, PaymentMethod.CASH_ON_DELIVERY)
    ship(user(clay.member), shipment_of(order, clay), carrier="SF", tracking_number="SF1")
    order.status = OrderStatus.SHIPPED
    with pytest.raises(DomainError):
        cancel_order(user(stocked["buyer"]), order)


@pytestmark_db
def test_an_unbalanced_transaction_is_refused(ctx):
    with pytest.raises(UnbalancedTransaction):
        post([(PLATFORM_COMMISSION, 100), (CUSTOMERS_RECEIVABLE, -99)], memo="oops")


@pytestmark_db
def test_an_order_with_one_shipment_on_its_way_cannot_be_cancelled(ctx, stocked):
    clay, _linen = stocked["suppliers"]
    order = placed(stocked, PaymentMethod.CASH_ON_DELIVERY)
    ship(user(clay.member), shipment_of(order, clay), carrier="SF", tracking_number="SF1")
    assert order.status == OrderStatus.SHIPPED  # partly shipped already counts as shipped
    with pytest.raises(DomainError, match="can no longer be cancelled"):
        cancel_order(user(stocked["buyer"]), order)
    assert variant_of(stocked["flask"]).stock_on_hand == 3


@pytestmark_db
def test_a_price_change_during_checkout_is_refused_with_the_new_total(ctx, stocked):
    from blueprints.orders.services.checkout import PriceChanged

    cart = buyer_cart(stocked)
    seen = summarise(cart).total
    listing = db.session.scalar(select(Shop).where(Shop.id == stocked["shop_id"]))
    from blueprints.shops.models import Listing

    db.session.scalar(select(Listing).where(Listing.shop_id == listing.id)).price = 8000
    with pytest.raises(PriceChanged, match="¥199.00"):
        place_order(user(stocked["buyer"]), cart, ADDRESS, PaymentMethod.CASH_ON_DELIVERY, "k", RATES,
                    expected_total=seen)



@pytestmark_db
def test_cash_on_delivery_is_recorded_as_received_at_delivery(ctx, stocked):
    clay, linen = stocked["suppliers"]
    order = placed(stocked, PaymentMethod.CASH_ON_DELIVERY)
    for supplier in (clay, linen):
        ship(user(supplier.member), shipment_of(order, supplier), carrier="SF", tracking_number="SF1")
    assert balance(CUSTOMERS_RECEIVABLE) == order.total
    mark_delivered(user(clay.member), shipment_of(order, clay))
    assert balance(CUSTOMERS_RECEIVABLE) == 3900  # the towel's courier has not collected yet
    mark_delivered(user(linen.member), shipment_of(order, linen))
    assert balance(CUSTOMERS_RECEIVABLE) == 0 and ledger_is_balanced()


@pytestmark_db
def test_old_visitor_carts_are_pruned_and_users_carts_kept(ctx, stocked):
    from blueprints.orders.services.cart import prune_visitor_carts

    visitor = get_or_create_cart(AnonymousUserMixin(), "old-visitor")
    add_to_cart(visitor, variant_of(stocked["towel"]), None, 1)
    mine = buyer_cart(stocked)
    assert prune_visitor_carts(timedelta(days=30)) == 0
    assert prune_visitor_carts(timedelta(days=30), now=visitor.updated_at + timedelta(days=31)) == 1
    assert db.session.scalar(select(func.count(Cart.id))) == 1 and mine.items
