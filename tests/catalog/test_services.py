import io

import pytest
from PIL import Image

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, ProductStatus, Variant
from blueprints.catalog.services import (ProductDetails, add_images, add_variant, catalog_page, change_status,
                                         create_product, is_public, product_for_page, remove_variant, update_product,
                                         update_variant)
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.media.images import ImageRejected, image_path
from blueprints.suppliers.models import Supplier, SupplierAction
from blueprints.suppliers.services import decide
from extensions import db

pytestmark = pytest.mark.all_databases


def user(account) -> User:
    return db.session.get(User, account.id)


def details(category, **overrides) -> ProductDetails:
    values = dict(title="不锈钢保温杯", description="Keeps tea hot.", category_id=category, supply_price=3900,
                  suggested_price=6900, min_price=5000, max_price=9900)
    return ProductDetails(**{**values, **overrides})


def png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), "teal").save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def test_a_verified_supplier_creates_a_draft_with_a_pinyin_slug(ctx, make_supplier, make_category):
    supplier, category = make_supplier(), make_category()
    product = create_product(user(supplier.member), details(category))
    assert product.status == ProductStatus.DRAFT
    assert product.slug == "bu-xiu-gang-bao-wen-bei"
    assert product.supplier_id == supplier.id
    assert not is_public(product)


def test_product_slugs_stay_unique(ctx, make_supplier, make_category):
    supplier, category = make_supplier(), make_category()
    first = create_product(user(supplier.member), details(category))
    second = create_product(user(supplier.member), details(category))
    assert second.slug == first.slug + "-2"


def test_nobody_but_a_verified_supplier_creates_products(ctx, make_supplier, make_user, make_category, admin):
    category, shopper, pending = make_category(), make_user(), make_supplier(verified=False)
    for account in (shopper, pending.member, admin):
        with pytest.raises(AccessDenied):
            create_product(user(account), details(category))


def test_one_supplier_cannot_edit_anothers_product(ctx, make_supplier, make_product, make_category):
    category = make_category()
    owner, rival = make_supplier(), make_supplier()
    product = db.session.get(Product, make_product(owner, category_id=category).id)
    with pytest.raises(AccessDenied):
        update_product(user(rival.member), product, details(category, title="Fake"))
    with pytest.raises(AccessDenied):
        change_status(user(rival.member), product, ProductStatus.RETIRED)
    with pytest.raises(AccessDenied):
        add_variant(user(rival.member), product, sku="X-1", options={}, stock_on_hand=1)
    with pytest.raises(AccessDenied):
        add_images(user(rival.member), product, [("a.png", png())])
    assert product.title == "Steel flask"


@pytest.mark.parametrize("overrides, field", [
    ({"supply_price": 0}, "supply_price"),
    ({"min_price": 3000}, "min_price"),
    ({"max_price": 4000}, "max_price"),
    ({"suggested_price": 12000}, "suggested_price"),
    ({"category_id": 999_999}, "category_id"),
])
def test_prices_and_band_are_checked(ctx, make_supplier, make_category, overrides, field):
    supplier, category = make_supplier(), make_category()
    with pytest.raises(InvalidFields) as error:
        create_product(user(supplier.member), details(category, **overrides))
    assert field in error.value.errors


def test_publishing_needs_a_variant_and_follows_the_lifecycle(ctx, make_supplier, make_category):
    supplier, category = make_supplier(), make_category()
    member = user(supplier.member)
    product = create_product(member, details(category))
    with pytest.raises(DomainError):
        change_status(member, product, ProductStatus.ACTIVE)
    add_variant(member, product, sku="flask-sage", options={"colour": "Sage"}, stock_on_hand=4)
    change_status(member, product, ProductStatus.ACTIVE)
    assert is_public(product)
    with pytest.raises(DomainError):
        change_status(member, product, ProductStatus.DRAFT)
    change_status(member, product, ProductStatus.RETIRED)
    assert not is_public(product)
    change_status(member, product, ProductStatus.ACTIVE)
    assert is_public(product)


