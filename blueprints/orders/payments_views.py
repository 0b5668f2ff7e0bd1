"""The platform confirms bank transfers: the buyer paid the platform once, so it is confirmed once per order."""
from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from blueprints.forms import refused_back_to, run_action
from blueprints.orders import bp
from blueprints.orders.models import Order
from blueprints.orders.services.fulfilment import awaiting_transfer, confirm_transfer
from blueprints.suppliers.services import require_admin
from blueprints.web import render, see_other
from extensions import db


@bp.get("/admin/transfers")
@login_required
def admin_transfers():
    require_admin(current_user)
    return render("orders/admin_transfers.html", orders=awaiting_transfer())


@bp.post("/admin/orders/<number>/transfer-received")
@login_required
def transfer_received(number: str):
    require_admin(current_user)
    order = db.session.scalar(select(Order).where(Order.number == number)) or abort(404)
    back = url_for("orders.admin_transfers")

    def done(_result):
        flash(_("Transfer for %(number)s confirmed; the suppliers can ship.", number=number), "success")
        return see_other(back)

    return run_action(lambda: confirm_transfer(current_user, order), done=done, refused=refused_back_to(back))
