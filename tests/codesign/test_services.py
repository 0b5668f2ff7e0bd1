from datetime import timedelta

import pytest
from sqlalchemy import func, select

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, ProductStatus
from blueprints.catalog.services import change_status
from blueprints.codesign.models import (AskStatus, Pledge, PollVote, Prototype, Stage)
from blueprints.codesign.services.comments import add_comment, delete_comment, edit_comment, moderate, toggle_like
from blueprints.codesign.services.launch import co_design_story, launch
from blueprints.codesign.services.pledges import cancel_pledge, pledge
from blueprints.codesign.services.prototypes import (PrototypeDetails, accept, board, close_due_prototypes,
                                                     close_for_review, create_prototype, decline, open_prototype)
from blueprints.codesign.services.support import (add_poll, set_would_buy_at, support_prototype, tally, vote,
                                                  winning_options, withdraw_support)
from blueprints.codesign.services.updates import answer_ask, make_ask, post_update
from blueprints.codesign.text import comment_html
from blueprints.columns import utcnow
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.notifications.models import Kind, Notification
from blueprints.notifications.services import set_preference
from extensions import db

pytestmark = pytest.mark.all_databases


def user(account) -> User:
    return db.session.get(User, account.id)


def proto(prototype_id) -> Prototype:
    return db.session.get(Prototype, prototype_id)


def test_only_a_verified_supplier_creates_and_only_its_own_members_move_stages(ctx, make_supplier, make_user,
                                                                                make_prototype, make_category):
    owner, rival, pending = make_supplier(), make_supplier(), make_supplier(verified=False)
    shopper = make_user()
    category = make_category()
    details = PrototypeDetails("Lamp", "", "", category, 9900, 7900, 20, utcnow() + timedelta(days=3))
    for account in (shopper, pending.member):
        with pytest.raises(AccessDenied):
            create_prototype(user(account), details)
    prototype_id, _slug = make_prototype(owner, open_it=False)
    prototype = proto(prototype_id)
    for action in (lambda u: open_prototype(u, prototype), lambda u: close_for_review(u, prototype),
                   lambda u: add_poll(u, prototype, "Size?", ["S", "M"])):
        with pytest.raises(AccessDenied):
            action(user(rival.member))
    assert prototype.stage == Stage.DRAFT


def test_the_lifecycle_allows_only_valid_transitions(ctx, make_supplier, make_prototype):
    supplier = make_supplier()
    member = user(supplier.member)
    prototype = proto(make_prototype(supplier, open_it=False)[0])
    with pytest.raises(DomainError):
        accept(member, prototype)  # draft -> accepted skips open and review
    open_prototype(member, prototype)
    with pytest.raises(DomainError):
        launch(member, prototype)
    close_for_review(member, prototype)
    with pytest.raises(InvalidFields):
        decline(member, prototype, "  ")  # a public reason is required
    decline(member, prototype, "Too expensive to make")
    assert prototype.stage == Stage.DECLINED and prototype.decline_reason == "Too expensive to make"
    with pytest.raises(DomainError):
        accept(member, prototype)


@pytest.mark.parametrize("overrides, field", [
    ({"target_price": 0}, "target_price"), ({"early_bird_price": 9999}, "early_bird_price"), ({"moq": 0}, "moq"),
    ({"deadline_in_days": -1}, "deadline"),
])
def test_prototype_details_are_checked(ctx, make_supplier, make_category, overrides, field):
    supplier, category = make_supplier(), make_category()
    overrides = dict(overrides)  # parametrize shares the dict between the two databases
    days = overrides.pop("deadline_in_days", 3)
    values = dict(title="Lamp", description="", specs="", category_id=category, target_price=9900,
                  early_bird_price=7900, moq=20, deadline=utcnow() + timedelta(days=days))
    with pytest.raises(InvalidFields) as error:
        create_prototype(user(supplier.member), PrototypeDetails(**{**values, **overrides}))
    assert field in error.value.errors


