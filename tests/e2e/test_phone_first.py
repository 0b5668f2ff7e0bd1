"""On a 375×812 phone, in English and Chinese: the buy action on the first screen, no page wider than the screen,
a one-row header for every role (also at 1280 px), messages after htmx actions that take the focus, and a language
switch that never lands on a form's POST address. Run on the demo data, the site's most realistic world.

Set PHONE_SHOTS=/some/dir to keep a screenshot of every page checked (never inside the repository).
"""
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from blueprints.catalog.models import Product, Variant
from blueprints.codesign.models import Prototype
from blueprints.demo.services import DEMO_PASSWORD, seed_demo
from blueprints.shops.models import Listing, Shop
from extensions import db

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
LANGUAGES = ("en-US", "zh-CN")
ROLES = ("visitor", "shopper", "shop", "supplier", "admin")
SHOTS = os.environ.get("PHONE_SHOTS")


@pytest.fixture
def demo(app):
    with app.app_context():
        seed_demo()
        db.session.commit()
        in_stock = (select(Product.slug).join(Variant).where(Product.status == "active", Variant.stock_on_hand > 0)
                    .where(Product.images.any()).order_by(Product.id).limit(1))
        listed = (select(Shop.slug, Product.slug).join(Listing, Listing.shop_id == Shop.id)
                  .join(Product, Product.id == Listing.product_id).join(Variant, Variant.product_id == Product.id)
                  .where(Variant.stock_on_hand > 0, Product.status == "active").order_by(Listing.id).limit(1))
        shop_slug, listed_slug = db.session.execute(listed).one()
        prototypes = db.session.scalars(select(Prototype).order_by(Prototype.id)).all()
        open_one = next(prototype.slug for prototype in prototypes if prototype.effective_stage == "open")
        return {"product": f"/p/{db.session.scalar(in_stock)}", "shop": f"/shops/{shop_slug}",
                "shop_product": f"/shops/{shop_slug}/p/{listed_slug}", "prototype": f"/codesign/{open_one}"}


def new_phone(browser, language: str, viewport=PHONE, **options):
    context = browser.new_context(viewport=viewport, locale=language, bypass_csp=True, **options)
    context.set_default_timeout(10_000)
    return context.new_page()


