"""What every page's header shows of the signed-in user (their desks, cart and bell), in one query: the parts
rendered for each viewer of a shared page (blueprints/shared_pages.py) cost that and no more."""
from dataclasses import dataclass

from flask import g
from sqlalchemy import select

from blueprints.accounts.sessions import READ_WITH_SIGN_IN, facts_read_with_sign_in
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


# The same rules as supplier_of, shop_of, cart_quantity and unread_count, as subqueries of one statement.
_FACTS = {
    "supplier_status": lambda user_id: (select(Supplier.status).join(SupplierMember)
                                        .where(SupplierMember.user_id == user_id).limit(1).scalar_subquery()),
    "shop_id": lambda user_id: select(Shop.id).where(Shop.owner_id == user_id).limit(1).scalar_subquery(),
    "cart_units": units_in_cart_of,
    "unread": lambda user_id: unread_count_of(user_id).scalar_subquery(),
}
READ_WITH_SIGN_IN.update(_FACTS)


def header_facts(user) -> HeaderFacts:
    """The user's header facts, looked up once per request; a visitor has none (their cart: cart_count).

    A page whose GET changes nothing (a shared page) takes them from the sign-in's own statement
    (blueprints/accounts/sessions.py), one query fewer; any other page asks once it has rendered, after whatever
    it changed."""
    if not user.is_authenticated:
        return NOBODY
    if "header_facts" not in g:
        if (known := facts_read_with_sign_in(user)) is None:
            known = db.session.execute(select(*(read(user.id).label(name) for name, read in _FACTS.items()))
                                       ).one()._asdict()
        g.header_facts = HeaderFacts(known["supplier_status"] == SupplierStatus.VERIFIED, known["shop_id"] is not None,
                                     int(known["cart_units"]), int(known["unread"]))
    return g.header_facts
