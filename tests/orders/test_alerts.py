"""A supplier's people hear of each new order they have to fulfil, whatever their settings."""
from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.catalog.models import Variant
from blueprints.money import current_rates
from blueprints.notifications.models import Notification
from blueprints.orders.models import PaymentMethod
from blueprints.orders.services import add_to_cart, get_or_create_cart, place_order
from extensions import db
from tests.test_query_counts import ADDRESS


def test_each_supplier_of_an_order_hears_of_it(ctx, make_supplier, make_product, make_user):
    kiln, loom = make_supplier(), make_supplier()
    products = [make_product(kiln, "Bowl"), make_product(loom, "Scarf")]
    buyer = db.session.get(User, make_user().id)
    cart = get_or_create_cart(buyer, None)
    for product in products:
        add_to_cart(cart, db.session.scalar(select(Variant).where(Variant.product_id == product.id)), None, 1)
    order = place_order(buyer, cart, ADDRESS, PaymentMethod.CASH_ON_DELIVERY, "key-1", current_rates())
    alerts = db.session.execute(select(Notification.user_id, Notification.subject)
                                .where(Notification.event == "new_order")).all()
    assert sorted(alerts) == sorted([(kiln.member.id, order.number), (loom.member.id, order.number)])
