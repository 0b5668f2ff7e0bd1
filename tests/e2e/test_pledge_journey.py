"""The promise kept, in a real browser: three people support, vote and pledge; the goal is reached and all three
are told; the supplier launches; each pledger confirms an order at the early-bird price with the poll's winning
variant; a fourth prototype misses its deadline and its pledgers are told."""
import re

import pytest
from playwright.sync_api import expect

from blueprints.accounts.models import User
from blueprints.catalog.models import ProductStatus
from blueprints.catalog.services import change_status
from blueprints.codesign.models import Prototype
from blueprints.codesign.services.launch import launch
from blueprints.codesign.services.pledges import pledge
from blueprints.codesign.services.prototypes import accept, close_due_prototypes, close_for_review
from blueprints.orders.models import OrderLine
from extensions import db
from tests.e2e.test_auth_journey import new_page
from tests.e2e.test_supply_journey import sign_in

pytestmark = pytest.mark.browser


def test_pledges_become_orders_and_a_missed_deadline_is_told(app, browser, live_server, axe_violations,
                                                             make_supplier, make_prototype, make_user):
    supplier = make_supplier("Clay Co")
    prototype_id, slug = make_prototype(supplier, "Travel tea set", moq=3)
    missed_id, missed_slug = make_prototype(supplier, "Tea tray", moq=50)
    backers = [make_user(f"backer{n}@example.com", display_name=f"Backer {n}") for n in range(3)]

    pages = []
    for backer in backers:
        page = new_page(browser, width=375, height=812)
        sign_in(page, live_server, backer)
        page.goto(f"{live_server}/codesign/{slug}")
        page.get_by_role("button", name="Support this").click()
        expect(page.locator("#participation")).to_contain_text("You support this.")
        page.get_by_role("button", name="Sand").click()
        expect(page.locator("#polls")).to_contain_text("vote")
        page.get_by_role("spinbutton", name="Units").fill("1")
        page.get_by_role("button", name="Pledge to buy").click()
        expect(page.locator("#participation")).to_contain_text("You pledged 1")
        pages.append(page)
    expect(pages[-1].locator("#participation")).to_contain_text("Goal reached")
    for page in pages:  # all three told, none of them opted in to anything
        page.goto(live_server + "/my/notifications")
        expect(page.get_by_text("Travel tea set reached its goal")).to_be_visible()

    with app.app_context():
        staff = db.session.get(User, supplier.member.id)
        prototype = db.session.get(Prototype, prototype_id)
        close_for_review(staff, prototype)
        accept(staff, prototype)
        product = launch(staff, prototype)
        product.variants[0].stock_on_hand = 20
        change_status(staff, product, ProductStatus.ACTIVE)
        missed = db.session.get(Prototype, missed_id)
        for backer in backers[:2]:
            pledge(db.session.get(User, backer.id), missed, 2)
        db.session.commit()

    for page in pages:
        page.goto(live_server + "/my/notifications")
        page.get_by_role("link", name=re.compile("your pledge is an order ready to confirm")).click()
        expect(page.get_by_role("heading", name="Confirm your early-bird order")).to_be_visible()
        expect(page.get_by_label("Sand")).to_be_checked()
        assert axe_violations(page) == []
        page.get_by_label("Recipient").fill("王小明")
        page.get_by_label("Mobile number").fill("13800138000")
        page.get_by_label("Province").fill("浙江省")
        page.get_by_label("City").fill("杭州市")
        page.get_by_label("District").fill("西湖区")
        page.get_by_label("Street address").fill("文三路 90 号")
        page.get_by_role("button", name="Confirm my order").click()
        expect(page.get_by_text("Your early-bird order")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    with app.app_context():
        lines = list(db.session.scalars(db.select(OrderLine)))
        assert [(line.unit_price, line.variant_label) for line in lines] == [(6900, "Sand")] * 3

    with app.app_context():
        missed = db.session.get(Prototype, missed_id)
        close_due_prototypes(now=missed.deadline)
        db.session.commit()
    for page in pages[:2]:
        page.goto(live_server + "/my/notifications")
        expect(page.get_by_text("Tea tray closed below its minimum order")).to_be_visible()
    pages[2].goto(live_server + "/my/notifications")
    expect(pages[2].get_by_text("Tea tray closed below its minimum order")).to_have_count(0)
    pages[0].goto(live_server + "/my/codesign")
    expect(pages[0].get_by_text("Feedback closed below the minimum order")).to_be_visible()
    assert axe_violations(pages[0]) == []
