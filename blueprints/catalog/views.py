"""The public catalog: every active product of a verified supplier."""
from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2_fragments.flask import render_block
from markupsafe import Markup
from sqlalchemy import select

from blueprints.cache import fragment_key, kept_fragments
from blueprints.shared_pages import renders_personal_part, shared_page, sharing_page
from blueprints.catalog import bp
from blueprints.catalog.models import Category, Product
from blueprints.catalog.services import categories, is_public, product_for_page, product_has
from blueprints.search.services import PRICE_BUCKETS, SORTS, CatalogFilters, browse, did_you_mean
from blueprints.money import current_rates, format_money, where_money_goes
from blueprints.codesign.services.launch import co_design_story
from blueprints.orders.early_bird import early_bird_offer
from blueprints.orders.forms import AddToCartForm
from blueprints.recommendations.services import also_chosen_for, also_chosen_with
from blueprints.reviews.services import SORTS as REVIEW_SORTS
from blueprints.reviews.track_records import track_record
from blueprints.reviews.services import NO_REVIEWS, helpful_votes_of, reviews_of_product, summary
from blueprints.shops.services import lowest_listing_prices, shops_selling
from blueprints.teams.services import NO_TEAM_PANEL, team_panel
from blueprints.web import query_int, render, wants_fragment
from extensions import db


SORT_NAMES = {"relevance": _l("Best match"), "newest": _l("Newest"), "price-low": _l("Price: low to high"),
              "price-high": _l("Price: high to low"), "popular": _l("Most bought")}


@bp.app_template_global()
def sort_name(key: str) -> str:
    return SORT_NAMES[key]


@bp.app_template_global()
def price_name(key: str) -> str:
    low, high = PRICE_BUCKETS[key]
    if not low:
        return _("Under %(price)s", price=format_money(high, whole=True))
    if high is None:
        return _("%(price)s and up", price=format_money(low, whole=True))
    return _("%(low)s to %(high)s", low=format_money(low, whole=True), high=format_money(high, whole=True))


CATALOG_PARAMETERS = ("q", "category", "supplier", "price", "in_stock", "codesigned", "sort", "page")


def catalog_filters() -> CatalogFilters:
    """The catalog's filters from the query string; unknown values are ignored rather than refused."""
    category = None
    if slug := request.args.get("category"):
        category = db.session.scalar(select(Category).where(Category.slug == slug)) or abort(404)
    return CatalogFilters(query=request.args.get("q", "").strip()[:100], category=category,
                          supplier_id=query_int("supplier"), price=request.args.get("price"),
                          in_stock=request.args.get("in_stock") == "1",
                          codesigned=request.args.get("codesigned") == "1",
                          sort=request.args.get("sort", ""), page=query_int("page", 1))


def filter_args(filters: CatalogFilters) -> dict:
    """The filters as query arguments (None where unset), so each facet link changes one thing and keeps the rest."""
    return {"q": filters.query or None, "category": filters.category.slug if filters.category else None,
            "supplier": filters.supplier_id, "price": filters.price,
            "in_stock": "1" if filters.in_stock else None, "codesigned": "1" if filters.codesigned else None,
            "sort": filters.sort if filters.sort != "relevance" else None}


@bp.get("/catalog")
@shared_page(reads=CATALOG_PARAMETERS)
def catalog():
    filters = catalog_filters()
    page, facets = browse(filters)
    if page.page > max(page.pages, 1):
        abort(404)
    spellings = did_you_mean(filters.query) if filters.query and not page.total else []
    return render("catalog/catalog.html", block="results", categories=categories(), filters=filters, page=page,
                  spellings=spellings,
                  filter_args=filter_args(filters), facets=facets, price_buckets=PRICE_BUCKETS, sorts=SORTS,
                  lowest_prices=lowest_listing_prices([product.id for product in page.items]))


def chosen_variant(product: Product):
    """The variant asked for in ?variant=, else the first one in stock, else the first."""
    wanted = query_int("variant")
    for variant in product.variants:
        if variant.id == wanted:
            return variant
    in_stock = [variant for variant in product.variants if variant.stock_on_hand > 0]
    return (in_stock or product.variants or [None])[0]


