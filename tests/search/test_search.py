"""Search finds Chinese and English on both engines, follows edits, and the catalog's facet counts are right."""
import re

import pytest
from sqlalchemy import delete

from blueprints.accounts.models import User
from blueprints.catalog.models import Category, Product, ProductStatus
from blueprints.catalog.services import ProductDetails, change_status, update_product
from blueprints.search.models import SearchDocument
from blueprints.search.services import CatalogFilters, browse, search_prototypes
from blueprints.suppliers.models import Supplier, SupplierStatus
from extensions import db

pytestmark = pytest.mark.all_databases


def titles(filters: CatalogFilters) -> list[str]:
    page, _facets = browse(filters)
    return [product.title for product in page.items]


def test_finds_chinese_inside_words_and_english_whatever_the_case(ctx, make_supplier, make_product):
    supplier = make_supplier()
    make_product(supplier, "不锈钢保温杯 500ml")
    make_product(supplier, "Stoneware Mugs, set of two")
    make_product(supplier, "Bamboo cutting board")
    assert titles(CatalogFilters(query="保温杯")) == ["不锈钢保温杯 500ml"]
    assert titles(CatalogFilters(query="mug")) == ["Stoneware Mugs, set of two"]
    assert titles(CatalogFilters(query="MUGS stoneware")) == ["Stoneware Mugs, set of two"]
    assert titles(CatalogFilters(query="杯")) == ["不锈钢保温杯 500ml"]  # shorter than a trigram
    assert titles(CatalogFilters(query="mugs bamboo")) == []  # every word must match
    assert titles(CatalogFilters(query="teapot")) == []


def test_odd_input_is_just_text(ctx, make_supplier, make_product):
    make_product(make_supplier(), "100% linen apron")
    for query in ['"', "100%", "linen OR", "a_b", "NEAR(linen", "*", "'; drop table products; --", "（亚麻）"]:
        browse(CatalogFilters(query=query))  # no error from the engine
    assert titles(CatalogFilters(query="100%")) == ["100% linen apron"]
    assert titles(CatalogFilters(query="linen AND")) == []  # AND is a word here, not an operator


def test_ranking_puts_title_matches_first(ctx, make_supplier, make_product):
    supplier = make_supplier()
    with_word_in_body = make_product(supplier, "Serving plate")
    make_product(supplier, "Celadon teapot")
    product = db.session.get(Product, with_word_in_body.id)
    update_product(db.session.get(User, supplier.member.id), product, ProductDetails(
        title=product.title, description="Goes well with a teapot.", category_id=product.category_id,
        supply_price=product.supply_price, suggested_price=product.suggested_price, min_price=product.min_price,
        max_price=product.max_price))
    db.session.commit()
    assert titles(CatalogFilters(query="teapot")) == ["Celadon teapot", "Serving plate"]


def test_the_index_follows_edits_and_hides_what_the_public_may_not_see(ctx, make_supplier, make_product):
    supplier = make_supplier()
    product = make_product(supplier, "Linen tea towel")
    member = db.session.get(User, supplier.member.id)
    product = db.session.get(Product, product.id)
    update_product(member, product, ProductDetails(
        title="Cotton tea towel", description="", category_id=product.category_id,
        supply_price=product.supply_price, suggested_price=product.suggested_price, min_price=product.min_price,
        max_price=product.max_price))
    db.session.commit()
    assert titles(CatalogFilters(query="cotton")) == ["Cotton tea towel"]
    assert titles(CatalogFilters(query="linen")) == []
    change_status(member, product, ProductStatus.RETIRED)
    db.session.commit()
    assert titles(CatalogFilters(query="cotton")) == []
    change_status(member, product, ProductStatus.ACTIVE)
    db.session.get(Supplier, supplier.id).status = SupplierStatus.SUSPENDED
    db.session.commit()
    assert titles(CatalogFilters(query="cotton")) == []


def test_renaming_a_supplier_or_category_reindexes_their_items(ctx, make_supplier, make_product, make_category):
    from blueprints.catalog.models import Category

    kitchen = make_category("kitchen", "Kitchen", "厨房")
    supplier = make_supplier("Plain Works")
    make_product(supplier, "Teapot", category_id=kitchen)
    db.session.get(Supplier, supplier.id).name = "Jingdezhen Clay"
    db.session.get(Category, kitchen).name_zh = "厨房用品"
    db.session.commit()
    assert titles(CatalogFilters(query="jingdezhen")) == titles(CatalogFilters(query="厨房用品")) == ["Teapot"]
    assert titles(CatalogFilters(query="plain works")) == []


