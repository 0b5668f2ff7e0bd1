from flask import flash, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.catalog.services import supplier_products
from blueprints.forms import handle_form
from blueprints.notifications.models import Kind
from blueprints.notifications.services import recent, unread_count
from blueprints.suppliers import bp
from blueprints.suppliers.forms import SupplierApplicationForm
from blueprints.suppliers.models import SupplierStatus
from blueprints.suppliers.services import (apply_for_supplier, latest_decision,
                                           require_verified_supplier, supplier_of)
from blueprints.web import render, see_other, succeeded
from extensions import limiter


@bp.route("/supplier/apply", methods=["GET", "POST"])
@login_required
@limiter.limit("5 per hour", methods=["POST"], deduct_when=succeeded)
def apply():
    existing = supplier_of(current_user)
    if existing is not None and existing.status != SupplierStatus.REJECTED:
        return see_other(url_for("accounts.account"))
    form = SupplierApplicationForm(obj=existing)

    def done(_supplier):
        flash(_("Thank you. Our team will check your application and reply within two working days."), "success")
        return see_other(url_for("accounts.account"))

    return handle_form(form, lambda: apply_for_supplier(current_user, name=form.name.data,
                                                        description=form.description.data, contact=form.contact.data,
                                                        registration_number=form.registration_number.data),
                       done=done, page=lambda status: render("suppliers/apply.html", block="form", status=status,
                                                             form=form))


SUPPLIER_NEWS = (Kind.MY_ACTIVITY,)  # new comments, reports and orders (see notifications.wording)


@bp.get("/supplier")
@login_required
def dashboard():
    supplier = require_verified_supplier(current_user)
    return render("suppliers/dashboard.html", supplier=supplier, products=supplier_products(supplier),
                  decision=latest_decision(supplier), inbox_unread=unread_count(current_user, SUPPLIER_NEWS))


@bp.get("/supplier/inbox")
@login_required
def inbox():
    """New comments, reports and orders on the supplier's prototypes and products, in one place."""
    supplier = require_verified_supplier(current_user)
    return render("suppliers/inbox.html", supplier=supplier, notifications=recent(current_user, kinds=SUPPLIER_NEWS))