def reviews_context(product: Product) -> dict:
    """The product's reviews as its pages show them: the same on the catalog's page and every shop's."""
    sort = request.args.get("reviews", "newest")
    sort = sort if sort in REVIEW_SORTS else "newest"
    # Most products have no review yet: loading the product said so, else the summary (folded ones included).
    counted = summary(product.id) if product_has(product, "reviewed") else NO_REVIEWS
    items = reviews_of_product(product.id, sort=sort) if counted.count or counted.hidden else []
    return {"summary": counted, "shown": items, "sort": sort,
            "voted": helpful_votes_of(current_user, [review.id for review in items])}


def main_picture(product: Product, variant):
    """The picture asked for in ?image=, else the chosen variant's own, else the product's first."""
    shown = query_int("image")
    if shown is not None and shown < len(product.images):
        return product.images[shown]
    return (variant and variant.picture_among(product.images)) or product.cover


PRODUCT_PAGE_PARAMETERS = ("variant", "image", "reviews")  # what render_product_page reads
ALSO_HEADING = _l("People who bought this also liked")


def render_product_page(product: Product, *, shop=None, price: int, variant=None, status: int = 200,
                        add_form=None, added: bool = False):
    """The product page (or its variant panel, for htmx), from the catalog or as a shop sells it."""
    variant = variant or chosen_variant(product)
    add_form = add_form or AddToCartForm(formdata=None, variant_id=variant.id if variant else None,
                                         shop_id=shop.id if shop else None)
    main_image = main_picture(product, variant)
    from_prototype = product_has(product, "from_prototype")  # READ_WITH_PRODUCT: parts it has, if any
    offer = early_bird_offer(current_user, product) if shop is None and from_prototype else None
    fragment = wants_fragment()
    # A shared copy leaves "also liked" to a personal part (also_chosen, below): it is the viewer's own.
    also = [] if fragment or sharing_page() else also_chosen_with(product, current_user, shop=shop)
    response = render("catalog/product.html", block="variant_panel", status=status, product=product, variant=variant,
                    price=price, listings=shops_selling(product) if shop is None and product_has(product, "listed") else [],
                    shop=shop, add_form=add_form, added=added, main_image=main_image, offer=offer,
                    story=co_design_story(product) if from_prototype else None, for_sale=is_public(product),
                    also=also, also_heading=ALSO_HEADING,
                    **(team_panel(product, shop) if product_has(product, "team_offer") else NO_TEAM_PANEL),
                    reviews=None if fragment else reviews_context(product),
                    split=where_money_goes(price, product.supply_price, current_rates(), through_shop=shop is not None),
                    **({} if fragment else supplier_line(product)))
    if fragment and request.method == "GET":
        # Choosing a variant may change the picture too, which sits outside the variant panel.
        response.set_data(response.get_data(as_text=True) + "\n" + render_block(
            "catalog/product.html", "gallery", oob=True, product=product, variant=variant, main_image=main_image))
    return response


def supplier_line(product: Product) -> dict:
    """The page's line of the supplier's track record: the same on all their products, so kept under the catalog's
    version (the track-record job's run bumps it), and the record read only when the line is not."""
    key = fragment_key("catalog", 0, "supplier-record-line", product.supplier_id)
    kept = kept_fragments([key]).get(key) if key is not None else None
    return {"supplier_line_key": key, "kept_supplier_line": Markup(kept) if kept is not None else None,
            "supplier_record": track_record("supplier", product.supplier_id) if kept is None else None}


# The product page's personal parts (blueprints/shared_pages.py).

@renders_personal_part("early_bird")
def early_bird_part(product_id: int) -> str:
    offer = early_bird_offer(current_user, db.session.get(Product, product_id))
    return render_block("catalog/product.html", "early_bird", offer=offer, shop=None) if offer else ""


@renders_personal_part("also_chosen")
def also_chosen_part(product_id: int, shop_id: int | None) -> str:
    return render_block("catalog/product.html", "also", also_heading=ALSO_HEADING,
                        also=also_chosen_for(("product", product_id), current_user, shop_id=shop_id))


@bp.get("/p/<slug>")
@shared_page(reads=PRODUCT_PAGE_PARAMETERS, item=lambda slug: ("product-page", slug))
def product(slug: str):
    product = product_for_page(slug, current_user) or abort(404)
    return render_product_page(product, price=product.suggested_price)