def test_prototypes_are_searched_too_but_not_drafts(ctx, make_supplier, make_prototype):
    supplier = make_supplier()
    make_prototype(supplier, "竹纤维便当盒 Bamboo lunch box")
    make_prototype(supplier, "Bamboo tea tray", open_it=False)
    assert [p.title for p in search_prototypes("便当")] == ["竹纤维便当盒 Bamboo lunch box"]
    assert [p.title for p in search_prototypes("bamboo")] == ["竹纤维便当盒 Bamboo lunch box"]


def test_flask_reindex_rebuilds_the_index(app, make_supplier, make_product, make_prototype):
    supplier = make_supplier()
    make_product(supplier, "Cast iron teapot")
    make_prototype(supplier, "Travel tea set")
    with app.app_context():
        db.session.execute(delete(SearchDocument))
        db.session.commit()
        assert titles(CatalogFilters(query="teapot")) == []
    result = app.test_cli_runner().invoke(args=["reindex"])
    assert "Indexed 2" in result.output
    with app.app_context():
        assert titles(CatalogFilters(query="teapot")) == ["Cast iron teapot"]
        assert [p.title for p in search_prototypes("travel")] == ["Travel tea set"]


def test_facet_counts_follow_the_query_and_the_other_filters(ctx, make_supplier, make_product, make_category):
    kitchen, textiles = make_category("kitchen", "Kitchen", "厨房"), make_category("textiles", "Textiles", "布艺")
    cups = make_category("cups", "Cups", "杯子", parent_id=kitchen)
    north, south = make_supplier("North Works"), make_supplier("South Works")
    make_product(north, "Tea cup", category_id=cups, suggested_price=4500, min_price=4500)
    make_product(north, "Tea towel", category_id=textiles, suggested_price=6900, stock=0)
    make_product(south, "Tea caddy", category_id=kitchen, suggested_price=15000, max_price=15000)
    make_product(south, "Coffee cup", category_id=cups)
    _page, facets = browse(CatalogFilters(query="tea"))
    assert facets.categories == {kitchen: 2, cups: 1, textiles: 1}  # a parent counts its children
    assert {name: count for _id, name, count in facets.suppliers} == {"North Works": 2, "South Works": 1}
    assert facets.prices == {"under-50": 1, "50-100": 1, "100-200": 1}
    assert (facets.in_stock, facets.codesigned) == (2, 0)

    kitchen_category = db.session.get(Category, kitchen)
    page, facets = browse(CatalogFilters(query="tea", category=kitchen_category))
    assert sorted(p.title for p in page.items) == ["Tea caddy", "Tea cup"]
    # The category facet ignores the chosen category (so the others stay choosable) but not the query.
    assert facets.categories == {kitchen: 2, cups: 1, textiles: 1}
    assert {name: count for _id, name, count in facets.suppliers} == {"North Works": 1, "South Works": 1}

    page, facets = browse(CatalogFilters(query="tea", supplier_id=north.id, in_stock=True))
    assert [p.title for p in page.items] == ["Tea cup"]
    # Words and two more choices are a rare combination: counted among its own matches only (a bound on
    # what a crawler following every facet costs), so the other suppliers' counts are not offered.
    assert facets.in_stock == 1 and {name: n for _i, name, n in facets.suppliers} == {"North Works": 1}
    assert page.total == 1
    assert titles(CatalogFilters(query="tea", sort="price-high")) == ["Tea caddy", "Tea towel", "Tea cup"]
    assert titles(CatalogFilters(price="100-200")) == ["Tea caddy"]


