"""A pledger's order, ready to confirm in one step: the variant (the backer survey), address and payment."""
import uuid

from flask import abort, flash, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import RadioField
from wtforms.fields import SelectChoice

from blueprints.codesign.queries import public_prototype
from blueprints.forms import handle_form
from blueprints.money import current_rates
from blueprints.orders import bp
from blueprints.orders.forms import CheckoutForm
from blueprints.orders.models import PaymentMethod
from blueprints.orders.pledge_orders import confirm_pledge_order, pledge_order, pledges_turned_orders
from blueprints.orders.services.checkout import saved_addresses
from blueprints.orders.views import _chosen_address, _go_to_order
from blueprints.web import render
from extensions import limiter


@bp.app_template_global()
def pledge_orders_of(prototype) -> tuple[int, int]:
    """For the prototype's page (co-design never reads orders itself): pledges confirmed as orders, and units."""
    return pledges_turned_orders(prototype)


class PledgeOrderForm(CheckoutForm):
    variant_id = RadioField(_l("Your option"), coerce=int, validate_choice=False)


def _page(prototype, offer, form, status=200):
    addresses = saved_addresses(current_user)
    form.address_id.choices = [SelectChoice(str(a.id)) for a in addresses] + [SelectChoice("new")]
    form.variant_id.choices = [SelectChoice(v.id, v.label or _("Standard")) for v in (offer.variants if offer else [])]
    return render("orders/pledge_order.html", status=status, prototype=prototype, offer=offer, form=form,
                  addresses=addresses)


@bp.route("/codesign/<slug>/order", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", methods=["POST"])
def pledge_order_page(slug: str):
    prototype = public_prototype(slug) or abort(404)
    offer = pledge_order(current_user, prototype)
    form = PledgeOrderForm()
    if request.method == "GET":
        form.idempotency_key.data = uuid.uuid4().hex
        if offer and offer.variants:
            form.variant_id.data = offer.variants[0].id
        if saved := saved_addresses(current_user):
            form.address_id.data = str(saved[0].id)
        return _page(prototype, offer, form)

    def confirm():
        return confirm_pledge_order(current_user, prototype, form.variant_id.data, _chosen_address(form),
                                    PaymentMethod(form.payment_method.data), form.idempotency_key.data,
                                    current_rates())

    def done(order):
        flash(_("Thank you! Your early-bird order %(number)s is placed.", number=order.number), "success")
        return _go_to_order(order)

    return handle_form(form, confirm, done=done, page=lambda status: _page(prototype, offer, form, status))