def test_skus_are_unique_whatever_their_case_and_stock_is_never_negative(ctx, make_supplier, make_category):
    supplier, category = make_supplier(), make_category()
    member = user(supplier.member)
    product = create_product(member, details(category))
    variant = add_variant(member, product, sku="flask-sage", options={"colour": "Sage", "size": ""}, stock_on_hand=4)
    assert variant.sku == "FLASK-SAGE" and variant.options == {"colour": "Sage"}
    with pytest.raises(InvalidFields) as error:
        add_variant(member, product, sku="Flask-Sage", options={}, stock_on_hand=1)
    assert "sku" in error.value.errors
    with pytest.raises(InvalidFields) as error:
        update_variant(member, variant, sku="flask-sage", options={}, stock_on_hand=-1)
    assert "stock_on_hand" in error.value.errors


def test_the_database_refuses_negative_stock(ctx, make_supplier, make_product):
    from sqlalchemy.exc import IntegrityError

    product = make_product(make_supplier())
    variant = db.session.scalar(db.select(Variant).where(Variant.product_id == product.id))
    variant.stock_on_hand = -1
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_an_active_product_keeps_at_least_one_variant(ctx, make_supplier, make_product):
    supplier = make_supplier()
    product = db.session.get(Product, make_product(supplier).id)
    with pytest.raises(DomainError):
        remove_variant(user(supplier.member), product.variants[0])


def test_images_are_stored_all_or_none(ctx, make_supplier, make_product):
    supplier = make_supplier()
    product = db.session.get(Product, make_product(supplier).id)
    with pytest.raises(ImageRejected, match="bad.txt"):
        add_images(user(supplier.member), product, [("good.png", png()), ("bad.txt", io.BytesIO(b"hello"))])
    assert product.images == []
    images = add_images(user(supplier.member), product, [("a.png", png()), ("b.png", png())])
    assert [image.position for image in images] == [0, 1]
    assert image_path(images[0].key, "thumb").exists()


def test_suspending_a_supplier_hides_its_products_without_deleting_them(ctx, make_supplier, make_product, admin,
                                                                          make_user):
    supplier = make_supplier()
    product_id = make_product(supplier).id
    visitor = make_user()
    assert [p.id for p in catalog_page(category=None, page=1).items] == [product_id]
    decide(user(admin), db.session.get(Supplier, supplier.id), SupplierAction.SUSPEND, "Under review")
    assert catalog_page(category=None, page=1).items == []
    assert product_for_page(db.session.get(Product, product_id).slug, user(visitor)) is None
    assert db.session.get(Product, product_id) is not None
    decide(user(admin), db.session.get(Supplier, supplier.id), SupplierAction.REINSTATE)
    assert [p.id for p in catalog_page(category=None, page=1).items] == [product_id]


def test_drafts_are_visible_only_to_their_supplier(ctx, make_supplier, make_product, make_user):
    supplier, other = make_supplier(), make_supplier()
    product = make_product(supplier, active=False)
    assert product_for_page(product.slug, user(supplier.member)) is not None
    assert product_for_page(product.slug, user(other.member)) is None
    assert product_for_page(product.slug, user(make_user())) is None


def test_a_parent_category_lists_its_childrens_products(ctx, make_supplier, make_product, make_category):
    from blueprints.catalog.models import Category

    home = make_category("home", "Home", "家居")
    kitchen = make_category("kitchen", "Kitchen", "厨房", parent_id=home)
    tea = make_category("tea", "Tea", "茶")
    supplier = make_supplier()
    in_kitchen = make_product(supplier, "Flask", category_id=kitchen).id
    make_product(supplier, "Gaiwan", category_id=tea)
    assert [p.id for p in catalog_page(category=db.session.get(Category, home), page=1).items] == [in_kitchen]
