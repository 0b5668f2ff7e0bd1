"""The public catalog: every active product of a verified supplier."""
from flask import abort, request
from flask_login import current_user
from sqlalchemy import select

from blueprints.catalog import bp
from blueprints.catalog.models import Category, Product
from blueprints.catalog.services import catalog_page, categories, product_for_page
from blueprints.shops.services import shops_selling
from blueprints.web import render
from extensions import db


@bp.get("/catalog")
def catalog():
    category = None
    if slug := request.args.get("category"):
        category = db.session.scalar(select(Category).where(Category.slug == slug)) or abort(404)
    page = catalog_page(category=category, page=request.args.get("page", 1, type=int))
    return render("catalog/catalog.html", categories=categories(), category=category, page=page)


def chosen_variant(product: Product):
    """The variant asked for in ?variant=, else the first one in stock, else the first."""
    wanted = request.args.get("variant", type=int)
    for variant in product.variants:
        if variant.id == wanted:
            return variant
    in_stock = [variant for variant in product.variants if variant.stock_on_hand > 0]
    return (in_stock or product.variants or [None])[0]


@bp.get("/p/<slug>")
def product(slug: str):
    product = product_for_page(slug, current_user) or abort(404)
    return render("catalog/product.html", block="variant_panel", product=product, variant=chosen_variant(product),
                  price=product.suggested_price, listings=shops_selling(product), shop=None)
