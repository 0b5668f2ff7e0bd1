from flask import current_app, request

from blueprints.shared_pages import shared_page
from blueprints.search import bp
from blueprints.search.services import (CatalogFilters, browse, did_you_mean, popular_categories, search_prototypes,
                                        terms_of)
from blueprints.shops.services import lowest_listing_prices
from blueprints.web import render
from extensions import limiter


@bp.get("/search")
@limiter.limit(lambda: current_app.config["SEARCH_RATE_LIMIT"])
@shared_page(reads=("q",), shows=("catalog", "codesign"))
def search():
    query = request.args.get("q", "").strip()[:100]
    products, prototypes, spellings, popular = None, [], [], []
    if terms_of(query):
        candidates = current_app.config["SEARCH_CANDIDATES"]
        products, _ = browse(CatalogFilters(query=query, sort="relevance"), per_page=8, with_facets=False,
                             candidates=candidates)
        prototypes = search_prototypes(query, candidates=candidates)
        if not products.total and not prototypes:
            spellings, popular = did_you_mean(query), popular_categories()
    return render("search/results.html", block="results", query=query, products=products, prototypes=prototypes,
                  spellings=spellings, popular=popular,
                  lowest_prices=lowest_listing_prices([product.id for product in products.items] if products else []))