def sign_in_as(page, base: str, role: str):
    page.goto(base + "/login")
    page.locator("input[name=email]").fill(f"{role}@demo.shelfmade.test")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def shoot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.png"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_picture_title_price_and_buy_action_are_on_the_first_screen(browser, live_server, demo, language,
                                                                    axe_violations):
    page = new_phone(browser, language)
    for path in (demo["product"], demo["shop_product"]):
        page.goto(live_server + path)
        shoot(page, f"first-screen-{language}-{path}")
        assert axe_violations(page) == []
        for part in (".gallery__main", "h1", ".buy-bar__price", ".buy-bar button[type=submit]"):
            expect(page.locator(part).first).to_be_in_viewport()
        assert "¥" in page.locator(".buy-bar__price").inner_text()
        # Still in reach at the end of the page, and covering none of it.
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        expect(page.locator(".buy-bar button[type=submit]")).to_be_in_viewport()
        bar_top = page.locator(".buy-bar").bounding_box()["y"]
        footer = page.locator(".site-footer").bounding_box()
        assert footer["y"] + footer["height"] <= bar_top + 1, f"{path}: the bar covers the footer"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_main_page_is_wider_than_a_phone(browser, live_server, demo, language):
    visitor = new_phone(browser, language)
    public = ("/", "/catalog", demo["product"], demo["shop"], demo["shop_product"], demo["prototype"], "/cart")
    pages = [(visitor, path) for path in public]
    shopper = new_phone(browser, "en-US")
    sign_in_as(shopper, live_server, "shopper")
    shopper.goto(live_server + demo["product"])
    shopper.locator(".buy-bar button[type=submit]").click()
    expect(shopper.locator("#cart-count")).not_to_be_empty()
    if language != "en-US":
        shopper.locator(".language-switch button[lang=zh-Hans]").click()
    pages += [(shopper, path) for path in ("/cart", "/checkout", "/my/account", "/my/orders", "/my/rewards",
                                           "/my/notifications", "/my/codesign")]
    owner = new_phone(browser, language)
    sign_in_as(owner, live_server, "shop")
    pages += [(owner, path) for path in ("/my/shop", "/my/shop/orders")]
    supplier = new_phone(browser, language)
    sign_in_as(supplier, live_server, "supplier")
    pages += [(supplier, path) for path in ("/supplier", "/supplier/orders")]
    for page, path in pages:
        response = page.goto(live_server + path)
        assert response.status == 200, path
        shoot(page, f"width-{language}-{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} in {language} is {width} px wide"


def header_rows(page) -> int:
    """How many rows the header's visible items take: the distinct vertical centres of its links and buttons."""
    centres = page.evaluate("""() => [...document.querySelectorAll(
        '.site-header__inner > a, .site-header__inner summary, .site-header__inner form input, .site-header__inner nav > a, .site-header__inner nav form')]
        .filter(e => e.checkVisibility()).map(e => e.getBoundingClientRect()).filter(r => r.width > 1 && r.height > 1)
        .map(r => Math.round((r.top + r.bottom) / 2))""")
    rows = []
    for centre in sorted(centres):
        if not rows or centre - rows[-1] > 12:
            rows.append(centre)
    return len(rows)


@pytest.mark.parametrize("role", ROLES)
def test_the_header_is_one_row_on_a_phone_and_at_1280_for_every_role(browser, live_server, demo, role):
    page = new_phone(browser, "en-US")
    if role != "visitor":
        sign_in_as(page, live_server, role)
    for language in LANGUAGES:
        if language == "zh-CN":
            page.locator(".language-switch button[lang=zh-Hans]").click()
            expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
        for viewport in (PHONE, DESKTOP):
            page.set_viewport_size(viewport)
            page.goto(live_server + demo["product"])
            shoot(page, f"header-{role}-{language}-{viewport['width']}")
            height = page.locator(".site-header").bounding_box()["height"]
            assert height < 80, f"{role}, {language}, {viewport['width']} px: the header is {height} px high"
            assert header_rows(page) == 1, f"{role}, {language}, {viewport['width']} px: more than one row"
    # On the phone the rest is one tap away, without JavaScript's help.
    page.set_viewport_size(PHONE)
    menu = page.locator(".site-menu")
    expect(menu.get_by_role("link").first).to_be_hidden()
    menu.locator("summary").click()
    expect(menu.get_by_role("navigation").first.get_by_role("link").first).to_be_visible()
    shoot(page, f"menu-open-{role}")


def focused_text(page) -> str:
    return page.evaluate("document.activeElement.matches('[role=status]') ? document.activeElement.innerText : ''")


@pytest.mark.parametrize("language", LANGUAGES)
def test_after_an_htmx_action_the_message_has_the_focus(browser, live_server, demo, language):
    page = new_phone(browser, "en-US")
    sign_in_as(page, live_server, "shopper")
    if language != "en-US":
        page.locator(".language-switch button[lang=zh-Hans]").click()
    page.goto(live_server + demo["product"])
    page.locator(".buy-bar button[type=submit]").click()
    expect(page.locator("#variant-panel [role=status]")).to_be_visible()
    assert focused_text(page), "Add to cart: the focus is not on the message"
    shoot(page, f"added-{language}")

    page.goto(live_server + demo["prototype"])
    page.locator(".pledge-form input[name=quantity]").fill("2")
    page.locator(".pledge-form button[type=submit]").first.click()
    expect(page.locator("#participation [role=status]")).to_be_visible()
    assert focused_text(page), "Pledge: the focus is not on the message"

    page.locator("#comments textarea").first.fill("能做成可以折叠的吗? Could it fold flat?")
    page.locator(".comment-form button[type=submit]").click()
    expect(page.locator("#comments [role=status]")).to_be_visible()
    assert focused_text(page), "Post comment: the focus is not on the message"
    shoot(page, f"commented-{language}")


def test_the_language_switch_after_a_refused_form_lands_on_a_page(browser, live_server, demo):
    page = new_phone(browser, "en-US", java_script_enabled=False)
    page.goto(live_server + demo["product"])
    page.locator("input[name=quantity]").fill("999")
    page.locator(".buy-bar button[type=submit]").click()
    expect(page.locator("#quantity-error")).to_be_visible()
    # The form posted to its page's own address, so the address bar still names the product.
    expect(page).to_have_url(re.compile(re.escape(live_server + demo["product"]) + r"\?variant=\d+$"))
    with page.expect_navigation() as navigation:
        page.locator(".language-switch button[lang=zh-Hans]").click()
    assert navigation.value.status == 200
    expect(page).to_have_url(re.compile(re.escape(live_server + demo["product"]) + r"\?variant=\d+$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