def test_polls_need_two_to_eight_different_answers(ctx, make_supplier, make_prototype):
    supplier = make_supplier()
    prototype = proto(make_prototype(supplier, poll=False)[0])
    for answers in (["Only one"], [str(n) for n in range(9)], ["Red", "red"]):
        with pytest.raises(InvalidFields):
            add_poll(user(supplier.member), prototype, "Colour?", answers)


def test_support_and_withdraw_are_explicit_and_idempotent(ctx, make_supplier, make_prototype, make_user):
    prototype = proto(make_prototype(make_supplier())[0])
    mei, lin = make_user(), make_user()
    support_prototype(user(mei), prototype, 7500)
    support_prototype(user(mei), prototype)  # a double click: still supported, the price kept
    support_prototype(user(lin), prototype)
    assert tally(prototype, user(mei)).supporters == 2 and tally(prototype, user(mei)).my_would_buy_at == 7500
    withdraw_support(user(mei), prototype)
    withdraw_support(user(mei), prototype)  # the same again: no change
    assert tally(prototype, user(mei)).supporters == 1 and not tally(prototype, user(mei)).supported_by_me


def test_a_suppliers_staff_are_refused_everywhere_on_their_own_prototypes(ctx, make_supplier, make_prototype,
                                                                          make_user):
    supplier, other = make_supplier(), make_supplier()
    prototype = proto(make_prototype(supplier)[0])
    staff = user(supplier.member)
    for action in (lambda: support_prototype(staff, prototype), lambda: set_would_buy_at(staff, prototype, 5000),
                   lambda: vote(staff, prototype.polls[0].options[0]), lambda: pledge(staff, prototype, 99)):
        with pytest.raises(DomainError, match="You work for the supplier"):
            action()
    assert tally(prototype, staff) == tally(prototype, user(make_user()))  # nothing counted
    support_prototype(user(other.member), prototype)  # another supplier's staff are the public here
    assert tally(prototype, staff).supporters == 1


def test_one_vote_per_poll_changeable_while_open(ctx, make_supplier, make_prototype, make_user):
    prototype = proto(make_prototype(make_supplier())[0])
    mei = make_user()
    sage, sand, _coral = prototype.polls[0].options
    vote(user(mei), sage)
    vote(user(mei), sand)
    assert db.session.scalar(select(func.count(PollVote.id))) == 1
    assert tally(prototype, user(mei)).votes == {sand.id: 1}


def test_pledges_are_one_per_user_and_cancellable(ctx, make_supplier, make_prototype, make_user):
    prototype = proto(make_prototype(make_supplier())[0])
    mei = make_user()
    pledge(user(mei), prototype, 2)
    pledge(user(mei), prototype, 5)
    assert tally(prototype, user(mei)).pledged == 5
    with pytest.raises(InvalidFields):
        pledge(user(mei), prototype, 0)
    cancel_pledge(user(mei), prototype)
    assert db.session.scalar(select(func.count(Pledge.id))) == 0


def test_a_closed_or_declined_prototype_refuses_votes_with_a_clear_message(ctx, make_supplier, make_prototype,
                                                                          make_user):
    supplier = make_supplier()
    prototype = proto(make_prototype(supplier)[0])
    mei = make_user()
    close_for_review(user(supplier.member), prototype)
    for action in (lambda: support_prototype(user(mei), prototype), lambda: vote(user(mei), prototype.polls[0].options[0]),
                   lambda: pledge(user(mei), prototype, 1), lambda: add_comment(user(mei), prototype, "Hi")):
        with pytest.raises(DomainError, match="no longer taking votes, pledges or comments"):
            action()
    decline(user(supplier.member), prototype, "No")
    with pytest.raises(DomainError, match="no longer taking"):
        support_prototype(user(mei), prototype)


def test_past_the_deadline_a_prototype_moves_to_review(ctx, make_supplier, make_prototype):
    prototype = proto(make_prototype(make_supplier())[0])
    assert close_due_prototypes(now=prototype.deadline - timedelta(minutes=1)) == []
    assert close_due_prototypes(now=prototype.deadline + timedelta(minutes=1)) == [prototype]
    assert prototype.stage == Stage.REVIEW


