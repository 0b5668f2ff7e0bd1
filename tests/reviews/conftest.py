"""A delivered order to review: a supplier's product, sold through a shop to a buyer, shipped and delivered."""
import io
from dataclasses import dataclass

import pytest
from PIL import Image
from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, Variant
from blueprints.money import current_rates
from blueprints.orders.models import Order, OrderLine, PaymentMethod
from blueprints.orders.services import (AddressDetails, add_to_cart, get_or_create_cart, mark_delivered,
                                        place_order, ship)
from blueprints.shops.models import Shop
from blueprints.shops.services import add_listing, open_shop
from extensions import db

ADDRESS = AddressDetails("王小明", "13800138000", "浙江省", "杭州市", "西湖区", "文三路 90 号")


def png(width=200, height=200) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 160, 140)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


@dataclass(frozen=True)
class Delivered:
    supplier: object
    product: Product
    shop_slug: str
    buyer: object
    owner: object
    order_number: str
    line_id: int


def buy(app, buyer, product, shop_id, key, *, deliver=True, supplier=None) -> tuple[str, int]:
    with app.app_context():
        variant = db.session.scalar(select(Variant).where(Variant.product_id == product.id))
        user = db.session.get(User, buyer.id)
        cart = get_or_create_cart(user, None)
        add_to_cart(cart, variant, db.session.get(Shop, shop_id) if shop_id else None, 1)
        order = place_order(user, cart, ADDRESS, PaymentMethod.CASH_ON_DELIVERY, key, current_rates())
        if deliver:
            member = db.session.get(User, supplier.member.id)
            ship(member, order.shipments[0], carrier="SF Express", tracking_number="SF123")
            mark_delivered(member, order.shipments[0])
        db.session.commit()
        return order.number, order.lines[0].id


@pytest.fixture
def delivered(app, make_supplier, make_product, make_user) -> Delivered:
    supplier = make_supplier("Clay Co")
    product = make_product(supplier, "Steel flask", stock=50)
    owner, buyer = make_user("owner@example.com", display_name="Mei"), make_user("buyer@example.com",
                                                                                  display_name="Wang")
    with app.app_context():
        shop = open_shop(db.session.get(User, owner.id), name="Mei's Corner", slug="mei")
        add_listing(db.session.get(User, owner.id), shop, db.session.get(Product, product.id), 7500, current_rates())
        db.session.commit()
        shop_id = shop.id
    number, line_id = buy(app, buyer, product, shop_id, "first", supplier=supplier)
    return Delivered(supplier, product, "mei", buyer, owner, number, line_id)


def line_of(number: str) -> OrderLine:
    return db.session.scalar(select(OrderLine).join(Order).where(Order.number == number))
