"""Two members on one shared copy of a prototype page, in a real browser: each takes part through htmx and sees
only their own support, vote and comment buttons, at desktop and phone width."""
import pytest
from playwright.sync_api import expect

from blueprints import cache
from tests.e2e.test_auth_journey import new_page
from tests.e2e.test_supply_journey import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def shared_copies(app):
    app.config.update(PAGE_CACHE_SECONDS=60, FRAGMENT_CACHE="on")
    cache._memory.clear()
    cache._fragments.clear()
    yield
    cache._memory.clear()
    cache._fragments.clear()


def test_two_members_take_part_on_a_shared_prototype_page(shared_copies, browser, live_server, axe_violations,
                                                         make_supplier, make_prototype, make_user):
    _prototype_id, slug = make_prototype(make_supplier("Clay Co"))
    page_address = f"{live_server}/codesign/{slug}"
    lin = new_page(browser)
    sign_in(lin, live_server, make_user("lin@example.com", display_name="Lin"))
    mei = new_page(browser, width=375, height=812)
    sign_in(mei, live_server, make_user("mei@example.com", display_name="Mei"))

    assert lin.goto(page_address).headers["x-page-cache"] == "miss"  # Lin's view makes the members' copy
    assert mei.goto(page_address).headers["x-page-cache"] == "hit"
    mei.get_by_role("button", name="Support this").click()
    expect(mei.locator("#participation")).to_contain_text("You support this.")
    mei.get_by_role("button", name="Sand").click()
    expect(mei.get_by_role("button", name="Sand")).to_have_attribute("aria-pressed", "true")
    mei.get_by_label("Your comment").fill("Could the lid click shut?")
    mei.get_by_role("button", name="Post comment").click()
    expect(mei.locator("#comments")).to_contain_text("Could the lid click shut?")

    # Her next view renders the copy again (her writes moved its version on); Lin's is then served from it.
    assert mei.goto(page_address).headers["x-page-cache"] == "miss"
    own_comment = mei.locator("article.comment", has_text="Could the lid click shut?")
    expect(own_comment.get_by_text("Edit", exact=True)).to_be_visible()
    expect(mei.get_by_role("button", name="Sand")).to_have_attribute("aria-pressed", "true")
    assert mei.evaluate("document.documentElement.scrollWidth") <= 375
    assert axe_violations(mei) == []

    assert lin.goto(page_address).headers["x-page-cache"] == "hit"
    expect(lin.locator("#participation")).to_contain_text("1 supporter")
    expect(lin.get_by_role("button", name="Support this")).to_be_visible()
    expect(lin.get_by_role("button", name="Sand")).to_have_attribute("aria-pressed", "false")
    theirs = lin.locator("article.comment", has_text="Could the lid click shut?")
    expect(theirs.get_by_text("Edit", exact=True)).to_have_count(0)
    expect(theirs.get_by_text("Report", exact=True)).to_be_visible()
    # Lin likes Mei's comment from the shared copy: the count changes in place, pressed for Lin alone.
    theirs.get_by_role("button", name="Like").click()
    expect(lin.locator("article.comment", has_text="Could the lid click shut?")
           .get_by_role("button", name="Like")).to_have_attribute("aria-pressed", "true")
    assert axe_violations(lin) == []
    mei.reload()
    expect(mei.locator("article.comment", has_text="Could the lid click shut?")
           .get_by_role("button", name="Like")).to_have_attribute("aria-pressed", "false")
