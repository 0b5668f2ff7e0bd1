"""The supplier's area for orders: the fulfilment queue, confirming transfers, shipping and delivery."""
from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.errors import DomainError, InvalidFields
from blueprints.orders import bp
from blueprints.orders.forms import ShipForm
from blueprints.orders.models import Shipment
from blueprints.orders.services.fulfilment import (confirm_payment, fulfilment_queue, mark_delivered,
                                                   require_own_shipment, ship)
from blueprints.web import render, see_other, show_field_errors
from extensions import db


def _queue_page(status=200, ship_forms=None):
    shipments = fulfilment_queue(current_user, open_only=request.args.get("show") != "all")
    forms = {s.id: ShipForm(formdata=None, prefix=f"ship-{s.id}") for s in shipments}
    forms.update(ship_forms or {})
    return render("orders/fulfilment.html", status=status, shipments=shipments, ship_forms=forms,
                  show_all=request.args.get("show") == "all")


@bp.get("/supplier/orders")
@login_required
def fulfilment():
    return _queue_page()


def _shipment(shipment_id: int) -> Shipment:
    return db.session.get(Shipment, shipment_id) or abort(404)


@bp.post("/supplier/shipments/<int:shipment_id>/confirm-payment")
@login_required
def shipment_paid(shipment_id: int):
    shipment = _shipment(shipment_id)
    try:
        confirm_payment(current_user, shipment)
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Payment for %(number)s confirmed. It is ready to ship.", number=shipment.order.number), "success")
    return see_other(url_for("orders.fulfilment"))


@bp.post("/supplier/shipments/<int:shipment_id>/ship")
@login_required
def shipment_shipped(shipment_id: int):
    shipment = _shipment(shipment_id)
    require_own_shipment(current_user, shipment)  # another supplier's shipment is a 403 even with an empty form
    form = ShipForm(prefix=f"ship-{shipment_id}")
    if form.validate_on_submit():
        try:
            ship(current_user, shipment, carrier=form.carrier.data, tracking_number=form.tracking_number.data)
        except InvalidFields as error:
            show_field_errors(form, error.errors)
        except DomainError as error:
            # Not a typing problem: the shipment is not ready (its form is not even on the page).
            db.session.rollback()
            flash(str(error), "error")
            return see_other(url_for("orders.fulfilment"))
        else:
            db.session.commit()
            flash(_("%(number)s is on its way.", number=shipment.order.number), "success")
            return see_other(url_for("orders.fulfilment"))
    db.session.rollback()
    return _queue_page(status=422, ship_forms={shipment_id: form})


@bp.post("/supplier/shipments/<int:shipment_id>/deliver")
@login_required
def shipment_delivered(shipment_id: int):
    shipment = _shipment(shipment_id)
    try:
        mark_delivered(current_user, shipment)
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("%(number)s is marked delivered.", number=shipment.order.number), "success")
    return see_other(url_for("orders.fulfilment"))
