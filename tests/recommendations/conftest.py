"""Taking part, in one call each: supports, poll votes, pledges and purchases made through the real services."""
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.catalog.models import Variant
from blueprints.codesign.models import Prototype
from blueprints.codesign.services.pledges import pledge
from blueprints.codesign.services.support import support_prototype, vote
from blueprints.money import current_rates
from blueprints.orders.models import PaymentMethod
from blueprints.orders.services import AddressDetails, add_to_cart, get_or_create_cart, place_order
from extensions import db

ADDRESS = AddressDetails("王小明", "13800138000", "浙江省", "杭州市", "西湖区", "文三路 90 号")


@dataclass
class Acts:
    app: object

    def support(self, person, prototype_id: int) -> None:
        with self.app.app_context():
            support_prototype(db.session.get(User, person.id), db.session.get(Prototype, prototype_id))
            db.session.commit()

    def vote(self, person, prototype_id: int) -> None:
        with self.app.app_context():
            prototype = db.session.get(Prototype, prototype_id)
            vote(db.session.get(User, person.id), prototype.polls[0].options[0])
            db.session.commit()

    def pledge(self, person, prototype_id: int, quantity: int = 1) -> None:
        with self.app.app_context():
            pledge(db.session.get(User, person.id), db.session.get(Prototype, prototype_id), quantity)
            db.session.commit()

    def buy(self, person, product) -> None:
        with self.app.app_context():
            buyer = db.session.get(User, person.id)
            cart = get_or_create_cart(buyer, None)
            add_to_cart(cart, db.session.scalar(select(Variant).where(Variant.product_id == product.id)), None, 1)
            place_order(buyer, cart, ADDRESS, PaymentMethod.CASH_ON_DELIVERY, f"order-{person.id}-{product.id}",
                        current_rates())
            db.session.commit()


@pytest.fixture
def acts(app) -> Acts:
    return Acts(app)
