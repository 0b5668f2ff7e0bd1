"""A variant can have its own picture among its product's: chosen by the supplier, shown first to the buyer."""
import io
import re

import pytest
from PIL import Image

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, ProductImage, Variant
from blueprints.catalog.services import add_images, add_variant, remove_image, update_variant
from blueprints.errors import AccessDenied, InvalidFields
from extensions import db
from tests.conftest import sign_in
from tests.test_query_counts import counting

pytestmark = pytest.mark.all_databases

HTMX = {"HX-Request": "true", "HX-Request-Type": "partial"}


def user(account) -> User:
    return db.session.get(User, account.id)


def png(colour: str) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), colour).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def with_pictures(supplier, product_id: int, colours=("teal", "navy")) -> list[ProductImage]:
    product = db.session.get(Product, product_id)
    return add_images(user(supplier.member), product, [(f"{colour}.png", png(colour)) for colour in colours])


def main_picture_key(page: str) -> str:
    """The stored picture's key, from the main picture's address (/media/<key>-<size>...)."""
    return re.search(r'class="gallery__main" src="[^"]*?/([0-9a-f]+)-display', page).group(1)


# The rules


def test_a_variant_shows_its_own_picture(ctx, make_supplier, make_product):
    supplier = make_supplier()
    product = db.session.get(Product, make_product(supplier).id)
    first, second = with_pictures(supplier, product.id)
    navy = add_variant(user(supplier.member), product, sku="MUG-NAVY", options={"colour": "藏青"}, stock_on_hand=3,
                       image_id=second.id)
    assert navy.picture_among(product.images) == second
    assert product.variants[0].picture_among(product.images) is None
    update_variant(user(supplier.member), product.variants[0], sku=product.variants[0].sku,
                   options=product.variants[0].options, stock_on_hand=5, image_id=first.id)
    assert product.variants[0].picture_among(product.images) == first


def test_another_products_picture_is_refused(ctx, make_supplier, make_product):
    supplier = make_supplier()
    product = db.session.get(Product, make_product(supplier).id)
    other = db.session.get(Product, make_product(supplier, "Enamel mug").id)
    (foreign,) = with_pictures(supplier, other.id, ("red",))
    variant = product.variants[0]
    with pytest.raises(InvalidFields) as refused:
        update_variant(user(supplier.member), variant, sku=variant.sku, options=variant.options, stock_on_hand=4,
                       image_id=foreign.id)
    assert set(refused.value.errors) == {"image_id"}
    with pytest.raises(InvalidFields):
        add_variant(user(supplier.member), product, sku="X-2", options={"colour": "红"}, stock_on_hand=1,
                    image_id=foreign.id)
    assert variant.image_id is None and variant.stock_on_hand != 4


def test_only_the_products_supplier_sets_a_variants_picture(ctx, make_supplier, make_product, make_user):
    owner, rival, shopper = make_supplier(), make_supplier(), make_user()
    product = db.session.get(Product, make_product(owner).id)
    (picture,) = with_pictures(owner, product.id, ("teal",))
    variant = product.variants[0]
    for account in (rival.member, shopper):
        with pytest.raises(AccessDenied):
            update_variant(user(account), variant, sku=variant.sku, options=variant.options, stock_on_hand=1,
                           image_id=picture.id)
    assert variant.image_id is None


def test_deleting_the_picture_leaves_the_variant_without_one(ctx, make_supplier, make_product):
    supplier = make_supplier()
    product = db.session.get(Product, make_product(supplier).id)
    first, second = with_pictures(supplier, product.id)
    variant = product.variants[0]
    update_variant(user(supplier.member), variant, sku=variant.sku, options=variant.options, stock_on_hand=2,
                   image_id=second.id)
    db.session.commit()
    remove_image(user(supplier.member), second)
    db.session.commit()
    db.session.expire_all()
    variant = db.session.get(Variant, variant.id)
    assert variant.image_id is None
    assert variant.picture_among(variant.product.images) is None
    assert [image.id for image in variant.product.images] == [first.id]


# The pages


@pytest.fixture
def mug(app, make_supplier, make_product):
    """An active mug in teal (no picture of its own) and navy (the second picture); (slug, navy id, keys)."""
    supplier = make_supplier()
    product = make_product(supplier, "Enamel mug")
    with app.app_context():
        product = db.session.get(Product, product.id)
        first, second = with_pictures(supplier, product.id)
        navy = add_variant(user(supplier.member), product, sku="MUG-NAVY", options={"colour": "藏青"},
                           stock_on_hand=3, image_id=second.id)
        db.session.commit()
        return product.slug, navy.id, first.key, second.key


def test_choosing_a_variant_without_javascript_shows_its_picture_first(client, mug):
    slug, navy, first_key, second_key = mug
    assert main_picture_key(client.get(f"/p/{slug}").get_data(as_text=True)) == first_key
    page = client.get(f"/p/{slug}?variant={navy}").get_data(as_text=True)
    assert main_picture_key(page) == second_key
    # The thumbnails still show any picture, and keep the variant chosen.
    page = client.get(f"/p/{slug}?variant={navy}&image=0").get_data(as_text=True)
    assert main_picture_key(page) == first_key
    assert f'href="?image=1&amp;variant={navy}"' in page


