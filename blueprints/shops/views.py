from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from blueprints.catalog.models import Category, Product
from blueprints.catalog.services import catalog_page, categories
from blueprints.catalog.views import chosen_variant
from blueprints.errors import DomainError, InvalidFields
from blueprints.forms import ActionForm
from blueprints.media.images import ImageRejected
from blueprints.money import current_rates
from blueprints.shops import bp
from blueprints.shops.forms import ListingForm, ListingPriceForm, ShopForm
from blueprints.shops.models import Listing
from blueprints.shops.services import (add_listing, allowed_prices, earnings, move_listing, open_shop,
                                       owner_listings, public_listing, remove_listing, set_featured,
                                       set_listing_price, set_logo, shop_by_slug, shop_of, shops_selling,
                                       storefront_listings, update_shop)
from blueprints.web import is_htmx, render, see_other, show_field_errors
from extensions import db, limiter


def _dashboard(shop, *, status=200, settings_form=None, price_forms=None):
    rates = current_rates()
    listings = owner_listings(shop)
    forms = {listing.id: ListingPriceForm(formdata=None, prefix=f"listing-{listing.id}", price=listing.price)
             for listing in listings}
    forms.update(price_forms or {})
    return render("shops/dashboard.html", block="listings", status=status, shop=shop, listings=listings,
                  price_forms=forms, settings_form=settings_form or ShopForm(obj=shop), action_form=ActionForm(),
                  earnings={listing.id: earnings(listing, rates) for listing in listings},
                  limits={listing.id: allowed_prices(listing.product, rates) for listing in listings})


@bp.route("/my/shop", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def my_shop():
    shop = shop_of(current_user)
    if shop is not None:
        return _dashboard(shop)
    form = ShopForm()
    if form.validate_on_submit():
        try:
            shop = open_shop(current_user, name=form.name.data, slug=form.slug.data, tagline=form.tagline.data or "")
            if form.logo.data:
                set_logo(current_user, shop, form.logo.data.stream)
        except InvalidFields as error:
            db.session.rollback()
            show_field_errors(form, error.errors)
        except ImageRejected as error:
            db.session.rollback()
            form.logo.errors = [*form.logo.errors, str(error)]
        else:
            db.session.commit()
            flash(_("Your shop is open. Add products from the catalog to start selling."), "success")
            return see_other(url_for("shops.add_products"))
    return render("shops/open.html", block="form", status=422 if form.is_submitted() else 200, form=form)


def _own_shop():
    return shop_of(current_user) or abort(404)


@bp.post("/my/shop/settings")
@login_required
def shop_settings():
    shop = _own_shop()
    form = ShopForm()
    if form.validate_on_submit():
        try:
            update_shop(current_user, shop, name=form.name.data, slug=form.slug.data, tagline=form.tagline.data or "")
            if form.logo.data:
                set_logo(current_user, shop, form.logo.data.stream)
            elif form.remove_logo.data and shop.logo_key:
                set_logo(current_user, shop, None)
        except InvalidFields as error:
            db.session.rollback()
            show_field_errors(form, error.errors)
        except ImageRejected as error:
            db.session.rollback()
            form.logo.errors = [*form.logo.errors, str(error)]
        else:
            db.session.commit()
            flash(_("Shop details saved."), "success")
            return see_other(url_for("shops.my_shop"))
    return _dashboard(_own_shop(), status=422, settings_form=form)


@bp.get("/my/shop/add")
@login_required
def add_products():
    shop = _own_shop()
    category = None
    if slug := request.args.get("category"):
        category = db.session.scalar(select(Category).where(Category.slug == slug)) or abort(404)
    page = catalog_page(category=category, page=request.args.get("page", 1, type=int))
    listed = set(db.session.scalars(select(Listing.product_id).where(Listing.shop_id == shop.id)))
    rates = current_rates()
    return render("shops/add.html", shop=shop, page=page, categories=categories(), category=category, listed=listed,
                  limits={product.id: allowed_prices(product, rates) for product in page.items},
                  forms={}, action_form=ActionForm())


@bp.post("/my/shop/listings")
@login_required
@limiter.limit("200 per hour")
def create_listing():
    shop = _own_shop()
    form = ListingForm()
    product = db.session.get(Product, request.form.get("product_id", type=int) or 0) or abort(404)
    if form.validate_on_submit():
        try:
            add_listing(current_user, shop, product, form.price.data, current_rates())
        except InvalidFields as error:
            show_field_errors(form, error.errors)
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(_("%(title)s is now in your shop.", title=product.title), "success")
            return see_other(request.form.get("back") if request.form.get("back", "").startswith("/my/shop/add")
                             else url_for("shops.my_shop"))
    rates = current_rates()
    page = catalog_page(category=None, page=1)
    listed = set(db.session.scalars(select(Listing.product_id).where(Listing.shop_id == shop.id)))
    return render("shops/add.html", status=422, shop=shop, page=page, categories=categories(), category=None,
                  listed=listed, limits={p.id: allowed_prices(p, rates) for p in [*page.items, product]},
                  forms={product.id: form}, failed_product=product, action_form=ActionForm())


def _listing(listing_id: int) -> Listing:
    return db.session.get(Listing, listing_id) or abort(404)


@bp.post("/my/shop/listings/<int:listing_id>/price")
@login_required
def listing_price(listing_id: int):
    listing = _listing(listing_id)
    form = ListingPriceForm(prefix=f"listing-{listing.id}")
    if form.validate_on_submit():
        try:
            set_listing_price(current_user, listing, form.price.data, current_rates())
        except InvalidFields as error:
            db.session.rollback()
            show_field_errors(form, error.errors)
        else:
            db.session.commit()
            flash(_("Price saved."), "success")
            return see_other(url_for("shops.my_shop"))
    return _dashboard(_own_shop(), status=422, price_forms={listing_id: form})


@bp.post("/my/shop/listings/<int:listing_id>/move")
@login_required
def move(listing_id: int):
    listing = _listing(listing_id)
    move_listing(current_user, listing, -1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    return _after_listing_change()


@bp.post("/my/shop/listings/<int:listing_id>/feature")
@login_required
def feature(listing_id: int):
    listing = _listing(listing_id)
    set_featured(current_user, listing, request.form.get("featured") == "1")
    db.session.commit()
    return _after_listing_change()


@bp.post("/my/shop/listings/<int:listing_id>/remove")
@login_required
def remove(listing_id: int):
    listing = _listing(listing_id)
    title = listing.product.title
    remove_listing(current_user, listing)
    db.session.commit()
    return _after_listing_change(_("%(title)s was removed from your shop.", title=title))


def _after_listing_change(message: str | None = None):
    """htmx gets the refreshed listings in place; a plain form goes back to the dashboard."""
    if is_htmx():
        return _dashboard(_own_shop())
    if message:
        flash(message, "success")
    return see_other(url_for("shops.my_shop"))


@bp.get("/shops/<slug>")
def storefront(slug: str):
    shop = shop_by_slug(slug) or abort(404)
    listings = storefront_listings(shop)
    return render("shops/storefront.html", shop=shop, listings=listings,
                  featured=[listing for listing in listings if listing.featured])


@bp.get("/shops/<slug>/p/<product_slug>")
def listing_page(slug: str, product_slug: str):
    shop = shop_by_slug(slug) or abort(404)
    listing = public_listing(shop, product_slug) or abort(404)
    product = listing.product
    return render("catalog/product.html", block="variant_panel", product=product, variant=chosen_variant(product),
                  price=listing.price, listings=shops_selling(product), shop=shop)
