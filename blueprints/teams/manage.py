"""Sellers' side of team buying: setting a team price, and the teams run at it with what they sold."""
from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.bilingual import localized
from blueprints.catalog.models import Product
from blueprints.forms import handle_form, refused_back_to, run_action
from blueprints.money import current_rates
from blueprints.shops.models import Listing
from blueprints.shops.services import owner_listings, require_shop_owner, shop_of
from blueprints.suppliers.services import require_verified_supplier
from blueprints.teams import bp
from blueprints.teams.forms import TeamOfferForm
from blueprints.teams.models import TeamOffer
from blueprints.teams.services import (lowest_team_price, normal_price, offer_of, require_offer_maker, save_offer,
                                       seller_teams, supplier_products, withdraw_offer)
from blueprints.web import render, see_other
from extensions import db


@bp.get("/supplier/teams")
@login_required
def supplier_teams():
    supplier = require_verified_supplier(current_user)
    products = supplier_products(supplier.id)
    return render("teams/seller.html", heading=_("Team prices and teams"), report=seller_teams(supplier_id=supplier.id), for_supplier=True,
                  offer_links=[(localized(product, "title"), url_for("teams.supplier_offer", product_id=product.id))
                               for product in products])


@bp.get("/my/shop/teams")
@login_required
def shop_teams():
    shop = shop_of(current_user) or abort(404)
    return render("teams/seller.html", heading=_("Team prices and teams"), report=seller_teams(shop_id=shop.id), for_supplier=False,
                  offer_links=[(localized(listing.product, "title"), url_for("teams.shop_offer", listing_id=listing.id))
                               for listing in owner_listings(shop)])


def _offer_page(product, shop, form, back, status=200):
    offer = offer_of(product, shop)
    rates = current_rates()
    return render("teams/offer_form.html", status=status, form=form, product=product, shop=shop, offer=offer,
                  back=back, normal=normal_price(product, shop), lowest=lowest_team_price(product, shop, rates))


def _edit_offer(product: Product, shop, back: str):
    require_offer_maker(current_user, product, shop)
    existing = offer_of(product, shop)
    form = TeamOfferForm(obj=existing) if existing is not None else TeamOfferForm()

    def done(_offer):
        flash(_("Team price saved for %(title)s.", title=localized(product, "title")), "success")
        return see_other(back)

    return handle_form(form, lambda: save_offer(
        current_user, product, shop, team_size=form.team_size.data, unit_price=form.unit_price.data,
        open_hours=form.open_hours.data, max_teams=form.max_teams.data, rates=current_rates()),
        done=done, page=lambda status: _offer_page(product, shop, form, back, status))


@bp.route("/supplier/products/<int:product_id>/team-price", methods=["GET", "POST"])
@login_required
def supplier_offer(product_id: int):
    product = db.session.get(Product, product_id) or abort(404)
    return _edit_offer(product, None, url_for("teams.supplier_teams"))


@bp.route("/my/shop/listings/<int:listing_id>/team-price", methods=["GET", "POST"])
@login_required
def shop_offer(listing_id: int):
    listing = db.session.get(Listing, listing_id) or abort(404)
    require_shop_owner(current_user, listing.shop)
    return _edit_offer(listing.product, listing.shop, url_for("teams.shop_teams"))


@bp.post("/teams/offers/<int:offer_id>/withdraw")
@login_required
def withdraw(offer_id: int):
    offer = db.session.get(TeamOffer, offer_id) or abort(404)
    back = url_for("teams.shop_teams" if offer.shop_id else "teams.supplier_teams")

    def done(_result):
        flash(_("No new teams can start at this price. Open teams run to their end."), "success")
        return see_other(back)

    return run_action(lambda: withdraw_offer(current_user, offer), done=done, refused=refused_back_to(back))
