"""Suggestions from real rows: what co-occurs, what is left out, and what a newcomer sees."""
from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import update

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, ProductStatus
from blueprints.catalog.services import change_status
from blueprints.codesign.models import Prototype, Stage, Support
from blueprints.columns import utcnow
from blueprints.orders.models import Order
from blueprints.recommendations.services import also_chosen_with, for_you
from blueprints.subscriptions.services import subscribe
from blueprints.suppliers.models import Supplier, SupplierAction
from blueprints.suppliers.services import decide
from extensions import db

pytestmark = pytest.mark.all_databases


def suggested(user_id: int | None = None, **kwargs) -> list[tuple[str, str, object]]:
    """(title, reason, what the reason names) for the user, or for a visitor."""
    user = db.session.get(User, user_id) if user_id else AnonymousUserMixin()
    return [(shown.item.title, shown.reason, getattr(shown.about, "name_en", shown.about))
            for shown in for_you(user, **kwargs)]


def titles(user_id: int | None = None) -> list[str]:
    return [title for title, _reason, _about in suggested(user_id)]


def test_people_who_supported_the_same_prototype_suggest_what_else_they_chose(
        app, ctx, make_user, make_supplier, make_product, make_prototype, acts):
    supplier = make_supplier()
    lunch_box, _slug = make_prototype(supplier, "Bamboo lunch box")
    flask = make_product(supplier, "Steel flask")
    me, fan, other = make_user(), make_user(), make_user()
    acts.support(me, lunch_box)
    acts.support(fan, lunch_box)
    acts.buy(fan, flask)
    acts.buy(other, make_product(supplier, "Unrelated rug"))
    first = suggested(me.id)[0]
    assert first == ("Steel flask", "supported", "Bamboo lunch box")


def test_a_purchase_is_named_as_bought(ctx, make_user, make_supplier, make_product, acts):
    supplier = make_supplier()
    teapot, tea = make_product(supplier, "Cast iron teapot"), make_product(supplier, "Oolong tea")
    me, fan = make_user(), make_user()
    acts.buy(me, teapot)
    acts.buy(fan, teapot)
    acts.buy(fan, tea)
    assert suggested(me.id)[0] == ("Oolong tea", "bought", "Cast iron teapot")


def test_never_suggests_what_the_user_already_bought_supported_voted_on_or_pledged_to(
        ctx, make_user, make_supplier, make_product, make_prototype, acts):
    supplier = make_supplier()
    supported, _ = make_prototype(supplier, "Supported idea")
    voted, _ = make_prototype(supplier, "Voted idea")
    pledged, _ = make_prototype(supplier, "Pledged idea")
    bought = make_product(supplier, "Bought thing")
    fresh = make_product(supplier, "Fresh thing")
    me, fan = make_user(), make_user()
    acts.support(me, supported)
    acts.vote(me, voted)
    acts.pledge(me, pledged)
    acts.buy(me, bought)
    for prototype_id in (supported, voted, pledged):
        acts.support(fan, prototype_id)
    acts.buy(fan, bought)
    acts.buy(fan, fresh)
    assert titles(me.id) == ["Fresh thing"]


def test_a_launched_prototype_and_its_product_are_one_item(
        ctx, make_user, make_supplier, make_product, make_prototype, acts):
    supplier = make_supplier()
    prototype_id, _ = make_prototype(supplier, "Travel tea set (prototype)")
    product = make_product(supplier, "Travel tea set")
    other = make_product(supplier, "Tea towel")
    me, fan = make_user(), make_user()
    acts.support(me, prototype_id)
    acts.buy(fan, product)
    acts.buy(fan, other)
    db.session.execute(update(Prototype).where(Prototype.id == prototype_id)
                       .values(stage=Stage.LAUNCHED, product_id=product.id))
    # Supporting the prototype is taste for its product: the buyer of the product is my neighbour,
    # and the product itself is not suggested back to me.
    assert suggested(me.id) == [("Tea towel", "supported", "Travel tea set (prototype)")]


