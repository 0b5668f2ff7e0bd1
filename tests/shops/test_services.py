import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, ProductStatus
from blueprints.catalog.services import change_status
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.money import Rates, listing_price_floor, shop_earnings_per_unit
from blueprints.shops.models import Listing, Shop
from blueprints.shops.services import (add_listing, allowed_prices, move_listing, open_shop, owner_listings,
                                       remove_listing, set_featured, set_listing_price, storefront_listings)
from blueprints.suppliers.models import Supplier, SupplierAction
from blueprints.suppliers.services import decide
from extensions import db

RATES = Rates(commission_bp=800, referral_bp=300)


def user(account) -> User:
    return db.session.get(User, account.id)


@given(supply=st.integers(1, 10_000_000), commission=st.integers(0, 3000), referral=st.integers(0, 3000),
       quantity=st.integers(1, 500))
@settings(max_examples=300)
def test_at_the_floor_a_shop_never_loses_on_any_quantity(supply, commission, referral, quantity):
    rates = Rates(commission, referral)
    floor = listing_price_floor(supply, rates)
    total = floor * quantity
    kept = total - supply * quantity - total * commission // 10_000 - total * referral // 10_000
    assert kept >= 0
    assert shop_earnings_per_unit(floor, supply, rates, referred=True) >= 0
    # and one fen less would lose money on some quantity: the floor is the smallest such price
    below = floor - 1
    assert below * (10_000 - commission - referral) < supply * 10_000


pytestmark_db = pytest.mark.all_databases


@pytestmark_db
def test_one_shop_per_user_with_a_unique_valid_address(ctx, make_user):
    mei, lin = make_user(), make_user()
    shop = open_shop(user(mei), name="Mei's Corner", slug="Mei-Corner ", tagline="Good things")
    assert shop.slug == "mei-corner"
    with pytest.raises(DomainError):
        open_shop(user(mei), name="Second", slug="second")
    with pytest.raises(InvalidFields) as error:
        open_shop(user(lin), name="Lin", slug="mei-corner")
    assert "slug" in error.value.errors
    with pytest.raises(InvalidFields) as error:
        open_shop(user(lin), name=" ", slug="has spaces!")
    assert set(error.value.errors) == {"name", "slug"}


@pytestmark_db
def test_a_listing_price_must_be_inside_the_band_and_above_the_floor(ctx, make_user, make_supplier, make_product):
    product = db.session.get(Product, make_product(make_supplier(), supply_price=9000, min_price=9000,
                                                   suggested_price=12000, max_price=15000).id)
    owner = make_user()
    shop = open_shop(user(owner), name="Shop", slug="shop")
    limits = allowed_prices(product, RATES)
    assert limits.lowest == listing_price_floor(9000, RATES) == 10113 and limits.highest == 15000
    for price in (10112, 15001, None):
        with pytest.raises(InvalidFields) as error:
            add_listing(user(owner), shop, product, price, RATES)
        assert "¥101.13" in str(error.value.errors["price"]) and "¥150.00" in str(error.value.errors["price"])
    listing = add_listing(user(owner), shop, product, 10113, RATES)
    assert shop_earnings_per_unit(listing.price, 9000, RATES, referred=True) >= 0
    with pytest.raises(DomainError):
        add_listing(user(owner), shop, product, 12000, RATES)


@pytestmark_db
def test_only_the_owner_changes_a_shop(ctx, make_user, make_supplier, make_product):
    product = db.session.get(Product, make_product(make_supplier()).id)
    owner, stranger = make_user(), make_user()
    shop = open_shop(user(owner), name="Shop", slug="shop")
    with pytest.raises(AccessDenied):
        add_listing(user(stranger), shop, product, 6900, RATES)
    listing = add_listing(user(owner), shop, product, 6900, RATES)
    for action in (lambda: set_listing_price(user(stranger), listing, 7000, RATES),
                   lambda: move_listing(user(stranger), listing, 1),
                   lambda: set_featured(user(stranger), listing, True),
                   lambda: remove_listing(user(stranger), listing)):
        with pytest.raises(AccessDenied):
            action()
    assert listing.price == 6900 and not listing.featured


@pytestmark_db
def test_a_shop_cannot_list_a_draft_or_a_suspended_suppliers_product(ctx, make_user, make_supplier, make_product,
                                                                     admin):
    owner = make_user()
    supplier = make_supplier()
    draft = db.session.get(Product, make_product(supplier, "Draft", active=False).id)
    active = db.session.get(Product, make_product(supplier, "Active").id)
    shop = open_shop(user(owner), name="Shop", slug="shop")
    with pytest.raises(DomainError):
        add_listing(user(owner), shop, draft, 6900, RATES)
    decide(user(admin), db.session.get(Supplier, supplier.id), SupplierAction.SUSPEND, "Review")
    with pytest.raises(DomainError):
        add_listing(user(owner), shop, active, 6900, RATES)


@pytestmark_db
def test_listings_hide_while_retired_or_suspended_and_come_back(ctx, make_user, make_supplier, make_product, admin):
    owner = make_user()
    supplier = make_supplier()
    product = db.session.get(Product, make_product(supplier).id)
    shop = open_shop(user(owner), name="Shop", slug="shop")
    add_listing(user(owner), shop, product, 6900, RATES)
    assert len(storefront_listings(shop)) == 1

    change_status(user(supplier.member), product, ProductStatus.RETIRED)
    assert storefront_listings(shop) == [] and len(owner_listings(shop)) == 1
    change_status(user(supplier.member), product, ProductStatus.ACTIVE)
    assert len(storefront_listings(shop)) == 1

    decide(user(admin), db.session.get(Supplier, supplier.id), SupplierAction.SUSPEND, "Review")
    assert storefront_listings(shop) == []
    decide(user(admin), db.session.get(Supplier, supplier.id), SupplierAction.REINSTATE)
    assert len(storefront_listings(shop)) == 1