def test_comments_replies_official_edit_window_and_delete(ctx, make_supplier, make_prototype, make_user):
    supplier = make_supplier()
    prototype = proto(make_prototype(supplier)[0])
    mei = make_user()
    question = add_comment(user(mei), prototype, "  Leak-proof?  ")
    answer = add_comment(user(supplier.member), prototype, "Yes.", question)
    nested = add_comment(user(mei), prototype, "Thanks!", answer)
    assert question.body == "Leak-proof?" and not question.official and answer.official
    assert answer.parent_id == question.id and nested.parent_id == question.id  # one level deep
    for body, message in (("", "Write something first."), ("x" * 5001, "at most 5000 characters")):
        with pytest.raises(InvalidFields, match=None) as error:
            add_comment(user(mei), prototype, body)
        assert message in str(error.value.errors["body"])
    edit_comment(user(mei), question, "Leak-proof for soup?")
    question.created_at = utcnow() - timedelta(minutes=16)
    with pytest.raises(DomainError, match="15 minutes"):
        edit_comment(user(mei), question, "Too late")
    with pytest.raises(AccessDenied):
        delete_comment(user(supplier.member), question)
    delete_comment(user(mei), question)
    assert question.deleted_at is not None


def test_likes_are_one_per_user(ctx, make_supplier, make_prototype, make_user):
    prototype = proto(make_prototype(make_supplier())[0])
    mei, lin = make_user(), make_user()
    comment = add_comment(user(mei), prototype, "Nice")
    assert toggle_like(user(lin), comment) is True
    assert toggle_like(user(lin), comment) is False


@pytest.mark.parametrize("payload", [
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)",
    "https://evil.example/\"onmouseover=\"alert(1)", "<a href='javascript:alert(1)'>x</a>",
])
def test_comment_text_renders_inert(payload):
    html = str(comment_html(payload))
    assert "<script" not in html and "<img" not in html and "onerror=" not in html.replace("onerror=alert", "")
    assert 'href="javascript' not in html and "onmouseover=\"" not in html


def test_links_and_line_breaks_are_kept():
    html = str(comment_html("See https://example.com/a?b=1&c=2.\nThanks\n\nBye"))
    assert '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow ugc noopener"' in html
    assert "<br>" in html and html.count("<p>") == 2


def test_asks_updates_launch_and_the_story_on_the_product(ctx, make_supplier, make_prototype, make_user):
    supplier = make_supplier()
    member = user(supplier.member)
    prototype = proto(make_prototype(supplier)[0])
    mei, lin = make_user(display_name="Mei"), make_user(display_name="Lin")
    user(mei).credit_contributions = True
    for account, option in ((mei, 0), (lin, 0)):
        support_prototype(user(account), prototype)
        vote(user(account), prototype.polls[0].options[option])
    pledge(user(mei), prototype, 3)
    question = add_comment(user(mei), prototype, "Could it have a seal?")
    add_comment(user(lin), prototype, "Bigger please")
    ask = make_ask(member, question)
    answer_ask(member, ask, AskStatus.DONE, "Added a silicone seal.")
    post_update(member, prototype, "Seal added", ask_ids=[ask.id])
    close_for_review(member, prototype)
    accept(member, prototype)
    assert [o.label for o in winning_options(prototype.polls[0])] == ["Sage"]
    product = launch(member, prototype)
    assert prototype.stage == Stage.LAUNCHED and product.status == ProductStatus.DRAFT
    assert [v.options for v in product.variants] == [{"colour": "Sage"}]
    assert product.title == prototype.title

    story = co_design_story(product)
    assert story.supporters == 2 and story.pledged == 3
    assert [a.answer for a in story.asks_done] == ["Added a silicone seal."]
    assert [u.display_name for u in story.contributors] == ["Mei"]  # Lin did not opt in to credit


