"""The supplier's area for orders: the fulfilment queue, confirming transfers, shipping and delivery."""
from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.errors import DomainError, InvalidFields
from blueprints.forms import refused_back_to, run_action, show_errors
from blueprints.orders import bp
from blueprints.orders.forms import ShipForm
from blueprints.orders.models import Shipment
from blueprints.orders.services.fulfilment import (confirm_payment, correct_tracking, fulfilment_queue,
                                                   mark_delivered, require_own_shipment, ship)
from blueprints.web import render, see_other
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


def _back_to_queue(message: str):
    flash(message, "success")
    return see_other(url_for("orders.fulfilment"))


@bp.post("/supplier/shipments/<int:shipment_id>/confirm-payment")
@login_required
def shipment_paid(shipment_id: int):
    shipment = _shipment(shipment_id)

    def done(_result):
        return _back_to_queue(_("Payment for %(number)s confirmed. It is ready to ship.",
                                number=shipment.order.number))

    return run_action(lambda: confirm_payment(current_user, shipment), done=done,
                      refused=refused_back_to(url_for("orders.fulfilment")))


def _tracking_form_action(shipment_id: int, action, done_message: str):
    """Shipping and correcting the tracking share one form: errors re-show the queue with what was typed."""
    shipment = _shipment(shipment_id)
    require_own_shipment(current_user, shipment)  # another supplier's shipment is a 403 even with an empty form
    form = ShipForm(prefix=f"ship-{shipment_id}")

    def queue_with_form():
        return _queue_page(status=422, ship_forms={shipment_id: form})

    def done(_result):
        return _back_to_queue(done_message % {"number": shipment.order.number})

    def refused(error: DomainError):
        if isinstance(error, InvalidFields):
            show_errors(form, error)
            return queue_with_form()
        # Not a typing problem: the shipment is not at that step (its form is not even on the page).
        return refused_back_to(url_for("orders.fulfilment"))(error)

    if not form.validate_on_submit():
        return queue_with_form()
    return run_action(lambda: action(current_user, shipment, carrier=form.carrier.data,
                                     tracking_number=form.tracking_number.data),
                      done=done, refused=refused)


@bp.post("/supplier/shipments/<int:shipment_id>/ship")
@login_required
def shipment_shipped(shipment_id: int):
    return _tracking_form_action(shipment_id, ship, _("%(number)s is on its way."))


@bp.post("/supplier/shipments/<int:shipment_id>/tracking")
@login_required
def shipment_tracking(shipment_id: int):
    return _tracking_form_action(shipment_id, correct_tracking, _("The tracking of %(number)s is corrected."))


@bp.post("/supplier/shipments/<int:shipment_id>/deliver")
@login_required
def shipment_delivered(shipment_id: int):
    shipment = _shipment(shipment_id)

    def done(_result):
        return _back_to_queue(_("%(number)s is marked delivered.", number=shipment.order.number))

    return run_action(lambda: mark_delivered(current_user, shipment), done=done,
                      refused=refused_back_to(url_for("orders.fulfilment")))
