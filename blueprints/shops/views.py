from urllib.parse import parse_qs, urlsplit

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from blueprints.bilingual import localized
from blueprints.cache import fragment_key, kept_fragments
from blueprints.shared_pages import shared_page
from blueprints.catalog.models import Category, Product
from blueprints.catalog.services import catalog_page, categories
from blueprints.catalog.views import PRODUCT_PAGE_PARAMETERS, render_product_page
from blueprints.forms import ActionForm, handle_form
from blueprints.media.images import ImageRejected
from blueprints.money import current_rates
from blueprints.reviews.track_records import track_record
from blueprints.shops import bp
from blueprints.shops.forms import ListingForm, ListingPriceForm, ShopForm
from blueprints.shops.models import Listing
from blueprints.shops.services import (add_listing, allowed_prices, earnings, listing_problem, move_listing,
                                       open_shop,
                                       owner_listings, public_listing_in_open_shop, remove_listing, set_featured,
                                       set_listing_price, set_logo, shop_by_slug, shop_of, storefront_cover_key,
                                       storefront_listings,
                                       update_shop)
from blueprints.web import is_htmx, render, see_other, succeeded, upload_limit
from extensions import db, limiter

LOGO_FIELD = {ImageRejected: "logo"}


def _english(form: ShopForm) -> dict:
    return {"name_en": form.name_en.data or "", "tagline_en": form.tagline_en.data or ""}


def _dashboard(shop, *, status=200, settings_form=None, price_forms=None, notice=None):
    rates = current_rates()
    listings = owner_listings(shop)
    forms = {listing.id: ListingPriceForm(formdata=None, prefix=f"listing-{listing.id}", price=listing.price)
             for listing in listings}
    forms.update(price_forms or {})
    return render("shops/dashboard.html", block="listings", status=status, shop=shop, listings=listings, notice=notice,
                  price_forms=forms, settings_form=settings_form or ShopForm(obj=shop), action_form=ActionForm(),
                  earnings={listing.id: earnings(listing, rates) for listing in listings},
                  problems={listing.id: listing_problem(listing, rates) for listing in listings},
                  limits={listing.id: allowed_prices(listing.product, rates) for listing in listings})


@bp.route("/my/shop", methods=["GET", "POST"])
@login_required
@upload_limit
@limiter.limit("10 per hour", methods=["POST"], deduct_when=succeeded)
def my_shop():
    shop = shop_of(current_user)
    if shop is not None:
        if request.method == "POST":
            # The open-a-shop form sent again from a tab left open: the shop is there, say so.
            flash(_("You already have a shop."), "info")
            return see_other(url_for("shops.my_shop"))
        return _dashboard(shop)
    form = ShopForm()

    def open_it():
        shop = open_shop(current_user, name=form.name.data, slug=form.slug.data, tagline=form.tagline.data or "",
                         **_english(form))
        if form.logo.data:
            set_logo(current_user, shop, form.logo.data.stream)

    def done(_result):
        flash(_("Your shop is open. Add products from the catalog to start selling."), "success")
        return see_other(url_for("shops.add_products"))

    return handle_form(form, open_it, done=done, fields=LOGO_FIELD,
                       page=lambda status: render("shops/open.html", block="form", status=status, form=form))


def _own_shop():
    return shop_of(current_user) or abort(404)


@bp.post("/my/shop/settings")
@login_required
@upload_limit
def shop_settings():
    shop = _own_shop()
    form = ShopForm()

    def save():
        update_shop(current_user, shop, name=form.name.data, slug=form.slug.data, tagline=form.tagline.data or "",
                    **_english(form))
        if form.logo.data:
            set_logo(current_user, shop, form.logo.data.stream)
        elif form.remove_logo.data and shop.logo_key:
            set_logo(current_user, shop, None)

    def done(_result):
        flash(_("Shop details saved."), "success")
        return see_other(url_for("shops.my_shop"))

    return handle_form(form, save, done=done, fields=LOGO_FIELD,
                       page=lambda status: _dashboard(_own_shop(), status=422, settings_form=form))


