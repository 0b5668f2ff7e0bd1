"""Two checkouts at once cannot spend the same reward twice (PostgreSQL)."""
import pytest
from sqlalchemy import func, select

from blueprints.accounts.models import User
from blueprints.catalog.models import Variant
from blueprints.errors import DomainError
from blueprints.ledger.accounts import PLATFORM_COMMISSION, Bucket, Owner
from blueprints.ledger.services import owed_to, post
from blueprints.money import Rates
from blueprints.orders.models import Cart, Order, PaymentMethod
from blueprints.orders.services.cart import add_to_cart, get_or_create_cart
from blueprints.orders.services.checkout import AddressDetails, place_order
from extensions import db
from tests.orders.test_concurrency import run_together

pytestmark = pytest.mark.postgresql
ADDRESS = AddressDetails("王小明", "13800138000", "浙江省", "杭州市", "西湖区", "文三路 90 号")


def test_two_checkouts_spend_the_credit_once(app, make_supplier, make_product, make_user):
    product = make_product(make_supplier(), "Flask", stock=20)
    spender = make_user()
    with app.app_context():
        post([(Owner.referrer(spender.id).account(Bucket.AVAILABLE), -5000), (PLATFORM_COMMISSION, 5000)],
             memo="credit")
        variant = db.session.scalar(select(Variant).where(Variant.product_id == product.id))
        add_to_cart(get_or_create_cart(db.session.get(User, spender.id), None), variant, None, 1)
        db.session.commit()

    def checkout(n):
        with app.app_context():
            buyer = db.session.get(User, spender.id)
            cart = db.session.scalar(select(Cart).where(Cart.user_id == spender.id))
            try:
                order = place_order(buyer, cart, ADDRESS, PaymentMethod.CASH_ON_DELIVERY, f"spend-{n}", Rates(800, 300),
                                    use_credit=True)
                db.session.commit()
                return order.credit_used
            except DomainError as error:
                db.session.rollback()
                return error

    results = run_together(2, checkout)
    spent = [r for r in results if isinstance(r, int)]
    assert sum(spent) == 5000, results
    with app.app_context():
        assert owed_to(Owner.referrer(spender.id))["available"] == 0
        assert db.session.scalar(select(func.sum(Order.credit_used))) == 5000
