"""A prototype from draft to a product that thanks the people who shaped it, in a real browser."""
import re
from datetime import datetime, timedelta, UTC

import pytest
from playwright.sync_api import expect

from tests.e2e.test_auth_journey import new_page
from tests.e2e.test_supply_journey import sign_in

pytestmark = pytest.mark.browser


def test_prototype_to_product_with_credit(browser, live_server, axe_violations, make_supplier, make_category,
                                          make_user):
    make_category("tea", "Tea", "茶")
    supplier = make_supplier("Clay Co")
    mei = make_user("mei@example.com", display_name="Mei")
    lin = make_user("lin@example.com", display_name="Lin")

    # The supplier publishes a prototype with a poll.
    maker = new_page(browser)
    sign_in(maker, live_server, supplier.member)
    maker.goto(live_server + "/supplier/prototypes/new")
    maker.get_by_label("Title").fill("Travel tea set")
    maker.get_by_label("Category").select_option(label="Tea")
    maker.get_by_label("What it is").fill("A tea set that fits in a backpack.")
    maker.get_by_label("Target price (¥)").fill("168")
    maker.get_by_label("Early-bird price (¥)").fill("128")
    maker.get_by_label("Minimum order quantity").fill("20")
    deadline = (datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    maker.get_by_label("Feedback deadline (UTC)").fill(deadline)
    maker.get_by_role("button", name="Save draft").click()
    expect(maker.get_by_text("Prototype saved as a draft.")).to_be_visible()
    maker.get_by_label("Question").fill("Which case colour?")
    maker.get_by_label("Answers, one per line").fill("Indigo\nMoss\nClay")
    maker.get_by_label("The winning answers become (optional)").select_option(label="The product's colours")
    maker.get_by_role("button", name="Add poll").click()
    expect(maker.get_by_text("Poll added.")).to_be_visible()
    maker.get_by_role("button", name="Open for feedback").click()
    expect(maker.get_by_text("Open for feedback: it is on the co-design board.")).to_be_visible()
    assert axe_violations(maker) == []

    # Mei opts in to credit, then supports, votes and comments; counts change without a reload.
    fan = new_page(browser)
    sign_in(fan, live_server, mei)
    fan.get_by_label("Yes, show my display name").check()
    fan.get_by_role("button", name="Save").first.click()
    expect(fan.get_by_text("co-designed products will name you")).to_be_visible()
    fan.goto(live_server + "/codesign")
    fan.get_by_role("link", name="Travel tea set").click()
    fan.evaluate("window.stillTheSamePage = true")
    fan.get_by_role("button", name="Support this").click()
    expect(fan.locator("#participation")).to_contain_text("1 supporter")
    fan.get_by_role("button", name="Moss").click()
    expect(fan.locator("#polls")).to_contain_text("1 vote")
    fan.get_by_label("Your comment").fill("Could the case close with a seal, so it does not rattle?")
    fan.get_by_role("button", name="Post comment").click()
    expect(fan.locator("#comments")).to_contain_text("Could the case close with a seal")
    assert fan.evaluate("window.stillTheSamePage") is True
    assert axe_violations(fan) == []

    # Lin supports and votes too; Mei sees the new count after her own next action.
    other = new_page(browser, width=375, height=812)
    sign_in(other, live_server, lin)
    other.goto(fan.url)
    other.get_by_role("button", name="Support this").click()
    expect(other.locator("#participation")).to_contain_text("2 supporters")
    other.get_by_role("button", name="Moss").click()
    expect(other.locator("#polls")).to_contain_text("2 votes")
    assert other.evaluate("document.documentElement.scrollWidth") <= 375
    assert axe_violations(other) == []

    # The supplier takes up Mei's request, posts an update, accepts and launches.
    maker.goto(fan.url)
    maker.get_by_role("button", name="Track as an ask").click()
    expect(maker.get_by_text("Added to the asks.")).to_be_visible()
    maker.goto(live_server + "/supplier/prototypes")
    maker.get_by_role("link", name="Travel tea set", exact=True).click()
    maker.get_by_label("Status").select_option(label="Done")
    maker.get_by_label("Official answer").fill("The case now closes with a silicone seal.")
    maker.get_by_role("button", name="Save ask").click()
    maker.get_by_label("What we changed").fill("Added a silicone seal to the case.")
    maker.get_by_role("checkbox", name=re.compile("Ask: Could the case")).check()
    maker.get_by_role("button", name="Post update").click()
    expect(maker.get_by_text("Update posted")).to_be_visible()
    maker.get_by_role("button", name="Close for review now").click()
    maker.get_by_role("button", name="Accept: we will make it").click()
    maker.get_by_role("button", name="Launch into the catalog").click()
    expect(maker.get_by_text("Launched: a draft product was made")).to_be_visible()
    maker.get_by_label("Stock on hand").first.fill("40")
    maker.get_by_role("button", name=re.compile("^Save")).nth(1).click()
    maker.get_by_role("button", name="Publish").click()
    expect(maker.get_by_text("Published: the product is in the catalog.")).to_be_visible()

    # The product page tells the story and thanks Mei, who opted in (Lin did not).
    visitor = new_page(browser)
    visitor.goto(live_server + "/catalog")
    visitor.get_by_role("link", name="Travel tea set").click()
    panel = visitor.get_by_role("region", name="Co-designed with the community")
    expect(panel).to_contain_text("2 people supported the prototype")
    expect(panel).to_contain_text("The case now closes with a silicone seal.")
    expect(panel).to_contain_text("Mei")
    expect(panel).not_to_contain_text("Lin")
    expect(visitor.get_by_label("Moss")).to_be_visible()  # the winning colour became the variant
    assert axe_violations(visitor) == []