def _add_page(shop, *, category_slug=None, page_number=1, status=200, forms=None, failed_product=None):
    category = None
    if category_slug:
        category = db.session.scalar(select(Category).where(Category.slug == category_slug)) or abort(404)
    page = catalog_page(category=category, page=page_number)
    listed = set(db.session.scalars(select(Listing.product_id).where(Listing.shop_id == shop.id)))
    rates = current_rates()
    products = [*page.items, *([failed_product] if failed_product and failed_product not in page.items else [])]
    return render("shops/add.html", status=status, shop=shop, page=page, categories=categories(), category=category,
                  listed=listed, products=products, forms=forms or {},
                  limits={product.id: allowed_prices(product, rates) for product in products})


@bp.get("/my/shop/add")
@login_required
def add_products():
    return _add_page(_own_shop(), category_slug=request.args.get("category"),
                     page_number=request.args.get("page", 1, type=int))


@bp.post("/my/shop/listings")
@login_required
@limiter.limit("200 per hour", deduct_when=succeeded)
def create_listing():
    shop = _own_shop()
    form = ListingForm()
    product = db.session.get(Product, request.form.get("product_id", type=int) or 0) or abort(404)
    back = request.form.get("back", "")
    if not back.startswith("/my/shop/add"):
        back = url_for("shops.add_products")
    title = localized(product, "title")

    def done(_listing):
        flash(_("%(title)s is now in your shop.", title=title), "success")
        return see_other(back)

    def page(_status):
        # Back on the page the owner was looking at, with the typed price and its message.
        query = parse_qs(urlsplit(back).query)
        page_text = query.get("page", ["1"])[0]
        return _add_page(shop, category_slug=query.get("category", [None])[0],
                         page_number=int(page_text) if page_text.isdigit() else 1, status=422,
                         forms={product.id: form}, failed_product=product)

    return handle_form(form, lambda: add_listing(current_user, shop, product, form.price.data, current_rates()),
                       done=done, page=page)


def _listing(listing_id: int) -> Listing:
    return db.session.get(Listing, listing_id) or abort(404)


@bp.post("/my/shop/listings/<int:listing_id>/price")
@login_required
def listing_price(listing_id: int):
    listing = _listing(listing_id)
    form = ListingPriceForm(prefix=f"listing-{listing.id}")

    def done(_result):
        flash(_("Price saved."), "success")
        return see_other(url_for("shops.my_shop"))

    return handle_form(form, lambda: set_listing_price(current_user, listing, form.price.data, current_rates()),
                       done=done, page=lambda status: _dashboard(_own_shop(), status=422,
                                                                 price_forms={listing_id: form}))


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
    title = localized(listing.product, "title")
    remove_listing(current_user, listing)
    db.session.commit()
    return _after_listing_change(_("%(title)s was removed from your shop.", title=title))


def _after_listing_change(message: str | None = None):
    """htmx gets the refreshed listings in place; a plain form goes back to the dashboard."""
    if is_htmx():
        return _dashboard(_own_shop(), notice=message)
    if message:
        flash(message, "success")
    return see_other(url_for("shops.my_shop"))


# A storefront's grid outlives a version bump lost while Redis was unreachable at most this long (others' fragments
# an hour): it shows prices and what is for sale.
GRID_SECONDS = 300


@bp.get("/shops/<slug>")
@shared_page
def storefront(slug: str):
    shop = shop_by_slug(slug) or abort(404)
    # Its grid shows listings, products, suppliers and stock, each of which bumps the catalog's version, and
    # prices checked against the platform's rates.
    grid_key = fragment_key("catalog", 0, "storefront", shop.id, current_rates())
    grid = kept_fragments([grid_key]).get(grid_key) if grid_key is not None else None
    listings = [] if grid is not None else storefront_listings(shop)
    # Its preview shows the logo, else the first product picture (read apart when the grid is kept).
    cover_key = None if shop.logo_key else storefront_cover_key(shop, listings if grid is None else None)
    return render("shops/storefront.html", shop=shop, listings=listings, cover_key=cover_key,
                  grid=Markup(grid) if grid is not None else None, grid_key=grid_key, grid_seconds=GRID_SECONDS,
                  featured=[listing for listing in listings if listing.featured], record=track_record("shop", shop.id))


@bp.get("/shops/<slug>/p/<product_slug>")
@shared_page(reads=PRODUCT_PAGE_PARAMETERS, item=lambda slug, product_slug: ("product-page", product_slug))
def listing_page(slug: str, product_slug: str):
    listing = public_listing_in_open_shop(slug, product_slug) or abort(404)
    return render_product_page(listing.product, shop=listing.shop, price=listing.price)
