"""From a supplier's application to a visitor buying-ready page, in a real browser."""
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.test_auth_journey import new_page

pytestmark = pytest.mark.browser


def sign_in(page, base, account):
    page.goto(base + "/login")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/my/account$"))


def test_supplier_applies_admin_verifies_product_published_shop_lists_visitor_sees(
        browser, live_server, axe_violations, make_user, admin, make_category, tmp_path):
    make_category("kitchen", "Kitchen", "厨房")
    maker, seller = make_user("maker@example.com", display_name="Maker"), make_user("mei@example.com",
                                                                                     display_name="Mei")
    photo = tmp_path / "flask.png"
    Image.new("RGB", (900, 900), (40, 140, 130)).save(photo)

    # The maker applies to become a supplier.
    supplier_page = new_page(browser)
    sign_in(supplier_page, live_server, maker)
    supplier_page.get_by_role("link", name="Apply to become a supplier").click()
    supplier_page.get_by_label("Organisation name").fill("杭州家作 Hangzhou Home Works")
    supplier_page.get_by_label("What you make").fill("Kitchenware from our family workshop.")
    supplier_page.get_by_label("Contact for our team").fill("+86 571 8888 0000")
    supplier_page.get_by_label("Business registration number").fill("91330100MA2H3K4L5P")
    assert axe_violations(supplier_page) == []
    supplier_page.get_by_role("button", name="Send application").click()
    expect(supplier_page.get_by_text("is waiting for our team")).to_be_visible()

    # An admin approves it; the decision shows in the audit trail.
    admin_page = new_page(browser)
    sign_in(admin_page, live_server, admin)
    admin_page.get_by_role("navigation", name="Your account").get_by_role("link", name="Admin").click()
    expect(admin_page.get_by_role("heading", name="杭州家作 Hangzhou Home Works")).to_be_visible()
    assert axe_violations(admin_page) == []
    admin_page.get_by_role("button", name="Approve", exact=True).click()
    expect(admin_page.get_by_text("is now a verified supplier")).to_be_visible()
    admin_page.get_by_role("link", name="Audit trail").click()
    expect(admin_page.get_by_role("cell", name="Approved")).to_be_visible()

    # The supplier publishes a product with an image and a variant.
    supplier_page.reload()
    supplier_page.get_by_role("link", name="Go to the supplier dashboard").click()
    supplier_page.get_by_role("link", name="New product").click()
    supplier_page.get_by_label("Title").fill("不锈钢保温杯 500ml")
    supplier_page.get_by_label("Category").select_option(label="Kitchen")
    supplier_page.get_by_label("Description").fill("Keeps tea hot for 12 hours.")
    supplier_page.get_by_label("Supply price (¥)").fill("39")
    supplier_page.get_by_label("Suggested price (¥)").fill("69")
    supplier_page.get_by_label("Lowest resale price (¥)").fill("50")
    supplier_page.get_by_label("Highest resale price (¥)").fill("99")
    supplier_page.get_by_label("Images").set_input_files(str(photo))
    supplier_page.get_by_role("button", name="Save draft").click()
    expect(supplier_page.get_by_text("Product saved as a draft.")).to_be_visible()
    expect(supplier_page.get_by_role("img", name=re.compile("Picture 1 of"))).to_be_visible()
    supplier_page.get_by_label("SKU code").last.fill("FLASK-SAGE")
    supplier_page.get_by_label("Colour").last.fill("Sage")
    supplier_page.get_by_label("Stock on hand").last.fill("12")
    supplier_page.get_by_role("button", name="Add variant").click()
    expect(supplier_page.get_by_text("Variant added.")).to_be_visible()
    assert axe_violations(supplier_page) == []
    supplier_page.get_by_role("button", name="Publish").click()
    expect(supplier_page.get_by_text("Published: the product is in the catalog.")).to_be_visible()

    # Mei opens a shop and lists it at her price.
    shop_page = new_page(browser)
    sign_in(shop_page, live_server, seller)
    shop_page.get_by_role("navigation", name="Your account").get_by_role("link", name="Open a shop").click()
    shop_page.get_by_label("Shop name").fill("Mei's Corner")
    shop_page.get_by_label("Web address").fill("mei-corner")
    shop_page.get_by_label("Tagline").fill("Things I use every day")
    shop_page.get_by_role("button", name="Open my shop").click()
    expect(shop_page.get_by_role("heading", name="Add products")).to_be_visible()
    shop_page.get_by_label("Your price (¥)").fill("20")
    shop_page.get_by_role("button", name=re.compile("Add to my shop")).click()
    expect(shop_page.get_by_text(re.compile(r"Choose a price from ¥\d+\.\d\d to ¥99\.00"))).to_be_visible()
    expect(shop_page.get_by_label("Your price (¥)")).to_have_value("20")
    shop_page.get_by_label("Your price (¥)").fill("75")
    shop_page.get_by_role("button", name=re.compile("Add to my shop")).click()
    expect(shop_page.get_by_text("is now in your shop")).to_be_visible()
    shop_page.goto(live_server + "/my/shop")
    expect(shop_page.get_by_text(re.compile("You earn ¥"))).to_be_visible()
    assert axe_violations(shop_page) == []

    # A visitor sees it in the shop at Mei's price, and in the catalog at the suggested price.
    visitor = new_page(browser)
    visitor.goto(live_server + "/shops/mei-corner")
    expect(visitor.get_by_role("heading", name="Mei's Corner")).to_be_visible()
    card = visitor.get_by_role("article").filter(has_text="不锈钢保温杯 500ml").first
    expect(card).to_contain_text("¥75.00")
    expect(card).to_contain_text("Verified supplier")
    assert axe_violations(visitor) == []
    card.get_by_role("link").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("不锈钢保温杯 500ml")
    expect(visitor.locator("#variant-panel")).to_contain_text("¥75.00")
    expect(visitor.locator("#variant-panel")).to_contain_text("In stock: 12")
    assert axe_violations(visitor) == []
    visitor.goto(live_server + "/catalog")
    expect(visitor.get_by_role("article").filter(has_text="不锈钢保温杯")).to_contain_text("¥69.00")


