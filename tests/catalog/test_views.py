"""Pages of suppliers, admins, the catalog and shops, requested as each role would."""
import io
import re

import pytest
from PIL import Image

from blueprints.catalog.models import Product, ProductImage, ProductStatus, Variant
from blueprints.shops.models import Listing
from blueprints.suppliers.models import Supplier, SupplierStatus
from extensions import db
from tests.conftest import sign_in

pytestmark = pytest.mark.all_databases


def html(response) -> str:
    return response.get_data(as_text=True)


def png(width=300, height=300) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def bomb() -> io.BytesIO:
    """A small file that would decode to 900 megapixels. (Files over 5 MB are tested on the service:
    the test client leaves large request bodies in unclosed temporary files.)"""
    buffer = io.BytesIO()
    Image.new("1", (30_000, 30_000), 1).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


PRODUCT_FORM = {"title": "Bamboo board", "description": "Cut on it.", "supply_price": "45",
                "suggested_price": "79.00", "min_price": "¥60", "max_price": "99"}


# Supplier onboarding and admin verification

def test_a_user_applies_and_sees_the_status_on_their_account(client, signed_in, app):
    response = client.submit("/supplier/apply", {"name": "Clay Co", "description": "Porcelain",
                                                 "contact": "+86 138 0000 0000", "registration_number": "91330100MA2"})
    assert response.status_code == 303
    assert "Your application for Clay Co is waiting for our team." in html(client.get("/my/account"))
    with app.app_context():
        assert db.session.scalar(db.select(Supplier.status)) == SupplierStatus.APPLIED


def test_an_incomplete_application_keeps_what_was_typed(client, signed_in):
    response = client.submit("/supplier/apply", {"name": "Clay Co", "description": "", "contact": "",
                                                 "registration_number": "12"})
    assert response.status_code == 422
    assert 'value="Clay Co"' in html(response)
    assert "Tell shoppers what you make." in html(response)
    assert "Between 5 and 64 characters." in html(response)


@pytest.mark.parametrize("path", ["/admin/", "/admin/audit"])
def test_admin_pages_are_for_admins_only(client, make_user, make_supplier, path):
    assert client.get(path).status_code == 303  # visitors sign in first
    sign_in(client, make_user())
    assert client.get(path).status_code == 403


def test_supplier_and_shop_owner_get_403_on_admin_actions(client, make_supplier, make_shop, make_user):
    pending = make_supplier(verified=False)
    supplier = make_supplier()
    owner = make_user()
    make_shop(owner)
    for account in (supplier.member, owner):
        sign_in(client, account)
        response = client.submit(f"/admin/suppliers/{pending.id}/approve", {}, page="/")
        assert response.status_code == 403
        client.submit("/logout", {})


def test_the_admin_approves_and_the_decision_is_in_the_audit_trail(client, admin, make_supplier, app):
    pending = make_supplier("Clay Co", verified=False)
    sign_in(client, admin)
    queue = html(client.get("/admin/"))
    assert "Clay Co" in queue and "REG-" in queue
    response = client.submit(f"/admin/suppliers/{pending.id}/approve", {}, page="/admin/")
    assert response.status_code == 303
    assert "Clay Co is now a verified supplier." in html(client.get("/admin/"))
    audit = html(client.get("/admin/audit"))
    assert "Clay Co" in audit and "Approved" in audit and "Ada Admin" in audit


def test_rejecting_without_a_reason_is_refused_on_the_same_page(client, admin, make_supplier):
    pending = make_supplier("Clay Co", verified=False)
    sign_in(client, admin)
    response = client.submit(f"/admin/suppliers/{pending.id}/reject", {"reason": ""}, page="/admin/")
    assert response.status_code == 422
    assert "Give a reason; the supplier will see it." in html(response)
    response = client.submit(f"/admin/suppliers/{pending.id}/reject", {"reason": "No licence"}, page="/admin/")
    assert response.status_code == 303


def test_the_supplier_sees_a_rejection_reason(client, admin, make_supplier, app):
    pending = make_supplier("Clay Co", verified=False)
    sign_in(client, admin)
    client.submit(f"/admin/suppliers/{pending.id}/reject", {"reason": "Licence number not found"}, page="/admin/")
    client.submit("/logout", {})
    sign_in(client, pending.member)
    page = html(client.get("/my/account"))
    assert "was not approved" in page and "Licence number not found" in page


# Supplier dashboard and products

