"""Which poll decides which variant option is explicit and unique; a poll can change until its first vote and
close after; before launching, the supplier sees exactly which variants will be made from which results."""
import pytest

from blueprints.accounts.models import User
from blueprints.codesign.models import Prototype
from blueprints.codesign.services.launch import launch
from blueprints.codesign.services.prototypes import accept, close_for_review
from blueprints.codesign.services.support import add_poll, close_poll, edit_poll, remove_poll, variant_plan, vote
from blueprints.errors import DomainError, InvalidFields
from extensions import db
from tests.conftest import sign_in

pytestmark = pytest.mark.all_databases


def user(account) -> User:
    return db.session.get(User, account.id)


def test_two_polls_cannot_decide_the_same_option(ctx, make_supplier, make_prototype):
    supplier = make_supplier()
    prototype = db.session.get(Prototype, make_prototype(supplier)[0])  # its poll decides the colours
    with pytest.raises(InvalidFields, match="already decides"):
        add_poll(user(supplier.member), prototype, "Which pink?", ["Pink", "Rose"], "colour")
    add_poll(user(supplier.member), prototype, "Which size?", ["S", "L"], "size")
    add_poll(user(supplier.member), prototype, "Lid or no lid?", ["Lid", "None"])  # a plain question


def test_a_poll_changes_until_its_first_vote_then_only_closes(ctx, make_supplier, make_prototype, make_user):
    supplier = make_supplier()
    staff = user(supplier.member)
    first, second = make_user(), make_user()
    prototype = db.session.get(Prototype, make_prototype(supplier)[0])
    poll = prototype.polls[0]
    edit_poll(staff, poll, "Which colour, really?", ["Charcoal", "Pink"], "colour")
    assert [o.label for o in poll.options] == ["Charcoal", "Pink"]
    vote(user(first), poll.options[0])
    with pytest.raises(DomainError, match="People have voted"):
        edit_poll(staff, poll, "Which?", ["Pink", "Red"], "colour")
    with pytest.raises(DomainError, match="People have voted"):
        remove_poll(staff, poll)
    close_poll(staff, poll)
    with pytest.raises(DomainError, match="closed"):
        vote(user(second), poll.options[1])


def test_launch_makes_exactly_the_variants_its_preview_showed(ctx, make_supplier, make_prototype, make_user):
    supplier = make_supplier()
    staff = user(supplier.member)
    accounts = [make_user() for _ in range(3)]
    prototype = db.session.get(Prototype, make_prototype(supplier)[0])
    sizes = add_poll(staff, prototype, "Which size?", ["S", "L"], "size")
    fans = [user(account) for account in accounts]
    for fan in fans:
        vote(fan, prototype.polls[0].options[1])  # Sand
    vote(fans[0], sizes.options[1])
    close_for_review(staff, prototype)
    plan = variant_plan(prototype)
    assert [(poll.variant_option, [o.label for o in winners]) for poll, winners in plan.results] == [
        ("colour", ["Sand"]), ("size", ["L"])]
    accept(staff, prototype)
    product = launch(staff, prototype)
    assert [variant.options for variant in product.variants] == plan.variants == [{"colour": "Sand", "size": "L"}]


def test_the_supplier_sees_the_variants_before_launching(app, client, make_supplier, make_prototype, make_user):
    supplier = make_supplier()
    prototype_id, _slug = make_prototype(supplier)
    fan = make_user()
    with app.app_context():
        prototype = db.session.get(Prototype, prototype_id)
        vote(db.session.get(User, fan.id), prototype.polls[0].options[2])
        close_for_review(db.session.get(User, supplier.member.id), prototype)
        db.session.commit()
    sign_in(client, supplier.member)
    page = client.get(f"/supplier/prototypes/{prototype_id}/edit").get_data(as_text=True)
    assert "What launch will make" in page and "Coral" in page and "1 variant:" in page