def test_nothing_from_a_suspended_supplier_nor_anything_not_public(
        app, ctx, make_user, make_supplier, make_product, make_prototype, acts, admin):
    good, bad = make_supplier("Good Co"), make_supplier("Soon Suspended Co")
    seed = make_product(good, "Seed")
    suspended = make_product(bad, "From a suspended supplier")
    suspended_idea, _ = make_prototype(bad, "Idea from a suspended supplier")
    retired = make_product(good, "Retired product")
    hidden, _ = make_prototype(good, "Hidden idea")
    in_review, _ = make_prototype(good, "Idea in review")
    draft, _ = make_prototype(good, "Draft idea", open_it=False)
    visible = make_product(good, "Still for sale")
    me, fan = make_user(), make_user()
    acts.buy(me, seed)
    for product in (seed, suspended, retired, visible):
        acts.buy(fan, product)
    for prototype_id in (suspended_idea, hidden, in_review):
        acts.support(fan, prototype_id)
    decide(db.session.get(User, admin.id), db.session.get(Supplier, bad.id), SupplierAction.SUSPEND, "Fakes")
    change_status(db.session.get(User, good.member.id), db.session.get(Product, retired.id), ProductStatus.RETIRED)
    db.session.get(Prototype, hidden).hidden_reason = "Spam"
    db.session.get(Prototype, in_review).stage = Stage.REVIEW
    db.session.flush()
    assert draft and titles(me.id) == ["Still for sale"]
    assert titles() == ["Seed", "Still for sale"]  # trending, for a visitor: the same rules


def test_a_visitor_and_a_new_user_see_what_is_trending_in_the_last_two_weeks(
        ctx, make_user, make_supplier, make_product, make_prototype, acts):
    supplier = make_supplier()
    hot, warm, old = make_product(supplier, "Hot"), make_product(supplier, "Warm"), make_product(supplier, "Old news")
    idea, _ = make_prototype(supplier, "Busy idea")
    people = [make_user() for _ in range(3)]
    for person in people:
        acts.buy(person, hot)
        acts.buy(person, old)
        acts.pledge(person, idea)
    acts.buy(people[0], warm)
    acts.support(people[0], idea)
    newcomer = make_user()
    month_ago = utcnow() - timedelta(days=30)
    db.session.execute(update(Order).where(Order.idempotency_key.like(f"order-%-{old.id}")).values(placed_at=month_ago))
    expected = [("Busy idea", "trending", None), ("Hot", "trending", None), ("Warm", "trending", None)]
    assert suggested() == expected
    assert suggested(newcomer.id) == expected
    assert len(suggested(limit=2)) == 2


def test_keyword_subscriptions_find_items_nobody_else_touched(ctx, make_user, make_supplier, make_product, acts):
    supplier = make_supplier()
    make_product(supplier, "不锈钢保温杯 500ml")
    make_product(supplier, "保温饭盒", suggested_price=9900, max_price=9900)
    make_product(supplier, "Linen tea towel")
    me = make_user()
    subscribe(db.session.get(User, me.id), keywords="保温", category_id=None, max_price=8000)
    subscribe(db.session.get(User, me.id), keywords="linen TOWEL", category_id=None, max_price=None)
    subscribe(db.session.get(User, me.id), keywords="linen shirt", category_id=None, max_price=None)
    # Every word of a subscription, under its price cap, as the subscription's own notifications decide.
    assert sorted(suggested(me.id)) == [("Linen tea towel", "keyword", "linen towel"),
                                        ("不锈钢保温杯 500ml", "keyword", "保温")]


def test_category_affinity_suggests_more_of_what_the_user_likes(
        ctx, make_user, make_supplier, make_product, make_category, acts):
    supplier = make_supplier()
    kitchen, bags = make_category("kitchen", "Kitchen", "厨房"), make_category("bags", "Bags", "包袋")
    bowl = make_product(supplier, "Rice bowl", category_id=kitchen)
    make_product(supplier, "Serving plate", category_id=kitchen)
    make_product(supplier, "Canvas tote", category_id=bags)
    me = make_user()
    acts.buy(me, bowl)
    assert suggested(me.id) == [("Serving plate", "category", "Kitchen")]