@pytest.mark.parametrize("path", ["/supplier", "/supplier/products/new"])
def test_supplier_pages_refuse_shoppers_and_unverified_applicants(client, make_user, make_supplier, path):
    sign_in(client, make_user())
    assert client.get(path).status_code == 403
    client.submit("/logout", {})
    sign_in(client, make_supplier(verified=False).member)
    assert client.get(path).status_code == 403


def test_a_supplier_creates_a_product_with_images(client, make_supplier, make_category, app):
    category = make_category()
    supplier = make_supplier()
    sign_in(client, supplier.member)
    token = client.csrf_token("/supplier/products/new")
    response = client.post("/supplier/products/new", data={
        **PRODUCT_FORM, "category_id": str(category), "csrf_token": token,
        "new_images": [(png(), "board.png"), (png(), "board-2.png")]}, content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context():
        product = db.session.scalar(db.select(Product))
        assert (product.supply_price, product.suggested_price, product.min_price) == (4500, 7900, 6000)
        assert product.status == ProductStatus.DRAFT
        assert len(product.images) == 2
    assert "Bamboo board" in html(client.get(response.headers["Location"]))


@pytest.mark.parametrize("upload, message", [
    (lambda: (io.BytesIO(b"not an image at all"), "notes.txt"), "notes.txt: That file is not an image we can read."),
    (lambda: (bomb(), "bomb.png"), "bomb.png: That image has more than 20 megapixels."),
])
def test_a_bad_image_gets_a_message_and_the_form_is_kept(client, make_supplier, make_category, app, upload, message):
    category = make_category()
    sign_in(client, make_supplier().member)
    token = client.csrf_token("/supplier/products/new")
    response = client.post("/supplier/products/new", data={
        **PRODUCT_FORM, "category_id": str(category), "csrf_token": token, "new_images": [(png(), "ok.png"), upload()]},
        content_type="multipart/form-data")
    assert response.status_code == 422
    body = html(response)
    assert message in body
    assert 'value="Bamboo board"' in body and 'value="¥60"' in body
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Product.id))) == 0
        assert db.session.scalar(db.select(db.func.count(ProductImage.id))) == 0


def test_prices_out_of_order_are_explained_beside_each_field(client, make_supplier, make_category):
    category = make_category()
    sign_in(client, make_supplier().member)
    response = client.submit("/supplier/products/new", {**PRODUCT_FORM, "category_id": str(category),
                                                        "min_price": "30", "suggested_price": "abc"})
    assert response.status_code == 422
    body = html(response)
    assert "Enter an amount in yuan, like 59 or 59.90." in body
    assert 'value="abc"' in body


def test_one_supplier_cannot_open_or_change_anothers_product(client, make_supplier, make_product, app):
    owner, rival = make_supplier(), make_supplier()
    product = make_product(owner)
    sign_in(client, rival.member)
    assert client.get(f"/supplier/products/{product.id}").status_code == 403
    response = client.submit(f"/supplier/products/{product.id}", {**PRODUCT_FORM, "category_id": "1"}, page="/")
    assert response.status_code == 403
    assert client.submit(f"/supplier/products/{product.id}/status", {"status": "retired"}, page="/").status_code == 403
    with app.app_context():
        variant_id = db.session.scalar(db.select(Variant.id))
    assert client.submit(f"/supplier/variants/{variant_id}/delete", {}, page="/").status_code == 403
    with app.app_context():
        assert db.session.get(Product, product.id).status == ProductStatus.ACTIVE


def test_a_supplier_adds_a_variant_and_publishes(client, make_supplier, make_product, app):
    supplier = make_supplier()
    product = make_product(supplier, active=False)
    sign_in(client, supplier.member)
    response = client.submit(f"/supplier/products/{product.id}/variants",
                             {"new-variant-sku": "board-l", "new-variant-size": "L", "new-variant-stock_on_hand": "7"},
                             page=f"/supplier/products/{product.id}")
    assert response.status_code == 303
    response = client.submit(f"/supplier/products/{product.id}/status", {"status": "active"},
                             page=f"/supplier/products/{product.id}")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Product, product.id).status == ProductStatus.ACTIVE
        assert db.session.scalar(db.select(Variant.stock_on_hand).where(Variant.sku == "BOARD-L")) == 7


