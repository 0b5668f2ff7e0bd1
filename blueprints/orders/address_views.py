"""The address book at /my/addresses. The province → city → district picker works as plain forms (a button
fills in the next list) and, with htmx, refreshes the lists as each one is chosen."""
from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.forms import handle_form, refused_back_to, run_action
from blueprints.orders import bp
from blueprints.orders.divisions import cities, districts, provinces
from blueprints.orders.forms import AddressForm
from blueprints.orders.services.addresses import (SameAddress, add_address, address_of, delete_address,
                                                  edit_address, set_default)
from blueprints.orders.services.checkout import AddressDetails, saved_addresses
from blueprints.web import render, see_other
from extensions import limiter


def fill_division_choices(form: AddressForm) -> None:
    """Each list offers what the one above it allows; a choice that no longer fits is cleared."""
    blank = [("", _("Choose…"))]
    form.province.choices = blank + [(name, name) for name in provinces()]
    city_names = cities(form.province.data)
    if form.city.data not in city_names:
        form.city.data = city_names[0] if len(city_names) == 1 else ""  # a municipality is its own city
    form.city.choices = blank + [(name, name) for name in city_names]
    district_names = districts(form.province.data, form.city.data)
    if form.district.data not in district_names:
        form.district.data = ""
    form.district.choices = blank + [(name, name) for name in district_names]


def _details(form: AddressForm) -> AddressDetails:
    return AddressDetails(*(form[name].data or "" for name in ("recipient", "phone", "province", "city", "district",
                                                                 "street")))


def _book(form: AddressForm, status: int = 200, editing=None):
    fill_division_choices(form)
    return render("orders/addresses.html", block="address_form", status=status, form=form, editing=editing,
                  addresses=saved_addresses(current_user))


def _refreshing() -> bool:
    """The no-JavaScript "Show the cities / districts" button: show the form again with the next list."""
    return "refresh" in request.form


@bp.route("/my/addresses", methods=["GET", "POST"])
@login_required
@limiter.limit("60 per hour", methods=["POST"])
def addresses():
    form = AddressForm()
    if _refreshing():
        return _book(form)

    def done(_address):
        flash(_("Address saved."), "success")
        return see_other(url_for("orders.addresses"))

    return handle_form(form, lambda: add_address(current_user, _details(form), make_default=form.is_default.data),
                       done=done, page=lambda status: _book(form, status))


@bp.get("/my/addresses/picker")
@login_required
def address_picker():
    """htmx: the picker's lists for what is chosen so far (nothing is saved)."""
    form = AddressForm(request.args, meta={"csrf": False})
    fill_division_choices(form)
    return render("orders/addresses.html", block="picker", form=form)


@bp.route("/my/addresses/<int:address_id>", methods=["GET", "POST"])
@login_required
@limiter.limit("60 per hour", methods=["POST"])
def edit_address_page(address_id: int):
    address = address_of(current_user, address_id)
    form = AddressForm(obj=address if request.method == "GET" else None)
    if _refreshing():
        return _book(form, editing=address)

    def done(_address):
        flash(_("Address saved."), "success")
        return see_other(url_for("orders.addresses"))

    return handle_form(form, lambda: edit_address(current_user, address_id, _details(form),
                                                  make_default=form.is_default.data),
                       done=done, fields={SameAddress: "street"},
                       page=lambda status: _book(form, status, editing=address))


@bp.post("/my/addresses/<int:address_id>/delete")
@login_required
def delete_address_page(address_id: int):
    def done(_result):
        flash(_("Address deleted. Orders already placed keep their own copy."), "success")
        return see_other(url_for("orders.addresses"))

    return run_action(lambda: delete_address(current_user, address_id), done=done,
                      refused=refused_back_to(url_for("orders.addresses")))


@bp.post("/my/addresses/<int:address_id>/default")
@login_required
def default_address(address_id: int):
    def done(_result):
        flash(_("Checkout will offer this address first."), "success")
        return see_other(url_for("orders.addresses"))

    return run_action(lambda: set_default(current_user, address_id), done=done,
                      refused=refused_back_to(url_for("orders.addresses")))
