"""Returns pages: the buyer's request and answers on the order page, the supplier's returns queue, the platform's
escalations and the refunds it owes buyers."""
from datetime import timedelta

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.errors import DomainError, InvalidFields
from blueprints.forms import handle_form, refused_back_to, run_action
from blueprints.media.images import ImageRejected, uploads_of
from blueprints.orders import bp
from blueprints.orders.models import Order
from blueprints.orders.return_forms import (REASON_LABELS, AcceptReturnForm, DecideReturnForm, ReceiveReturnForm,
                                            RefuseReturnForm, ReturnRequestForm, SendBackForm)
from blueprints.orders.return_models import Refund, ReturnReason, ReturnRequest
from blueprints.orders.services.fulfilment import order_for_buyer
from blueprints.orders.services.refunds import mark_refund_paid, refunds_of, refunds_owed
from blueprints.orders.services.returns import (MAX_PHOTOS, accept, decide, escalate, escalated_returns,
                                                quality_counts, receive, refuse, request_return, returnable,
                                                returns_of_order, send_back, supplier_returns)
from blueprints.suppliers.services import require_admin
from blueprints.web import render, see_other, succeeded, upload_limit
from extensions import db, limiter


def _window() -> timedelta:
    return timedelta(days=current_app.config["RETURN_WINDOW_DAYS"])


@bp.app_template_global()
def order_returns(order: Order) -> dict:
    """What the order page shows of returns: the requests, what may still be returned, the refunds."""
    requests = returns_of_order(order)
    return {"requests": requests, "returnable": returnable(order, _window()), "refunds": refunds_of(order),
            "send_back_forms": {item.id: SendBackForm(formdata=None, prefix=f"back-{item.id}") for item in requests},
            "reasons": REASON_LABELS}


def _buyers_order(number: str) -> Order:
    return order_for_buyer(number, current_user) or abort(404)


def _return_page(order: Order, form: ReturnRequestForm, status: int = 200, chosen: dict | None = None):
    return render("orders/return_new.html", status=status, order=order, form=form,
                  lines=returnable(order, _window()), chosen=chosen or {}, days=_window().days)


def _chosen_units() -> dict[int, int]:
    chosen = {}
    for key, value in request.form.items():
        if key.startswith("units-") and key[6:].isdigit():
            chosen[int(key[6:])] = int(value) if value.strip().isdigit() else 0
    return chosen


@bp.route("/orders/<number>/return", methods=["GET", "POST"])
@login_required
@upload_limit
@limiter.limit("20 per hour", methods=["POST"], deduct_when=succeeded)
def new_return(number: str):
    order = _buyers_order(number)
    form = ReturnRequestForm()
    chosen = _chosen_units() if request.method == "POST" else {}

    def ask():
        uploads = uploads_of(form.photos.data)
        if len(uploads) > MAX_PHOTOS:
            raise ImageRejected(_("Add at most %(count)d photos.", count=MAX_PHOTOS))
        return request_return(current_user, order, chosen, ReturnReason(form.reason.data), form.note.data,
                              uploads, window=_window())

    def done(_requests):
        flash(_("Your return request is sent. The supplier answers on this page."), "success")
        return see_other(url_for("orders.order", number=order.number))

    return handle_form(form, ask, done=done, fields={ImageRejected: "photos"},
                       page=lambda status: _return_page(order, form, status, chosen))


def _request(return_id: int) -> ReturnRequest:
    return db.session.get(ReturnRequest, return_id) or abort(404)


@bp.post("/returns/<int:return_id>/escalate")
@login_required
def escalate_return(return_id: int):
    item = _request(return_id)
    back = url_for("orders.order", number=item.order.number)

    def done(_result):
        flash(_("Sent to the platform. An administrator decides and tells you why."), "success")
        return see_other(back)

    return run_action(lambda: escalate(current_user, item), done=done, refused=refused_back_to(back))