def test_a_negative_stock_is_refused_with_the_input_kept(client, make_supplier, make_product):
    supplier = make_supplier()
    product = make_product(supplier)
    sign_in(client, supplier.member)
    response = client.submit(f"/supplier/products/{product.id}/variants",
                             {"new-variant-sku": "X-9", "new-variant-stock_on_hand": "-3"},
                             page=f"/supplier/products/{product.id}")
    assert response.status_code == 422
    assert "Enter a whole number from 0 to 1,000,000." in html(response)
    assert 'value="X-9"' in html(response)


# Catalog and product pages

def test_the_catalog_lists_only_active_products_of_verified_suppliers(client, make_supplier, make_product, admin,
                                                                       app):
    verified, suspended = make_supplier("Good Co"), make_supplier("Paused Co")
    make_product(verified, "Visible flask")
    make_product(verified, "Draft flask", active=False)
    make_product(suspended, "Suspended flask")
    sign_in(client, admin)
    client.submit(f"/admin/suppliers/{suspended.id}/suspend", {"reason": "Review"}, page="/admin/")
    page = html(client.get("/catalog"))
    assert "Visible flask" in page and "Verified supplier" in page
    assert "Draft flask" not in page and "Suspended flask" not in page


def test_catalog_pages_and_categories(client, make_supplier, make_product, make_category):
    kitchen, tea = make_category("kitchen", "Kitchen", "厨房"), make_category("tea", "Tea", "茶")
    supplier = make_supplier()
    for n in range(26):
        make_product(supplier, f"Flask {n:02d}", category_id=kitchen)
    make_product(supplier, "Gaiwan", category_id=tea)
    first = html(client.get("/catalog"))
    assert "Page 1 of 2" in first
    assert "Gaiwan" in html(client.get("/catalog?category=tea"))
    assert "Flask" not in html(client.get("/catalog?category=tea"))
    assert client.get("/catalog?category=nope").status_code == 404
    assert "厨房" in html(client.get("/catalog", headers={"Accept-Language": "zh-CN"}))


def test_a_search_by_htmx_gets_the_results_block_with_the_filters_kept(client, make_supplier, make_product,
                                                                       make_category):
    kitchen = make_category("kitchen", "Kitchen", "厨房")
    supplier = make_supplier("Good Co")
    make_product(supplier, "Steel flask", category_id=kitchen)
    make_product(supplier, "Steel pan", category_id=kitchen)
    page = html(client.get("/catalog?category=kitchen"))
    assert 'hx-target="#catalog-results"' in page and "hx-select" not in page
    assert '<form class="catalog-search" method="get" action="/catalog"' in page  # without JavaScript too
    assert '<input type="hidden" name="category" value="kitchen">' in page
    response = client.get("/catalog?category=kitchen&q=flask&sort=price-low", headers={"HX-Request": "true"})
    fragment = html(response)
    assert response.status_code == 200 and "<html" not in fragment
    assert fragment.lstrip().startswith('<div class="catalog" id="catalog-results">')
    assert "Steel flask" in fragment and "Steel pan" not in fragment
    assert re.search(r'href="/catalog\?q=flask&amp;sort=price-low"\s*>All products', fragment)
    assert re.search(r'href="/catalog\?q=flask&amp;category=kitchen&amp;sort=price-low" aria-current="true">Kitchen',
                     fragment)
    assert "<title>“flask” in the catalog · Shelfmade</title>" in fragment  # htmx puts it in document.title


def test_the_product_page_picks_a_variant_with_and_without_htmx(client, make_supplier, make_product, app):
    supplier = make_supplier("Good Co")
    product = make_product(supplier, "Steel flask", stock=3)
    with app.app_context():
        db.session.add(Variant(product_id=product.id, sku="SOLD-OUT", options={"colour": "Ink"}, stock_on_hand=0,
                               position=1))
        db.session.commit()
        sold_out = db.session.scalar(db.select(Variant.id).where(Variant.sku == "SOLD-OUT"))
    page = html(client.get(f"/p/{product.slug}"))
    assert "Steel flask" in page and "Good Co" in page and "Only 3 left" in page and "¥69.00" in page
    page = html(client.get(f"/p/{product.slug}?variant={sold_out}"))
    assert "Out of stock" in page and "<html" in page
    fragment = client.get(f"/p/{product.slug}?variant={sold_out}", headers={"HX-Request": "true"})
    assert "Out of stock" in html(fragment) and "<html" not in html(fragment)
    assert html(fragment).lstrip().startswith('<div id="variant-panel"')