def test_catalog_and_search_pages(client, app, make_supplier, make_product, make_prototype):
    supplier = make_supplier()
    make_product(supplier, "不锈钢保温杯 500ml")
    make_prototype(supplier, "保温杯盖 prototype")
    page = client.get("/search?q=保温杯").get_data(as_text=True)
    assert "不锈钢保温杯 500ml" in page and "保温杯盖 prototype" in page
    fragment = client.get("/search?q=保温杯", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "不锈钢保温杯 500ml" in fragment and "<html" not in fragment
    catalog = client.get("/catalog?q=保温&in_stock=1&sort=price-low").get_data(as_text=True)
    assert "不锈钢保温杯 500ml" in catalog and re.search(r"1 product\b", catalog)
    assert 'value="保温"' in catalog  # the query stays in the box
    assert client.get("/catalog?category=nope").status_code == 404
    assert client.get("/search?q=" + "x" * 500).status_code == 200


def test_searching_as_you_type_gets_only_the_results_block(client, make_supplier, make_product):
    make_product(make_supplier(), "Steel flask")
    page = client.get("/search").get_data(as_text=True)
    assert 'hx-target="#search-results"' in page and "hx-select" not in page
    assert '<form class="catalog-search" method="get" action="/search"' in page  # without JavaScript too
    response = client.get("/search?q=flask", headers={"HX-Request": "true", "HX-Request-Type": "partial"})
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment and "Steel flask" in fragment
    assert fragment.lstrip().startswith('<div id="search-results"')
    assert "<title>Search: flask · Shelfmade</title>" in fragment  # htmx puts it in document.title


def test_two_chinese_characters_are_found_through_the_index(ctx, make_supplier, make_product):
    from blueprints.search.services import cjk_pairs

    supplier = make_supplier()
    make_product(supplier, "功夫茶具套装")
    make_product(supplier, "Bamboo tea tray 竹茶盘")
    assert cjk_pairs("功夫茶具 abc 竹") == "功夫‖ 夫茶‖ 茶具‖"
    assert titles(CatalogFilters(query="茶具")) == ["功夫茶具套装"]
    assert titles(CatalogFilters(query="茶盘 bamboo")) == ["Bamboo tea tray 竹茶盘"]
    assert titles(CatalogFilters(query="具套")) == ["功夫茶具套装"]
    assert titles(CatalogFilters(query="茶具 tray")) == []


def test_the_search_page_ranks_a_few_candidates_but_counts_every_match(client, app, ctx, make_supplier,
                                                                       make_product, make_prototype):
    from blueprints.search.models import DocumentKind
    from blueprints.search.services import matches

    supplier = make_supplier()
    for n in range(5):
        make_product(supplier, f"Linen tote no. {n}")
    make_prototype(supplier, "Linen tote prototype")
    ranked = db.session.execute(db.select(matches("linen", DocumentKind.PRODUCT, candidates=3))).all()
    assert len(ranked) == 3
    assert len(db.session.execute(db.select(matches("linen", DocumentKind.PRODUCT))).all()) == 5

    app.config["SEARCH_CANDIDATES"] = 3
    page = client.get("/search?q=linen+tote").get_data(as_text=True)
    assert page.count("Linen tote no.") == 3 and "Linen tote prototype" in page
    assert "All 5 matching products, with filters" in page
    assert client.get("/catalog?q=linen").get_data(as_text=True).count("Linen tote no.") == 5


def test_the_price_sort_uses_the_price_the_card_shows(client, ctx, make_supplier, make_product, make_shop):
    from blueprints.money import current_rates
    from blueprints.shops.models import Shop
    from blueprints.shops.services import add_listing

    supplier = make_supplier()
    sold_for_less = make_product(supplier, "Teapot sold for less in a shop", suggested_price=6900)
    make_product(supplier, "Teapot at its suggested price", suggested_price=6000)
    make_product(supplier, "Dearer teapot", suggested_price=9000, max_price=9900)
    shop = db.session.get(Shop, make_shop())
    add_listing(db.session.get(User, shop.owner_id), shop, db.session.get(Product, sold_for_less.id), 5500,
                current_rates())
    db.session.commit()
    assert titles(CatalogFilters(query="teapot", sort="price-low")) == [
        "Teapot sold for less in a shop", "Teapot at its suggested price", "Dearer teapot"]
    assert titles(CatalogFilters(sort="price-high")) == [
        "Dearer teapot", "Teapot at its suggested price", "Teapot sold for less in a shop"]
    page = client.get("/catalog?sort=price-low").get_data(as_text=True)
    prices = re.findall(r'class="product-card__price">([^<]+)<', page)
    assert "55.00" in prices[0] and "60.00" in prices[1] and "90.00" in prices[2]


def test_a_search_that_finds_nothing_suggests_spellings_and_popular_categories(
        client, ctx, make_supplier, make_product, make_category):
    from blueprints.search.services import did_you_mean, popular_categories

    kitchen, textiles = make_category("kitchen", "Kitchen", "厨房"), make_category("textiles", "Textiles", "布艺")
    supplier = make_supplier()
    make_product(supplier, "Cast iron teapot", category_id=kitchen)
    make_product(supplier, "不锈钢保温杯", category_id=kitchen)
    make_product(supplier, "Linen tea towel", category_id=textiles)
    assert did_you_mean("teapto") == ["teapot"]
    assert did_you_mean("linnen towel") == ["linen towel"]
    assert did_you_mean("保温被") == ["保温杯"]
    assert did_you_mean("xqzv") == []
    assert [category.slug for category in popular_categories()] == ["kitchen", "textiles"]

    page = client.get("/search?q=teapto").get_data(as_text=True)
    assert "Did you mean:" in page and 'href="/search?q=teapot"' in page
    assert 'href="/catalog?category=kitchen"' in page and 'href="/catalog?category=textiles"' in page
    found = client.get("/search?q=teapot").get_data(as_text=True)
    assert "Did you mean" not in found and "Cast iron teapot" in found
    catalog = client.get("/catalog?q=teapto&sort=price-low").get_data(as_text=True)
    assert "Did you mean:" in catalog and 'href="/catalog?q=teapot&amp;sort=price-low"' in catalog
