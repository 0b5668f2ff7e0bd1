"""A 300-character unbroken word in every text people type never widens a 375 px page (scrollWidth)."""
import pytest
from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.codesign.models import AskStatus, Prototype
from blueprints.codesign.services.comments import add_comment
from blueprints.codesign.services.prototypes import close_for_review, decline
from blueprints.codesign.services.updates import answer_ask, make_ask, post_update
from blueprints.suppliers.models import Supplier
from extensions import db
from tests.e2e.test_auth_journey import new_page
from tests.e2e.test_supply_journey import sign_in

pytestmark = pytest.mark.browser

WORD = "Long" + "x" * 296


def test_a_300_character_word_never_widens_a_phone_page(app, browser, live_server, make_supplier, make_prototype,
                                                        make_user):
    supplier = make_supplier(WORD[:80])
    fan = make_user(display_name=WORD[:80])
    prototype_id, slug = make_prototype(supplier, WORD[:160])
    with app.app_context():
        prototype = db.session.get(Prototype, prototype_id)
        prototype.description = prototype.specs = WORD
        staff, person = db.session.get(User, supplier.member.id), db.session.get(User, fan.id)
        comment = add_comment(person, prototype, WORD)
        add_comment(staff, prototype, WORD, comment)
        answer_ask(staff, make_ask(staff, comment), AskStatus.PLANNED, WORD)
        post_update(staff, prototype, WORD, comment_ids=[comment.id])
        close_for_review(staff, prototype)
        decline(staff, prototype, WORD)
        db.session.get(Supplier, db.session.scalar(select(Supplier.id))).description = WORD
        db.session.commit()
    page = new_page(browser, width=375, height=800)
    sign_in(page, live_server, supplier.member)
    for path in (f"/codesign/{slug}", f"/supplier/prototypes/{prototype_id}/edit", f"/supplier/prototypes/{slug}",
                 "/supplier/prototypes", "/my/notifications", "/supplier"):
        page.goto(live_server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width} px wide"