@bp.post("/returns/<int:return_id>/send-back")
@login_required
def send_return(return_id: int):
    item = _request(return_id)
    back = url_for("orders.order", number=item.order.number)
    form = SendBackForm(prefix=f"back-{return_id}")

    def done(_result):
        flash(_("Thank you. The supplier refunds you when the parcel arrives."), "success")
        return see_other(back)

    def refused(error: DomainError):
        flash(" ".join(error.errors.values()) if isinstance(error, InvalidFields) else str(error), "error")
        return see_other(back)

    if not form.validate_on_submit():
        flash(" ".join(message for messages in form.errors.values() for message in messages), "error")
        return see_other(back)
    return run_action(lambda: send_back(current_user, item, carrier=form.carrier.data,
                                        tracking_number=form.tracking_number.data), done=done, refused=refused)


# The supplier's queue

def _queue_page(status: int = 200, forms: dict | None = None):
    items = supplier_returns(current_user, open_only=request.args.get("show") != "all")
    forms = forms or {}
    for item in items:
        for form_class, name in ((AcceptReturnForm, "accept"), (RefuseReturnForm, "refuse"),
                                 (ReceiveReturnForm, "receive")):
            forms.setdefault((item.id, form_class.__name__), form_class(formdata=None, prefix=f"{name}-{item.id}"))
    return render("orders/supplier_returns.html", status=status, returns=items, forms=forms,
                  quality=quality_counts(current_user), reasons=REASON_LABELS,
                  show_all=request.args.get("show") == "all")


@bp.get("/supplier/returns")
@login_required
def supplier_returns_page():
    return _queue_page()


def _supplier_step(return_id: int, form, step, message: str):
    item = _request(return_id)

    def done(_result):
        flash(message % {"number": item.order.number}, "success")
        return see_other(url_for("orders.supplier_returns_page"))

    return handle_form(form, lambda: step(item), done=done,
                       page=lambda status: _queue_page(status, {(return_id, type(form).__name__): form}))


@bp.post("/supplier/returns/<int:return_id>/accept")
@login_required
def accept_return(return_id: int):
    form = AcceptReturnForm(prefix=f"accept-{return_id}")
    return _supplier_step(return_id, form, lambda item: accept(current_user, item, form.return_address.data),
                          _("Return for %(number)s accepted; the buyer has your address."))


@bp.post("/supplier/returns/<int:return_id>/refuse")
@login_required
def refuse_return(return_id: int):
    form = RefuseReturnForm(prefix=f"refuse-{return_id}")
    return _supplier_step(return_id, form, lambda item: refuse(current_user, item, form.reason.data),
                          _("Return for %(number)s refused; the buyer sees your reason."))


@bp.post("/supplier/returns/<int:return_id>/receive")
@login_required
def receive_return(return_id: int):
    form = ReceiveReturnForm(prefix=f"receive-{return_id}")
    return _supplier_step(return_id, form, lambda item: receive(current_user, item, restock=form.restock.data),
                          _("Return for %(number)s received; the buyer is refunded."))


# The platform

def _admin_page(status: int = 200, forms: dict | None = None):
    require_admin(current_user)
    escalated = escalated_returns(current_user)
    forms = {item.id: DecideReturnForm(formdata=None, prefix=f"decide-{item.id}") for item in escalated} | (forms or {})
    return render("orders/admin_returns.html", status=status, escalated=escalated, owed=refunds_owed(), forms=forms,
                  reasons=REASON_LABELS)


@bp.get("/admin/returns")
@login_required
def admin_returns():
    return _admin_page()


@bp.post("/admin/returns/<int:return_id>/decide")
@login_required
def decide_return(return_id: int):
    require_admin(current_user)
    item = _request(return_id)
    form = DecideReturnForm(prefix=f"decide-{return_id}")

    def done(_result):
        flash(_("Decision on %(number)s recorded; both sides are told.", number=item.order.number), "success")
        return see_other(url_for("orders.admin_returns"))

    def step():
        decide(current_user, item, accepted=form.decision.data == "accept", reason=form.reason.data,
               return_address=form.return_address.data)

    return handle_form(form, step, done=done, page=lambda status: _admin_page(status, {return_id: form}))


@bp.post("/admin/refunds/<int:refund_id>/paid")
@login_required
def refund_paid(refund_id: int):
    require_admin(current_user)
    record = db.session.get(Refund, refund_id) or abort(404)
    back = url_for("orders.admin_returns")

    def done(_result):
        flash(_("Refund for %(number)s marked paid.", number=record.order.number), "success")
        return see_other(back)

    return run_action(lambda: mark_refund_paid(current_user, record), done=done, refused=refused_back_to(back))