def test_an_option_out_of_stock_is_marked_before_it_is_chosen(client, make_supplier, make_product, app):
    product = make_product(make_supplier(), "Steel flask", stock=3)
    with app.app_context():
        db.session.add(Variant(product_id=product.id, sku="SOLD-OUT", options={"colour": "Ink"}, stock_on_hand=0,
                               position=1))
        db.session.commit()
        sold_out = db.session.scalar(db.select(Variant.id).where(Variant.sku == "SOLD-OUT"))
    page = html(client.get(f"/p/{product.slug}"))
    option = re.search(rf'<input type="radio" name="variant" value="{sold_out}"[^>]*>\s*<span>Ink</span>(.*?)</label>',
                       page, re.S)
    assert option and " disabled" in option.group(0) and "out of stock" in option.group(1)
    in_stock = re.search(r'<input type="radio" name="variant" value="\d+"[^>]*checked[^>]*>', page).group(0)
    assert "disabled" not in in_stock


def test_drafts_are_hidden_from_visitors(client, make_supplier, make_product):
    product = make_product(make_supplier(), active=False)
    assert client.get(f"/p/{product.slug}").status_code == 404


# Shops

def test_a_user_opens_a_shop_and_lists_a_product_inside_the_band(client, signed_in, make_supplier, make_product, app):
    product = make_product(make_supplier())
    response = client.submit("/my/shop", {"name": "Mei's Corner", "slug": "mei-corner", "tagline": "Good things"})
    assert response.status_code == 303
    response = client.submit("/my/shop/listings", {"product_id": str(product.id), "price": "20"},
                             page="/my/shop/add")
    assert response.status_code == 422
    assert re.search(r"Choose a price from ¥\d+\.\d\d to ¥99\.00\.", html(response))
    assert 'value="20"' in html(response)
    response = client.submit("/my/shop/listings", {"product_id": str(product.id), "price": "75"},
                             page="/my/shop/add")
    assert response.status_code == 303
    dashboard = html(client.get("/my/shop"))
    assert "Steel flask" in dashboard and "You earn" in dashboard
    storefront = html(client.get("/shops/mei-corner"))
    assert "Steel flask" in storefront and "¥75.00" in storefront
    product_page = html(client.get(f"/shops/mei-corner/p/{product.slug}"))
    assert "¥75.00" in product_page and "Sold by Mei" in product_page


def test_a_taken_shop_address_keeps_the_form(client, make_shop, signed_in):
    make_shop(slug="taken")
    response = client.submit("/my/shop", {"name": "Mine", "slug": "taken", "tagline": "x"})
    assert response.status_code == 422
    assert "Another shop already uses this address." in html(response)
    assert 'value="Mine"' in html(response)


def test_reordering_by_htmx_returns_the_listings_block(client, signed_in, make_supplier, make_product, app):
    supplier = make_supplier()
    first, second = make_product(supplier, "First"), make_product(supplier, "Second")
    client.submit("/my/shop", {"name": "Shop", "slug": "shop", "tagline": ""})
    for product in (first, second):
        client.submit("/my/shop/listings", {"product_id": str(product.id), "price": "70"}, page="/my/shop/add")
    with app.app_context():
        second_listing = db.session.scalar(db.select(Listing.id).where(Listing.product_id == second.id))
    response = client.htmx_submit(f"/my/shop/listings/{second_listing}/move", {"direction": "up"}, page="/my/shop")
    assert response.status_code == 200
    body = html(response)
    assert body.lstrip().startswith('<div id="listings"') and "<html" not in body
    assert body.index("Second") < body.index("First")
    # Without JavaScript: a 303 back to the dashboard.
    response = client.submit(f"/my/shop/listings/{second_listing}/move", {"direction": "down"}, page="/my/shop")
    assert response.status_code == 303
    page = html(client.get("/my/shop"))
    assert page.index(">First<") < page.index(">Second<")


def test_another_user_cannot_touch_a_listing(client, make_user, make_supplier, make_product, make_shop, app):
    owner = make_user()
    shop_id = make_shop(owner)
    product = make_product(make_supplier())
    with app.app_context():
        listing = Listing(shop_id=shop_id, product_id=product.id, price=7000, position=1)
        db.session.add(listing)
        db.session.commit()
        listing_id = listing.id
    sign_in(client, make_user())
    for action, data in (("price", {f"listing-{listing_id}-price": "80"}), ("move", {"direction": "up"}),
                         ("feature", {"featured": "1"}), ("remove", {})):
        assert client.submit(f"/my/shop/listings/{listing_id}/{action}", data, page="/").status_code == 403
    with app.app_context():
        assert db.session.get(Listing, listing_id).price == 7000


