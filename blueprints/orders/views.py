"""The buyer's pages: the cart, checkout, my orders and an order."""
import uuid
from urllib.parse import urlsplit

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from wtforms.fields import SelectChoice

from blueprints.catalog.models import Variant
from blueprints.catalog.views import render_product_page
from blueprints.errors import DomainError, InvalidFields
from blueprints.forms import handle_form, refused_back_to, run_action
from blueprints.money import current_rates
from blueprints.orders import bp
from blueprints.orders.cart_session import current_cart, current_or_new_cart, remember_cart, units_in_cart
from blueprints.orders.forms import AddToCartForm, CheckoutForm, QuantityForm
from blueprints.orders.models import Address, Order, PaymentMethod
from blueprints.orders.services.cart import add_to_cart as add_item, remove_item, set_quantity, summarise
from blueprints.orders.services.checkout import (AddressDetails, Device, DuplicateOrder, order_by_key, place_order,
                                                 save_address, saved_addresses)
from blueprints.orders.services.fulfilment import cancel_order, order_for_buyer, orders_of
from blueprints.sharing.services import available_credit
from blueprints.sharing.views import attributed_link, note_this_device, this_device
from blueprints.shops.models import Shop
from blueprints.shops.services import public_listing
from blueprints.teams.services import team_of_order
from blueprints.web import is_htmx, render, see_other, succeeded
from extensions import db, limiter


def with_cart_count(response):
    """htmx responses that change the cart also refresh the header's count (an out-of-band swap)."""
    if is_htmx():
        response.set_data(response.get_data(as_text=True) + render_block("base.html", "cart_count", oob=True))
    return response


# The form posts to the page it is on, so a page shown again with its errors keeps the product's own address
# (one that can be reloaded, shared or switched to the other language); /cart/add stays for pages already open.
@bp.post("/cart/add")
@bp.post("/p/<slug>")
@bp.post("/shops/<shop_slug>/p/<slug>")
@limiter.limit("120 per hour", deduct_when=succeeded)
def add_to_cart(slug: str | None = None, shop_slug: str | None = None):
    form = AddToCartForm()
    variant = db.session.get(Variant, request.form.get("variant_id", type=int) or 0) or abort(404)
    shop = db.session.get(Shop, request.form.get("shop_id", type=int)) if request.form.get("shop_id") else None
    product = variant.product
    if slug is not None and (product.slug != slug or (shop.slug if shop else None) != shop_slug):
        abort(404)
    price = product.suggested_price
    if shop is not None:
        listing = public_listing(shop, product.slug) or abort(404)
        price = listing.price
    pledge_id = request.form.get("pledge_id", type=int) if shop is None else None

    def add():
        cart = current_or_new_cart()
        add_item(cart, variant, shop, form.quantity.data, pledge_id=pledge_id)
        return cart

    def done(cart):
        remember_cart(cart)
        if not is_htmx():
            flash(_("Added to your cart."), "success")
            return see_other(request.referrer if _same_site(request.referrer) else url_for("orders.cart"))
        return with_cart_count(render_product_page(product, shop=shop, price=price, variant=variant, added=True))

    return handle_form(form, add, done=done, page=lambda status: render_product_page(
        product, shop=shop, price=price, variant=variant, status=status, add_form=form))


def _same_site(url: str | None) -> bool:
    return bool(url) and urlsplit(url).netloc == request.host


def _cart_page(status=200, errors=None):
    summary = summarise(current_cart())
    forms = {line.item.id: QuantityForm(formdata=None, prefix=f"item-{line.item.id}", quantity=line.item.quantity)
             for line in summary.lines}
    for item_id, form in (errors or {}).items():
        forms[item_id] = form
    return with_cart_count(render("orders/cart.html", block="cart", status=status, summary=summary, forms=forms))


def _cart_changed(_result):
    return _cart_page() if is_htmx() else see_other(url_for("orders.cart"))


@bp.get("/cart")
def cart():
    return _cart_page()


@bp.post("/cart/items/<int:item_id>")
def update_item(item_id: int):
    form = QuantityForm(prefix=f"item-{item_id}")
    # Whatever the cart refuses (not enough stock, say) is said beside the quantity.
    return handle_form(form, lambda: set_quantity(current_cart(), item_id, form.quantity.data),
                       done=_cart_changed, fields={DomainError: "quantity"},
                       page=lambda status: _cart_page(status=status, errors={item_id: form}))


@bp.post("/cart/items/<int:item_id>/remove")
def remove_cart_item(item_id: int):
    return run_action(lambda: remove_item(current_cart(), item_id), done=_cart_changed,
                      refused=refused_back_to(url_for("orders.cart")))


def _checkout_page(form: CheckoutForm, status: int = 200):
    addresses = saved_addresses(current_user)
    form.address_id.choices = [SelectChoice(str(a.id)) for a in addresses] + [SelectChoice("new")]
    summary = summarise(current_cart())
    form.expected_total.data = str(summary.total)
    return render("orders/checkout.html", status=status, form=form, summary=summary, addresses=addresses,
                  credit=available_credit(current_user))


def _go_to_order(order: Order):
    return see_other(url_for("orders.order", number=order.number))


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
    key = form.idempotency_key.data

    def place() -> tuple[Order, bool]:
        """The order, and whether this request placed it."""
        existing = order_by_key(key or "")
        if existing is not None and existing.buyer_id == current_user.id:
            return existing, False  # a second click or a retry of an order already placed: just show it
        address = _chosen_address(form)
        expected = int(form.expected_total.data) if (form.expected_total.data or "").isdigit() else None
        order = place_order(current_user, current_cart(), address, PaymentMethod(form.payment_method.data), key,
                            current_rates(), expected_total=expected, share_link=attributed_link(),
                            use_credit=bool(form.use_credit.data), device=Device(*this_device()))
        note_this_device(current_user)  # so an order through this buyer's own links later is recognised
        if form.address_id.data == "new" and form.save_address.data:
            save_address(current_user, address)
        return order, True

    def done(result: tuple[Order, bool]):
        order, placed_now = result
        if placed_now:
            flash(_("Thank you! Your order %(number)s is placed.", number=order.number), "success")
        return _go_to_order(order)

    try:
        return handle_form(form, place, done=done, page=lambda status: _checkout_page(form, status))
    except DuplicateOrder:
        # A twin of this request (a double click, a retry) claimed the same idempotency key a moment
        # earlier and placed this very order. That is no rule the buyer broke, so it is not a
        # DomainError and handle_form lets it through: drop our attempt and show the twin's order.
        db.session.rollback()
        return _go_to_order(order_by_key(key) or abort(409))


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
    return render("orders/order.html", order=order, team=team_of_order(order.id))


@bp.post("/orders/<number>/cancel")
@login_required
def cancel(number: str):
    order = order_for_buyer(number, current_user) or abort(404)
    back = url_for("orders.order", number=order.number)

    def done(_result):
        flash(_("Order %(number)s is cancelled.", number=order.number), "success")
        return see_other(back)

    return run_action(lambda: cancel_order(current_user, order), done=done, refused=refused_back_to(back))


@bp.app_template_global()
def cart_count() -> int:
    return units_in_cart()
