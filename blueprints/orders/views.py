"""The cart, checkout, the buyer's orders, the supplier's fulfilment queue and the shop's sales."""
import uuid
from urllib.parse import urlsplit

from flask import abort, flash, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from wtforms.fields import SelectChoice

from blueprints.catalog.models import Variant
from blueprints.catalog.views import render_product_page
from blueprints.errors import DomainError, InvalidFields
from blueprints.ledger.accounts import Owner
from blueprints.ledger.services import owed_to
from blueprints.money import current_rates
from blueprints.orders import bp
from blueprints.orders.forms import AddToCartForm, CheckoutForm, QuantityForm, ShipForm
from blueprints.orders.models import Address, PaymentMethod, Shipment
from blueprints.orders.services.cart import (NotEnoughStock, add_to_cart as add_item, cart_quantity, find_cart,
                                             get_or_create_cart, merge_visitor_cart, remove_item, set_quantity,
                                             summarise)
from blueprints.orders.services.checkout import (AddressDetails, DuplicateOrder, order_by_key,
                                                 place_order, save_address, saved_addresses)
from blueprints.orders.services.fulfilment import (cancel_order, confirm_payment, fulfilment_queue, mark_delivered,
                                                   order_for_buyer, orders_of, require_own_shipment, ship,
                                                   shop_order_lines)
from blueprints.sharing.services import available_credit
from blueprints.sharing.views import attributed_link
from blueprints.shops.models import Shop
from blueprints.shops.services import public_listing, shop_of
from blueprints.web import is_htmx, render, see_other, show_field_errors, succeeded
from extensions import db, limiter

CART_TOKEN = "cart_token"


def current_cart():
    return find_cart(current_user, session.get(CART_TOKEN))


def merge_cart_at_sign_in(_app, user, **_extra):
    """Flask-Login's user_logged_in signal: the visitor's cart joins the user's (the view commits)."""
    merge_visitor_cart(session.pop(CART_TOKEN, None), user)


def with_cart_count(response):
    """htmx responses that change the cart also refresh the header's count (an out-of-band swap)."""
    if is_htmx():
        response.set_data(response.get_data(as_text=True) + render_block("base.html", "cart_count", oob=True))
    return response


@bp.post("/cart/add")
@limiter.limit("120 per hour", deduct_when=succeeded)
def add_to_cart():
    form = AddToCartForm()
    variant = db.session.get(Variant, request.form.get("variant_id", type=int) or 0) or abort(404)
    shop = db.session.get(Shop, request.form.get("shop_id", type=int)) if request.form.get("shop_id") else None
    product = variant.product
    price = product.suggested_price
    if shop is not None:
        listing = public_listing(shop, product.slug) or abort(404)
        price = listing.price
    if form.validate_on_submit():
        cart = get_or_create_cart(current_user, session.get(CART_TOKEN))
        pledge_id = request.form.get("pledge_id", type=int) if shop is None else None
        try:
            add_item(cart, variant, shop, form.quantity.data, pledge_id=pledge_id)
        except InvalidFields as error:
            show_field_errors(form, error.errors)
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            if not current_user.is_authenticated:
                session[CART_TOKEN] = cart.token
            if not is_htmx():
                flash(_("Added to your cart."), "success")
                return see_other(request.referrer if _same_site(request.referrer) else url_for("orders.cart"))
            return with_cart_count(render_product_page(product, shop=shop, price=price, variant=variant,
                                                       added=True))
    db.session.rollback()
    return render_product_page(product, shop=shop, price=price, variant=variant, status=422, add_form=form)


def _same_site(url: str | None) -> bool:
    return bool(url) and urlsplit(url).netloc == request.host


def _cart_page(status=200, errors=None):
    summary = summarise(current_cart())
    forms = {line.item.id: QuantityForm(formdata=None, prefix=f"item-{line.item.id}", quantity=line.item.quantity)
             for line in summary.lines}
    for item_id, form in (errors or {}).items():
        forms[item_id] = form
    return with_cart_count(render("orders/cart.html", block="cart", status=status, summary=summary, forms=forms))


@bp.get("/cart")
def cart():
    return _cart_page()


@bp.post("/cart/items/<int:item_id>")
def update_item(item_id: int):
    form = QuantityForm(prefix=f"item-{item_id}")
    if form.validate_on_submit():
        try:
            set_quantity(current_cart(), item_id, form.quantity.data)
        except InvalidFields as error:
            show_field_errors(form, error.errors)
        except DomainError as error:
            form.quantity.errors = [*form.quantity.errors, str(error)]
        else:
            db.session.commit()
            return _cart_page() if is_htmx() else see_other(url_for("orders.cart"))
    db.session.rollback()
    return _cart_page(status=422, errors={item_id: form})


