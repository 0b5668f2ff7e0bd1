"""Checkouts racing each other on real PostgreSQL: stock never oversold, no deadlocks, one order per key."""
import threading

import pytest
from sqlalchemy import func, select

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, Variant
from blueprints.errors import DomainError
from blueprints.ledger.models import LedgerEntry
from blueprints.money import Rates
from blueprints.orders.models import Cart, Order, OrderLine, PaymentMethod
from blueprints.orders.services.cart import add_to_cart, get_or_create_cart
from blueprints.orders.services.checkout import AddressDetails, DuplicateOrder, order_by_key, place_order
from extensions import db

pytestmark = pytest.mark.postgresql

RATES = Rates(800, 300)
ADDRESS = AddressDetails("王小明", "13800138000", "浙江省", "杭州市", "西湖区", "文三路 90 号")


def run_together(count: int, work) -> list:
    """Run work(n) in `count` threads released at the same moment; returns what each returned or raised."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def runner(n):
        barrier.wait()
        try:
            results[n] = work(n)
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            results[n] = error

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a checkout hung (deadlock?)"
    return results


def variant_ids(app, *products) -> list[int]:
    with app.app_context():
        return [db.session.scalar(select(Variant.id).where(Variant.product_id == p.id)) for p in products]


def fill_cart(app, account, wanted: list[tuple[int, int]]) -> None:
    with app.app_context():
        cart = get_or_create_cart(db.session.get(User, account.id), None)
        for variant_id, quantity in wanted:
            add_to_cart(cart, db.session.get(Variant, variant_id), None, quantity)
        db.session.commit()


def checkout(app, account, key: str):
    """One buyer's 'Place order' click, as the view does it: one transaction, committed or rolled back."""
    with app.app_context():
        buyer = db.session.get(User, account.id)
        cart = db.session.scalar(select(Cart).where(Cart.user_id == account.id))
        try:
            order = place_order(buyer, cart, ADDRESS, PaymentMethod.CASH_ON_DELIVERY, key, RATES)
            db.session.commit()
            return order.number
        except DuplicateOrder:
            db.session.rollback()
            return order_by_key(key).number
        except DomainError as error:
            db.session.rollback()
            return error


def test_twenty_buyers_race_for_the_last_five_units(app, make_supplier, make_product, make_user):
    product = make_product(make_supplier(), "Last flasks", stock=5)
    [variant_id] = variant_ids(app, product)
    buyers = [make_user(f"racer{n}@example.com") for n in range(20)]
    for buyer in buyers:
        fill_cart(app, buyer, [(variant_id, 1)])

    results = run_together(20, lambda n: checkout(app, buyers[n], f"race-{n}"))

    placed = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(placed) == 5 and len(refused) == 15, results
    assert all("Last flasks is out of stock" in str(error) or "left of Last flasks" in str(error)
               for error in refused)
    with app.app_context():
        assert db.session.get(Variant, variant_id).stock_on_hand == 0
        assert db.session.scalar(select(func.sum(OrderLine.quantity))) == 5
        assert db.session.scalar(select(func.count(Order.id))) == 5
        assert db.session.scalar(select(func.sum(LedgerEntry.amount))) == 0


def test_opposite_lock_orders_do_not_deadlock(app, make_supplier, make_product, make_user):
    supplier = make_supplier()
    first, second = make_product(supplier, "First", stock=100), make_product(supplier, "Second", stock=100)
    a, b = variant_ids(app, first, second)
    buyers = [make_user(f"buyer{n}@example.com") for n in range(10)]
    for n, buyer in enumerate(buyers):
        fill_cart(app, buyer, [(a, 1), (b, 1)] if n % 2 else [(b, 1), (a, 1)])

    results = run_together(10, lambda n: checkout(app, buyers[n], f"pair-{n}"))

    assert all(isinstance(r, str) for r in results), results
    with app.app_context():
        assert db.session.get(Variant, a).stock_on_hand == 90
        assert db.session.get(Variant, b).stock_on_hand == 90


def test_ten_clicks_with_one_key_make_one_order(app, make_supplier, make_product, make_user):
    product = make_product(make_supplier(), "Teapot", stock=10)
    [variant_id] = variant_ids(app, product)
    buyer = make_user("clicker@example.com")
    fill_cart(app, buyer, [(variant_id, 2)])

    results = run_together(10, lambda n: checkout(app, buyer, "one-key"))

    assert len(set(results)) == 1 and isinstance(results[0], str), results
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 1
        assert db.session.get(Variant, variant_id).stock_on_hand == 8
        assert db.session.scalar(select(func.count(func.distinct(LedgerEntry.transaction_id)))) == 1
        assert db.session.get(Product, product.id) is not None


def test_parallel_cancels_return_stock_once_and_cancel_racing_ship_never_does_both(
        app, make_supplier, make_product, make_user):
    from blueprints.orders.models import OrderStatus, Shipment
    from blueprints.orders.services.fulfilment import cancel_order, ship

    supplier = make_supplier()
    product = make_product(supplier, "Bowl", stock=20)
    [variant_id] = variant_ids(app, product)
    buyer = make_user("canceller@example.com")

    def fresh_order(key):
        fill_cart(app, buyer, [(variant_id, 1)])
        return checkout(app, buyer, key)

    def cancel(number):
        with app.app_context():
            order = db.session.scalar(select(Order).where(Order.number == number))
            try:
                cancel_order(db.session.get(User, buyer.id), order)
                db.session.commit()
                return "cancelled"
            except DomainError as error:
                db.session.rollback()
                return error

    number = fresh_order("cancel-me")
    results = run_together(8, lambda n: cancel(number))
    assert results.count("cancelled") == 1, results
    with app.app_context():
        assert db.session.get(Variant, variant_id).stock_on_hand == 20
        assert db.session.scalar(select(func.sum(LedgerEntry.amount))) == 0

    def ship_it(number):
        with app.app_context():
            shipment = db.session.scalar(select(Shipment).join(Shipment.order).where(Order.number == number))
            try:
                ship(db.session.get(User, supplier.member.id), shipment, carrier="SF", tracking_number="SF9")
                db.session.commit()
                return "shipped"
            except DomainError as error:
                db.session.rollback()
                return error

    for round_ in range(4):
        number = fresh_order(f"race-{round_}")
        outcome = run_together(2, lambda n: cancel(number) if n == 0 else ship_it(number))
        assert sorted(str(o) for o in outcome).count("cancelled") + sorted(map(str, outcome)).count("shipped") == 1
        with app.app_context():
            order = db.session.scalar(select(Order).where(Order.number == number))
            if "shipped" in outcome:
                assert order.status == OrderStatus.SHIPPED and order.cancelled_at is None
            else:
                assert order.status == OrderStatus.CANCELLED and order.shipments[0].tracking_number is None
    with app.app_context():
        shipped = db.session.scalar(select(func.count(Order.id)).where(Order.status == OrderStatus.SHIPPED))
        assert db.session.get(Variant, variant_id).stock_on_hand == 20 - shipped