def test_what_neighbours_chose_is_weighed_however_many_newer_items_fill_the_favourite_category(
        ctx, make_user, make_supplier, make_product, make_category, acts, monkeypatch):
    from blueprints.recommendations import services

    monkeypatch.setattr(services, "POOL", 2)  # items beyond those wanted by name: the two newest here
    supplier = make_supplier()
    kitchen = make_category("kitchen", "Kitchen", "厨房")
    teapot, tea = (make_product(supplier, title, category_id=kitchen) for title in ("Cast iron teapot", "Oolong tea"))
    newer = [make_product(supplier, f"Newer cup {n}", category_id=kitchen).title for n in range(3)]
    me, fan = make_user(), make_user()
    acts.buy(me, teapot)
    acts.buy(fan, teapot)
    acts.buy(fan, tea)
    shown = suggested(me.id)
    assert shown[0] == ("Oolong tea", "bought", "Cast iron teapot")
    # The rest of the pool is the newest of the category: the oldest newer cup is left out.
    assert sorted(title for title, _reason, _about in shown[1:]) == newer[1:]


def test_also_chosen_on_a_product_and_on_a_prototype(
        ctx, make_user, make_supplier, make_product, make_prototype, acts):
    supplier = make_supplier()
    flask, cup = make_product(supplier, "Steel flask"), make_product(supplier, "Glass cup")
    idea, _ = make_prototype(supplier, "Lunch box")
    mine = make_product(supplier, "Already mine")
    fans = [make_user() for _ in range(2)]
    for fan in fans:
        acts.buy(fan, flask)
        acts.support(fan, idea)
        acts.buy(fan, mine)
    acts.buy(fans[0], cup)
    viewer = make_user()
    acts.buy(viewer, mine)

    def also(item, user_id=None):
        user = db.session.get(User, user_id) if user_id else AnonymousUserMixin()
        return [(shown.item.title, shown.reason, shown.about) for shown in also_chosen_with(item, user)]

    product = db.session.get(Product, flask.id)
    # The viewer bought "Already mine" too, so it is more popular: less telling than the lunch box.
    assert also(product) == [("Lunch box", "together", 2), ("Already mine", "together", 2), ("Glass cup", "together", 1)]
    assert also(product, viewer.id) == [("Lunch box", "together", 2), ("Glass cup", "together", 1)]
    assert also(db.session.get(Prototype, idea), viewer.id) == [("Steel flask", "together", 2),
                                                                ("Glass cup", "together", 1)]


def test_taking_a_support_back_takes_its_suggestion_with_it(ctx, make_user, make_supplier, make_prototype, acts):
    supplier = make_supplier()
    idea, other = make_prototype(supplier, "Idea")[0], make_prototype(supplier, "Other idea")[0]
    me, fan = make_user(), make_user()
    acts.support(me, idea)
    acts.support(fan, idea)
    acts.support(fan, other)
    assert titles(me.id) == ["Other idea"]
    db.session.execute(Support.__table__.delete().where(Support.user_id == fan.id, Support.prototype_id == idea))
    assert ("Other idea", "supported", "Idea") not in suggested(me.id)


def test_picks_go_only_to_who_asked_once_each_and_never_mere_trending(
        app, ctx, make_user, make_supplier, make_product, acts):
    from blueprints.notifications.models import Kind, Notification
    from blueprints.notifications.services import set_preference
    from blueprints.recommendations.services import send_picks

    supplier = make_supplier()
    teapot, tea = make_product(supplier, "Cast iron teapot"), make_product(supplier, "Oolong tea")
    keen, quiet, newcomer, fan = make_user(), make_user(), make_user(), make_user()
    for person in (keen, quiet):
        acts.buy(person, teapot)
    acts.buy(fan, teapot)
    acts.buy(fan, tea)
    for person in (keen, newcomer):
        set_preference(db.session.get(User, person.id), Kind.RECOMMENDATIONS, in_site=True, email=False)
    db.session.commit()

    assert send_picks() == 1
    assert send_picks() == 0  # the same pick is not sent twice
    picks = db.session.scalars(db.select(Notification).where(Notification.kind == Kind.RECOMMENDATIONS)).all()
    assert [(n.user_id, n.subject, n.link) for n in picks] == [(keen.id, "Oolong tea", f"/p/{tea.slug}")]
    result = app.test_cli_runner().invoke(args=["send-picks"])
    assert "Sent 0 pick(s)." in result.output