def test_unknown_shops_and_listings_are_404(client, make_shop):
    make_shop(slug="real")
    assert client.get("/shops/nope").status_code == 404
    assert client.get("/shops/real/p/nope").status_code == 404


def test_a_shop_gets_a_logo_and_a_bad_logo_keeps_the_form(client, signed_in, app):
    token = client.csrf_token("/my/shop")
    response = client.post("/my/shop", data={"name": "Mei's Corner", "slug": "mei-corner", "tagline": "",
                                             "csrf_token": token, "logo": (io.BytesIO(b"nope"), "logo.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "That file is not an image we can read." in html(response)
    assert 'value="mei-corner"' in html(response)
    response = client.post("/my/shop", data={"name": "Mei's Corner", "slug": "mei-corner", "tagline": "",
                                             "csrf_token": token, "logo": (png(), "logo.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    from blueprints.shops.models import Shop

    with app.app_context():
        logo_key = db.session.scalar(db.select(Shop.logo_key))
    assert logo_key and f"/media/{logo_key}-thumb.webp" in html(client.get("/shops/mei-corner"))
    response = client.post("/my/shop/settings", data={"name": "Mei's Corner", "slug": "mei-corner", "tagline": "",
                                                      "remove_logo": "y", "csrf_token": token},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(Shop.logo_key)) is None


def test_saving_a_product_that_has_images_without_adding_any(client, make_supplier, make_product, app):
    supplier = make_supplier()
    product = make_product(supplier)
    sign_in(client, supplier.member)
    token = client.csrf_token(f"/supplier/products/{product.id}")
    client.post(f"/supplier/products/{product.id}", data={
        **PRODUCT_FORM, "category_id": "1", "csrf_token": token, "new_images": [(png(), "a.png")]},
        content_type="multipart/form-data")
    response = client.post(f"/supplier/products/{product.id}", data={
        **PRODUCT_FORM, "title": "Renamed board", "category_id": "1", "csrf_token": token},
        content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context():
        saved = db.session.get(Product, product.id)
        assert saved.title == "Renamed board" and len(saved.images) == 1


def test_more_than_ten_images_at_once_are_refused_with_the_form_kept(client, make_supplier, make_category, app):
    category = make_category()
    sign_in(client, make_supplier().member)
    token = client.csrf_token("/supplier/products/new")
    response = client.post("/supplier/products/new", data={
        **PRODUCT_FORM, "category_id": str(category), "csrf_token": token,
        "new_images": [(png(20, 20), f"{n}.png") for n in range(11)]}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Add at most 10 images at a time." in html(response)
    assert 'value="Bamboo board"' in html(response)


def test_the_parts_a_product_page_lacks_cost_it_no_query_of_their_own(app, client, make_supplier, make_product,
                                                                      make_shop):
    from blueprints.money import current_rates
    from blueprints.shops.models import Shop
    from blueprints.shops.services import add_listing
    from tests.test_query_counts import counting

    supplier = make_supplier("Clay Co")
    plain, listed = make_product(supplier, "Plain cup"), make_product(supplier, "Listed cup")
    shop_id = make_shop(slug="cups")
    with app.app_context():
        shop = db.session.get(Shop, shop_id)
        add_listing(shop.owner, shop, db.session.get(Product, listed.id), 6900, current_rates())
        db.session.commit()

    def statements_of(path: str) -> list[str]:
        with counting(app) as statements:
            assert client.get(path).status_code == 200
        return statements

    for path in (f"/p/{plain.slug}", f"/shops/cups/p/{listed.slug}"):
        statements = statements_of(path)
        # Whether it has a story, a team price, shops or reviews comes with the product's own statement.
        [own] = [statement for statement in statements if "EXISTS" in statement and "team_offers" in statement]
        assert "FROM reviews" in own and "FROM listings" in own and "FROM prototypes" in own
        others = [statement for statement in statements if statement is not own]
        assert not [statement for statement in others
                    if "FROM team_offers" in statement or "FROM reviews" in statement
                    or statement.startswith("SELECT prototypes.") or statement.startswith("SELECT listings.")]
    # A product some shop sells still lists its shops, from a query of their own.
    assert [statement for statement in statements_of(f"/p/{listed.slug}") if statement.startswith("SELECT listings.")]
