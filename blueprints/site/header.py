"""What every page's header shows of the signed-in user (their desks, cart and bell), in one query: the parts
rendered for each viewer of a shared page (blueprints/shared_pages.py) cost that and no more."""
from dataclasses import dataclass

from flask import g
from sqlalchemy import select

from blueprints.notifications.services import unread_count_of
from blueprints.orders.queries import units_in_cart_of
from blueprints.shops.models import Shop
from blueprints.suppliers.models import Supplier, SupplierMember, SupplierStatus
from extensions import db


@dataclass(frozen=True)
class HeaderFacts:
    verified_supplier: bool
    has_shop: bool
    cart_units: int
    unread: int


NOBODY = HeaderFacts(False, False, 0, 0)


def header_facts(user) -> HeaderFacts:
    """The user's header facts, looked up once per request; a visitor has none (their cart: cart_count)."""
    if not user.is_authenticated:
        return NOBODY
    if "header_facts" not in g:
        # The same rules as supplier_of, shop_of, cart_quantity and unread_count, as subqueries of one statement.
        supplier_status = (select(Supplier.status).join(SupplierMember).where(SupplierMember.user_id == user.id)
                           .limit(1).scalar_subquery())
        shop = select(Shop.id).where(Shop.owner_id == user.id).limit(1).scalar_subquery()
        status, shop_id, cart_units, unread_count = db.session.execute(select(
            supplier_status, shop, units_in_cart_of(user.id), unread_count_of(user.id).scalar_subquery())).one()
        g.header_facts = HeaderFacts(status == SupplierStatus.VERIFIED, shop_id is not None, int(cart_units),
                                     int(unread_count))
    return g.header_facts