@bp.post("/cart/items/<int:item_id>/remove")
def remove_cart_item(item_id: int):
    remove_item(current_cart(), item_id)
    db.session.commit()
    return _cart_page() if is_htmx() else see_other(url_for("orders.cart"))


def _checkout_page(form: CheckoutForm, status: int = 200):
    addresses = saved_addresses(current_user)
    form.address_id.choices = [SelectChoice(str(a.id)) for a in addresses] + [SelectChoice("new")]
    summary = summarise(current_cart())
    form.expected_total.data = str(summary.total)
    return render("orders/checkout.html", status=status, form=form, summary=summary, addresses=addresses,
                  credit=available_credit(current_user))


@bp.route("/checkout", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", methods=["POST"], deduct_when=succeeded)
def checkout():
    form = CheckoutForm()
    if request.method == "GET":
        form.idempotency_key.data = uuid.uuid4().hex
        if saved := saved_addresses(current_user):
            form.address_id.data = str(saved[0].id)
        return _checkout_page(form)
    if not form.validate_on_submit():
        return _checkout_page(form, 422)
    existing = order_by_key(form.idempotency_key.data or "")
    if existing is not None and existing.buyer_id == current_user.id:
        return see_other(url_for("orders.order", number=existing.number))
    try:
        address = _chosen_address(form)
        expected = int(form.expected_total.data) if (form.expected_total.data or "").isdigit() else None
        order = place_order(current_user, current_cart(), address, PaymentMethod(form.payment_method.data),
                            form.idempotency_key.data, current_rates(), expected_total=expected,
                            share_link=attributed_link(), use_credit=bool(form.use_credit.data))
        if form.address_id.data == "new" and form.save_address.data:
            save_address(current_user, address)
        db.session.commit()
    except DuplicateOrder:
        db.session.rollback()
        order = order_by_key(form.idempotency_key.data) or abort(409)
        return see_other(url_for("orders.order", number=order.number))
    except InvalidFields as error:
        db.session.rollback()
        show_field_errors(form, error.errors)
        return _checkout_page(form, 422)
    except (NotEnoughStock, DomainError) as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _checkout_page(form, 422)
    flash(_("Thank you! Your order %(number)s is placed.", number=order.number), "success")
    return see_other(url_for("orders.order", number=order.number))


def _chosen_address(form: CheckoutForm) -> AddressDetails:
    if form.address_id.data and form.address_id.data != "new":
        if any((form[name].data or "").strip() for name in CheckoutForm.ADDRESS_FIELDS):
            # Never ship somewhere the buyer did not mean: ask rather than pick one silently.
            raise InvalidFields({"address_id": _("You chose a saved address and also typed a new one. "
                                                 "Choose “A new address” to use what you typed, or clear it.")})
        address = db.session.get(Address, int(form.address_id.data)) if form.address_id.data.isdigit() else None
        if address is None or address.user_id != current_user.id:
            raise InvalidFields({"address_id": _("Choose one of your addresses.")})
        return AddressDetails.of(address)
    return AddressDetails(*(form[name].data for name in CheckoutForm.ADDRESS_FIELDS))


@bp.get("/my/orders")
@login_required
def my_orders():
    return render("orders/my_orders.html", orders=orders_of(current_user))


@bp.get("/orders/<number>")
@login_required
def order(number: str):
    order = order_for_buyer(number, current_user) or abort(404)
    return render("orders/order.html", order=order)


@bp.post("/orders/<number>/cancel")
@login_required
def cancel(number: str):
    order = order_for_buyer(number, current_user) or abort(404)
    try:
        cancel_order(current_user, order)
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Order %(number)s is cancelled.", number=order.number), "success")
    return see_other(url_for("orders.order", number=order.number))


# Suppliers

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


# Shop owners

@bp.get("/my/shop/orders")
@login_required
def shop_orders():
    shop = shop_of(current_user) or abort(404)
    return render("orders/shop_orders.html", shop=shop, lines=shop_order_lines(shop),
                  earnings=owed_to(Owner.shop(shop.id)))


@bp.app_template_global()
def cart_count() -> int:
    return cart_quantity(current_user, session.get(CART_TOKEN))
