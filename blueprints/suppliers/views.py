from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from sqlalchemy import select

from blueprints.shared_pages import shared_page
from blueprints.catalog.services import supplier_products
from blueprints.reviews.track_records import track_record
from blueprints.forms import handle_form
from blueprints.notifications.models import Kind
from blueprints.notifications.services import recent, unread_count
from blueprints.suppliers import bp
from blueprints.suppliers.forms import SupplierApplicationForm
from blueprints.suppliers.models import Supplier, SupplierStatus
from blueprints.suppliers.services import (apply_for_supplier, latest_decision,
                                           require_verified_supplier, supplier_of)
from blueprints.web import render, see_other, succeeded
from extensions import db, limiter


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
                                                        registration_number=form.registration_number.data,
                                                        name_en=form.name_en.data or "",
                                                        description_en=form.description_en.data or ""),
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


@bp.get("/suppliers/<slug>")
@shared_page
def public_page(slug: str):
    """A verified supplier's public page, with its track record (computed on a schedule, read as one row)."""
    supplier = db.session.scalar(select(Supplier).where(Supplier.slug == slug))
    if supplier is None or not supplier.is_verified:
        abort(404)
    return render("suppliers/public.html", supplier=supplier, record=track_record("supplier", supplier.id))
