"""A shop owner's sales through their shop, and what the shop has earned."""
from flask import abort
from flask_login import current_user, login_required

from blueprints.ledger.accounts import Owner
from blueprints.ledger.services import owed_to
from blueprints.orders import bp
from blueprints.orders.services.fulfilment import shop_order_lines
from blueprints.shops.services import shop_of
from blueprints.web import render


@bp.get("/my/shop/orders")
@login_required
def shop_orders():
    shop = shop_of(current_user) or abort(404)
    return render("orders/shop_orders.html", shop=shop, lines=shop_order_lines(shop),
                  earnings=owed_to(Owner.shop(shop.id)))