def test_variant_picker_swaps_price_and_stock_in_place(browser, live_server, make_supplier, make_product, app):
    from blueprints.catalog.models import Variant
    from extensions import db

    product = make_product(make_supplier(), "Steel flask", stock=8)
    with app.app_context():
        db.session.add(Variant(product_id=product.id, sku="FLASK-INK", options={"colour": "Ink"}, stock_on_hand=0,
                               position=1))
        db.session.add(Variant(product_id=product.id, sku="FLASK-SAND", options={"colour": "Sand"}, stock_on_hand=2,
                               position=2))
        db.session.commit()
    page = new_page(browser)
    page.goto(live_server + f"/p/{product.slug}")
    expect(page.locator("#variant-panel")).to_contain_text("In stock: 8")
    # Sold out is said before it is chosen, and cannot be chosen.
    expect(page.get_by_role("radio", name=re.compile("^Ink"))).to_be_disabled()
    expect(page.locator(".variant-option", has_text="Ink")).to_contain_text("out of stock")
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Sand", exact=True).check()
    expect(page.locator("#variant-panel")).to_contain_text("Only 2 left")
    assert page.evaluate("window.stillTheSamePage") is True
    expect(page).to_have_url(re.compile(r"\?variant=\d+$"))


@pytest.mark.parametrize("path", ["/catalog", "/shops/shop-1", "/my/shop", "/admin/", "/supplier"])
def test_supply_pages_fit_a_phone_and_pass_axe(browser, live_server, axe_violations, make_supplier, make_product,
                                               make_shop, admin, app, path):
    from blueprints.accounts.models import User
    from blueprints.catalog.models import Product
    from blueprints.money import current_rates
    from blueprints.shops.models import Shop
    from blueprints.shops.services import add_listing
    from extensions import db

    supplier = make_supplier()
    make_supplier("Waiting Co", verified=False)
    product = make_product(supplier, "Waxed canvas tote")
    shop_id = make_shop(supplier.member)
    with app.app_context():
        add_listing(db.session.get(User, supplier.member.id), db.session.get(Shop, shop_id),
                    db.session.get(Product, product.id), 7000, current_rates())
        db.session.commit()
    page = new_page(browser, width=375, height=812)
    sign_in(page, live_server, admin if path.startswith("/admin") else supplier.member)
    page.goto(live_server + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert axe_violations(page) == []