def test_launch_news_reaches_every_supporter_and_pledger_as_their_own_activity(ctx, make_supplier, make_prototype,
                                                                               make_user):
    supplier = make_supplier()
    member = user(supplier.member)
    prototype = proto(make_prototype(supplier)[0])
    keen, quiet, pledger = make_user(), make_user(), make_user()
    set_preference(user(quiet), Kind.SUPPORTED_PROTOTYPES, in_site=False, email=False)  # no email; the bell stays
    for account in (keen, quiet):
        support_prototype(user(account), prototype)
    pledge(user(pledger), prototype, 2)
    close_for_review(member, prototype)
    accept(member, prototype)
    product = launch(member, prototype)
    product.variants[0].stock_on_hand = 10
    change_status(member, product, ProductStatus.ACTIVE)
    notes = list(db.session.scalars(select(Notification).where(Notification.event == "launched")))
    assert sorted((n.user_id, n.in_site, n.by_email) for n in notes) == [
        (keen.id, True, True), (quiet.id, True, False), (pledger.id, True, True)]


def test_moderation_hides_with_a_reason_and_restores(ctx, make_supplier, make_prototype, make_user, admin):
    prototype = proto(make_prototype(make_supplier())[0])
    mei = make_user()
    comment = add_comment(user(mei), prototype, "spam spam")
    with pytest.raises(AccessDenied):
        moderate(user(mei), prototype=prototype, comment=comment, hide=True, reason="x")
    with pytest.raises(InvalidFields):
        moderate(user(admin), prototype=prototype, comment=comment, hide=True, reason="")
    moderate(user(admin), prototype=prototype, comment=comment, hide=True, reason="Advertising")
    assert comment.hidden_reason == "Advertising"
    moderate(user(admin), prototype=prototype, comment=None, hide=True, reason="Misleading photos")
    assert board() == []
    moderate(user(admin), prototype=prototype, comment=None, hide=False, reason="")
    assert [row[0] for row in board()] == [prototype]


def test_the_board_sorts_and_counts_in_one_query(ctx, make_supplier, make_prototype, make_user):
    supplier = make_supplier()
    first = proto(make_prototype(supplier, "First", moq=10)[0])
    second = proto(make_prototype(supplier, "Second", moq=4)[0])
    fans = [make_user() for _ in range(3)]
    for account in fans:
        support_prototype(user(account), first)
    pledge(user(fans[0]), second, 3)
    assert [p.title for p, *_ in board(sort="supported")] == ["First", "Second"]
    assert [p.title for p, *_ in board(sort="moq")] == ["Second", "First"]
    assert [(p.title, count, units) for p, count, units in board(sort="trending")][0] == ("First", 3, 0)


def test_pledgers_buy_at_the_early_bird_price_for_seven_days(ctx, make_supplier, make_prototype, make_user,
                                                              make_product):
    from blueprints.orders.models import PaymentMethod
    from blueprints.orders.services import AddressDetails, add_to_cart, get_or_create_cart, place_order, summarise
    from blueprints.money import Rates

    supplier = make_supplier()
    member = user(supplier.member)
    other_product = db.session.get(Product, make_product(supplier, "Other", stock=10).id)
    prototype = proto(make_prototype(supplier, moq=2)[0])
    pledger, stranger = make_user(), make_user()
    mine = pledge(user(pledger), prototype, 2)
    close_for_review(member, prototype)
    accept(member, prototype)
    product = launch(member, prototype)
    product.variants[0].stock_on_hand = 10
    change_status(member, product, ProductStatus.ACTIVE)
    variant = product.variants[0]

    cart = get_or_create_cart(user(pledger), None)
    with pytest.raises(DomainError, match="early-bird offer"):  # a pledge only buys its own product
        add_to_cart(cart, other_product.variants[0], None, 1, pledge_id=mine.id)
    add_to_cart(cart, variant, None, 2, pledge_id=mine.id)
    assert summarise(cart).lines[0].unit_price == 6900 and summarise(cart).problems == []
    with pytest.raises(InvalidFields):
        add_to_cart(cart, variant, None, 1, pledge_id=mine.id)  # beyond the pledged quantity
    with pytest.raises(DomainError, match="early-bird offer"):
        add_to_cart(get_or_create_cart(user(stranger), None), variant, None, 1, pledge_id=mine.id)
    place_order(user(pledger), cart, AddressDetails("王", "13800138000", "浙江省", "杭州市", "西湖区", "1 号"),
                PaymentMethod.CASH_ON_DELIVERY, "eb", Rates(800, 300))
    with pytest.raises(DomainError, match="early-bird offer"):  # used up
        add_to_cart(cart, variant, None, 1, pledge_id=mine.id)
    add_to_cart(cart, variant, None, 1)  # more at the normal price is fine
    assert summarise(cart).lines[0].unit_price == product.suggested_price