def test_the_htmx_variant_switch_brings_the_picture_out_of_band(client, mug):
    slug, navy, _first_key, second_key = mug
    fragment = client.get(f"/p/{slug}?variant={navy}", headers=HTMX).get_data(as_text=True)
    assert 'id="variant-panel"' in fragment and "<html" not in fragment
    gallery = fragment[fragment.index('<section id="gallery"'):]
    assert gallery.startswith('<section id="gallery" class="gallery" hx-swap-oob="true"')
    assert main_picture_key(gallery) == second_key


def test_a_shop_page_shows_the_variants_picture_too(client, mug, make_shop, make_user, app):
    from blueprints.money import current_rates
    from blueprints.shops.models import Shop
    from blueprints.shops.services import add_listing

    slug, navy, _first_key, second_key = mug
    owner = make_user("owner@example.com")
    shop_id = make_shop(owner, slug="the-shop")
    with app.app_context():
        product = db.session.scalar(db.select(Product).where(Product.slug == slug))
        add_listing(user(owner), db.session.get(Shop, shop_id), product, 7000, current_rates())
        db.session.commit()
    page = client.get(f"/shops/the-shop/p/{slug}?variant={navy}").get_data(as_text=True)
    assert main_picture_key(page) == second_key
    fragment = client.get(f"/shops/the-shop/p/{slug}?variant={navy}", headers=HTMX).get_data(as_text=True)
    assert main_picture_key(fragment[fragment.index('<section id="gallery"'):]) == second_key


def test_the_product_page_runs_the_same_queries_however_many_variants_have_pictures(app, client, make_supplier,
                                                                                    make_product):
    supplier = make_supplier()
    product = make_product(supplier, "Enamel mug")
    colours = iter(["red", "navy", "olive", "gray", "white", "black", "pink", "gold"])

    def grow(n: int):
        with app.app_context():
            mug = db.session.get(Product, product.id)
            for picture in with_pictures(supplier, mug.id, [next(colours) for _ in range(n)]):
                add_variant(user(supplier.member), mug, sku=f"MUG-{picture.id}", options={"colour": str(picture.id)},
                            stock_on_hand=1, image_id=picture.id)
            db.session.commit()
            return mug.variants[-1].id

    def queries(variant_id: int) -> int:
        url = f"/p/{product.slug}?variant={variant_id}"
        client.get(url)  # warm-up: sessions, caches
        with counting(app) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    few = queries(grow(2))
    assert queries(grow(6)) == few


# The supplier's form


def test_a_supplier_picks_a_variants_picture_by_its_number(client, app, make_supplier, make_product):
    supplier = make_supplier()
    product = make_product(supplier)
    with app.app_context():
        first, second = with_pictures(supplier, product.id)
        db.session.commit()
        variant_id, second_id = db.session.get(Product, product.id).variants[0].id, second.id
    sign_in(client, supplier.member)
    page = client.get(f"/supplier/products/{product.id}").get_data(as_text=True)
    assert f'<option value="{second_id}">Picture 2</option>' in page
    assert f'<label class="field__label" for="variant-{variant_id}-image_id">Picture</label>' in page
    prefix = f"variant-{variant_id}-"
    response = client.submit(f"/supplier/variants/{variant_id}",
                             {prefix + "sku": "FLASK-1", prefix + "colour": "Sage", prefix + "stock_on_hand": "8",
                              prefix + "image_id": str(second_id)}, page=f"/supplier/products/{product.id}")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Variant, variant_id).image_id == second_id
    page = client.get(f"/supplier/products/{product.id}").get_data(as_text=True)
    assert f'<option selected value="{second_id}">Picture 2</option>' in page


def test_another_products_picture_is_refused_with_the_input_kept(client, app, make_supplier, make_product):
    supplier = make_supplier()
    product, other = make_product(supplier), make_product(supplier, "Enamel mug")
    with app.app_context():
        with_pictures(supplier, product.id, ("teal",))
        (foreign,) = with_pictures(supplier, other.id, ("red",))
        db.session.commit()
        variant_id, foreign_id = db.session.get(Product, product.id).variants[0].id, foreign.id
    sign_in(client, supplier.member)
    prefix = f"variant-{variant_id}-"
    response = client.submit(f"/supplier/variants/{variant_id}",
                             {prefix + "sku": "FLASK-KEPT", prefix + "colour": "Sage", prefix + "stock_on_hand": "8",
                              prefix + "image_id": str(foreign_id)}, page=f"/supplier/products/{product.id}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'class="field__error" id="variant-\d+-image_id-error">Choose one of this product.s own pictures.',
                     page)
    assert 'value="FLASK-KEPT"' in page
    with app.app_context():
        assert db.session.get(Variant, variant_id).image_id is None