@pytestmark_db
def test_reorder_feature_and_remove(ctx, make_user, make_supplier, make_product):
    owner = make_user()
    supplier = make_supplier()
    products = [db.session.get(Product, make_product(supplier, title).id) for title in ("A", "B", "C")]
    shop = open_shop(user(owner), name="Shop", slug="shop")
    a, b, c = (add_listing(user(owner), shop, product, 6900, RATES) for product in products)
    move_listing(user(owner), c, -1)
    assert [l.product.title for l in owner_listings(shop)] == ["A", "C", "B"]
    move_listing(user(owner), a, -1)  # already first: nothing moves
    assert [l.product.title for l in owner_listings(shop)] == ["A", "C", "B"]
    set_featured(user(owner), b, True)
    remove_listing(user(owner), a)
    assert [(l.product.title, l.featured) for l in owner_listings(shop)] == [("C", False), ("B", True)]
    assert db.session.scalar(db.select(db.func.count(Listing.id))) == 2
    assert db.session.scalar(db.select(db.func.count(Shop.id))) == 1


@pytestmark_db
def test_a_listing_the_supplier_repriced_out_of_its_range_is_hidden_until_the_owner_reprices(
        ctx, make_user, make_supplier, make_product):
    from blueprints.catalog.services import ProductDetails, update_product
    from blueprints.shops.services import listing_problem

    supplier = make_supplier()
    product = db.session.get(Product, make_product(supplier).id)
    owner = make_user()
    shop = open_shop(user(owner), name="Shop", slug="shop")
    listing = add_listing(user(owner), shop, product, 6000, RATES)
    update_product(user(supplier.member), product, ProductDetails(
        title=product.title, description="", category_id=product.category_id, supply_price=6000,
        suggested_price=9000, min_price=7000, max_price=12000))
    assert storefront_listings(shop) == []
    assert "¥70.00" in str(listing_problem(listing, RATES))
    set_listing_price(user(owner), listing, 8000, RATES)
    assert storefront_listings(shop) == [listing] and listing_problem(listing, RATES) is None


@pytestmark_db
def test_a_shops_product_page_reads_its_listing_and_open_shop_in_one_statement(ctx, make_user, make_supplier,
                                                                               make_product):
    from sqlalchemy import event

    from blueprints.accounts.recovery import anonymise_account
    from blueprints.shops.services import public_listing, public_listing_in_open_shop

    supplier = make_supplier()
    product = db.session.get(Product, make_product(supplier).id)
    unlisted = db.session.get(Product, make_product(supplier, "Tea tin").id)
    owner, other_owner = make_user(), make_user()
    shop = open_shop(user(owner), name="Shop", slug="shop")
    open_shop(user(other_owner), name="Other", slug="other")
    listing_id = add_listing(user(owner), shop, product, 6900, RATES).id
    slug, unlisted_slug = product.slug, unlisted.slug
    db.session.commit()
    db.session.expunge_all()

    statements = []
    event.listen(db.session.connection(), "before_cursor_execute", lambda *args: statements.append(args[2]))
    found = public_listing_in_open_shop("shop", slug)
    assert found.id == listing_id and found.shop.slug == "shop" and found.price == 6900
    assert [variant.sku for variant in found.product.variants] and found.product.supplier.slug
    # The listing with its product, supplier and open shop, then the product's variants.
    assert len(statements) == 2 and "FROM variants" in statements[1]
    assert public_listing(found.shop, slug).id == listing_id

    assert public_listing_in_open_shop("other", slug) is None  # another shop's address
    assert public_listing_in_open_shop("shop", unlisted_slug) is None
    assert public_listing_in_open_shop("shop", "no-such-product") is None
    anonymise_account(user(owner), owner.password)  # a deleted account's shop is closed
    db.session.commit()
    assert public_listing_in_open_shop("shop", slug) is None


@pytestmark_db
def test_a_listing_is_for_sale_by_the_rates_of_the_day_and_at_any_price(ctx, app, make_user, make_supplier,
                                                                        make_product):
    """The statements are built once: the rates are bound on each call, not kept with them. And a price in fen
    times basis points is counted in 64 bits: in 32, PostgreSQL refused every product from about ¥2,150 up."""
    from blueprints.shops.services import public_listing, public_listing_in_open_shop

    supplier = make_supplier()
    product = db.session.get(Product, make_product(supplier, supply_price=500_000, suggested_price=600_000,
                                                   min_price=500_000, max_price=900_000).id)
    shop = open_shop(user(make_user()), name="Shop", slug="shop")
    rates = Rates(app.config["PLATFORM_COMMISSION_BP"], app.config["REFERRAL_REWARD_BP"])
    add_listing(user(shop.owner), shop, product, listing_price_floor(500_000, rates), rates)  # the lowest allowed
    db.session.commit()
    assert public_listing(shop, product.slug) is not None
    assert public_listing_in_open_shop("shop", product.slug) is not None
    assert [listing.product_id for listing in storefront_listings(shop)] == [product.id]
    app.config["PLATFORM_COMMISSION_BP"] += 100  # the floor rises above the listing's price
    try:
        assert public_listing(shop, product.slug) is None
        assert public_listing_in_open_shop("shop", product.slug) is None
    finally:
        app.config["PLATFORM_COMMISSION_BP"] -= 100