def test_no_early_bird_price_when_the_moq_was_not_reached(ctx, make_supplier, make_prototype, make_user):
    from blueprints.orders.early_bird import early_bird_offer

    supplier = make_supplier()
    member = user(supplier.member)
    prototype = proto(make_prototype(supplier, moq=50)[0])
    pledger = make_user()
    pledge(user(pledger), prototype, 2)
    close_for_review(member, prototype)
    accept(member, prototype)
    product = launch(member, prototype)
    product.variants[0].stock_on_hand = 10
    change_status(member, product, ProductStatus.ACTIVE)
    assert early_bird_offer(user(pledger), product) is None


def test_prototype_text_and_poll_answers_render_escaped(client, make_supplier, make_prototype, app):
    supplier = make_supplier()
    prototype_id, slug = make_prototype(supplier, '<script>alert("t")</script> Lamp', poll=False)
    with app.app_context():
        prototype = db.session.get(Prototype, prototype_id)
        prototype.description = '"><img src=x onerror=alert(1)>'
        add_poll(user(supplier.member), prototype, "<b>Colour?</b>", ["<i>Red</i>", "javascript:alert(1)"])
        db.session.commit()
    page = client.get(f"/codesign/{slug}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page and "<i>Red</i>" not in page
    assert "&lt;script&gt;" in page and "&lt;i&gt;Red&lt;/i&gt;" in page


def test_a_tally_reads_the_counts_and_the_viewers_own_in_two_statements(ctx, app, make_supplier, make_prototype,
                                                                        make_user):
    from flask_login import AnonymousUserMixin

    from tests.test_query_counts import counting

    prototype = proto(make_prototype(make_supplier())[0])
    mei, lin, kai = make_user(), make_user(), make_user()
    support_prototype(user(mei), prototype, 7500)
    support_prototype(user(lin), prototype)
    pledge(user(mei), prototype, 2)
    pledge(user(kai), prototype, 3)
    sage, sand, _coral = prototype.polls[0].options
    vote(user(mei), sand)
    vote(user(lin), sand)
    vote(user(kai), sage)
    db.session.commit()
    viewers = {"mei": user(mei), "lin": user(lin), "visitor": AnonymousUserMixin()}
    poll_id, sage_id, sand_id = prototype.polls[0].id, sage.id, sand.id  # loaded again after the commit, first
    with counting(app) as statements:
        counted = {name: tally(prototype, viewer) for name, viewer in viewers.items()}
    assert len(statements) == 2 * len(viewers)
    for each in counted.values():
        assert (each.supporters, each.pledged, each.votes) == (2, 5, {sand_id: 2, sage_id: 1})
    assert (counted["mei"].supported_by_me, counted["mei"].my_would_buy_at, counted["mei"].my_pledge,
            counted["mei"].my_votes) == (True, 7500, 2, {poll_id: sand_id})
    assert (counted["lin"].supported_by_me, counted["lin"].my_would_buy_at, counted["lin"].my_pledge) == (True, None, 0)
    assert (counted["visitor"].supported_by_me, counted["visitor"].my_pledge, counted["visitor"].my_votes) == (
        False, 0, {})
