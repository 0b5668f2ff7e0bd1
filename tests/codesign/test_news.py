"""Everyone hears what became of what they took part in, as their own activity: the goal reached, pledges
void, a decline, an official answer, an ask's new status, an update that credits them; applicants hear the
admin's decision; suppliers hear of new comments, reports and orders."""
import pytest
from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.codesign.models import AskStatus, Prototype
from blueprints.codesign.services.comments import add_comment, report
from blueprints.codesign.services.pledges import pledge
from blueprints.codesign.services.prototypes import close_due_prototypes, close_for_review, decline
from blueprints.codesign.services.support import support_prototype, vote
from blueprints.codesign.services.updates import answer_ask, make_ask, post_update
from blueprints.notifications.models import Kind, Notification
from blueprints.notifications.services import set_preference
from blueprints.suppliers.models import SupplierAction
from blueprints.suppliers.services import apply_for_supplier, decide
from blueprints.errors import DomainError
from extensions import db

pytestmark = pytest.mark.all_databases


def user(account) -> User:
    return db.session.get(User, account.id)


def told(event: str) -> set[int]:
    return set(db.session.scalars(select(Notification.user_id).where(Notification.event == event,
                                                                     Notification.in_site.is_(True))))


def test_pledgers_hear_at_once_when_the_goal_is_reached_and_only_once(ctx, make_supplier, make_prototype,
                                                                      make_user):
    prototype = db.session.get(Prototype, make_prototype(make_supplier(), moq=5)[0])
    mei, lin, bo = make_user(), make_user(), make_user()
    pledge(user(mei), prototype, 2)
    pledge(user(lin), prototype, 2)
    assert told("goal_reached") == set() and prototype.goal_reached_at is None
    pledge(user(bo), prototype, 1)
    assert told("goal_reached") == {mei.id, lin.id, bo.id} and prototype.goal_reached_at is not None
    pledge(user(bo), prototype, 3)
    assert db.session.scalar(select(db.func.count(Notification.id)).where(Notification.event == "goal_reached")) == 3


def test_below_the_moq_at_the_deadline_pledges_are_void_and_every_pledger_told(ctx, make_supplier, make_prototype,
                                                                                make_user):
    prototype = db.session.get(Prototype, make_prototype(make_supplier(), moq=50)[0])
    mei, lin = make_user(), make_user()
    pledge(user(mei), prototype, 2)
    pledge(user(lin), prototype, 1)
    close_due_prototypes(now=prototype.deadline)
    close_due_prototypes(now=prototype.deadline)
    assert prototype.pledges_voided_at is not None
    assert told("pledges_void") == {mei.id, lin.id} and len(list(db.session.scalars(
        select(Notification).where(Notification.event == "pledges_void")))) == 2


def test_a_decline_reaches_everyone_who_took_part_even_without_any_opt_in(ctx, make_supplier, make_prototype,
                                                                          make_user):
    supplier = make_supplier()
    prototype = db.session.get(Prototype, make_prototype(supplier)[0])
    fan, voter, pledger, commenter, refuser = (make_user() for _ in range(5))
    support_prototype(user(fan), prototype)
    vote(user(voter), prototype.polls[0].options[0])
    pledge(user(pledger), prototype, 1)
    add_comment(user(commenter), prototype, "Nice")
    set_preference(user(refuser), Kind.SUPPORTED_PROTOTYPES, in_site=False, email=False)
    support_prototype(user(refuser), prototype)
    add_comment(user(supplier.member), prototype, "Thanks all")
    close_for_review(user(supplier.member), prototype)
    decline(user(supplier.member), prototype, "The mould costs too much.")
    assert told("declined") == {fan.id, voter.id, pledger.id, commenter.id, refuser.id}


def test_an_official_answer_an_ask_status_and_a_crediting_update_are_told(ctx, make_supplier, make_prototype,
                                                                          make_user):
    supplier = make_supplier()
    prototype = db.session.get(Prototype, make_prototype(supplier)[0])
    staff, mei = user(supplier.member), make_user()
    comment = add_comment(user(mei), prototype, "Please add a seal")
    add_comment(staff, prototype, "We will look at it", comment)
    assert told("official_answer") == {mei.id}
    ask = make_ask(staff, comment)
    answer_ask(staff, ask, AskStatus.PLANNED, "Next batch")
    answer_ask(staff, ask, AskStatus.PLANNED, "Next batch")  # nothing changed: no second message
    assert told("ask_planned") == {mei.id} and len(list(db.session.scalars(
        select(Notification).where(Notification.event == "ask_planned")))) == 1
    post_update(staff, prototype, "Added a silicone seal.", ask_ids=[ask.id])
    assert told("credited") == {mei.id}


def test_suppliers_hear_of_new_comments_and_reports_on_their_prototypes(ctx, make_supplier, make_prototype,
                                                                        make_user):
    supplier = make_supplier()
    prototype = db.session.get(Prototype, make_prototype(supplier)[0])
    mei = make_user()
    comment = add_comment(user(mei), prototype, "Nice")
    report(user(mei), prototype, "Spam", comment)
    assert told("new_comment") == {supplier.member.id} and told("new_report") == {supplier.member.id}


def test_suppliers_hear_of_each_new_backer_once_not_of_a_changed_quantity(ctx, make_supplier, make_prototype,
                                                                          make_user):
    supplier = make_supplier()
    prototype = db.session.get(Prototype, make_prototype(supplier)[0])
    mei, lin = make_user(), make_user()
    pledge(user(mei), prototype, 1)
    pledge(user(mei), prototype, 3)
    pledge(user(lin), prototype, 2)
    alerts = list(db.session.scalars(select(Notification.user_id).where(Notification.event == "new_pledge")))
    assert alerts == [supplier.member.id, supplier.member.id]


def test_applicants_hear_when_approved_rejected_or_suspended(ctx, make_user, admin):
    first, second = make_user(), make_user()
    approved = apply_for_supplier(user(first), name="Kiln", description="Pots", contact="+86 138 0000 0001",
                                  registration_number="REG-1")
    rejected = apply_for_supplier(user(second), name="Loom", description="Cloth", contact="+86 138 0000 0002",
                                  registration_number="REG-2")
    decide(user(admin), approved, SupplierAction.APPROVE)
    decide(user(admin), rejected, SupplierAction.REJECT, "No registration found")
    decide(user(admin), approved, SupplierAction.SUSPEND, "Fake goods reported")
    assert (told("supplier_approve"), told("supplier_reject"), told("supplier_suspend")) == (
        {first.id}, {second.id}, {first.id})


def test_the_supplier_inbox_gathers_comments_reports_and_orders_with_a_count_on_the_dashboard(
        app, client, make_supplier, make_prototype, make_user):
    from tests.conftest import sign_in

    supplier = make_supplier()
    prototype_id, _slug = make_prototype(supplier, "Clay kettle")
    fan = make_user()
    with app.app_context():
        prototype = db.session.get(Prototype, prototype_id)
        comment = add_comment(db.session.get(User, fan.id), prototype, "Nice")
        report(db.session.get(User, fan.id), prototype, "Spam", comment)
        db.session.commit()
    sign_in(client, supplier.member)
    dashboard = client.get("/supplier").get_data(as_text=True)
    assert 'href="/supplier/inbox"' in dashboard and "3 unread" in dashboard  # approval, comment, report
    inbox = client.get("/supplier/inbox").get_data(as_text=True)
    assert "Someone commented on your prototype Clay kettle." in inbox
    assert "Someone reported something on your prototype Clay kettle." in inbox


def test_merging_a_duplicate_ask_moves_its_credit_to_the_one_kept(ctx, make_supplier, make_prototype, make_user):
    from blueprints.codesign.services.updates import asks_for, merge_asks

    supplier = make_supplier()
    prototype = db.session.get(Prototype, make_prototype(supplier)[0])
    staff, mei, lin = user(supplier.member), make_user(), make_user()
    kept = make_ask(staff, add_comment(user(mei), prototype, "A seal, please"))
    duplicate = make_ask(staff, add_comment(user(lin), prototype, "Please make it seal tight"))
    post_update(staff, prototype, "Testing seals.", ask_ids=[duplicate.id])
    merge_asks(staff, duplicate, kept)
    assert [ask.id for ask in asks_for(prototype)] == [kept.id]
    with pytest.raises(DomainError):
        merge_asks(staff, kept, kept)
    post_update(staff, prototype, "Added a silicone seal.", ask_ids=[kept.id])
    credited = db.session.execute(select(Notification.user_id).where(Notification.event == "credited")).all()
    assert sorted(user_id for (user_id,) in credited) == sorted([lin.id, mei.id, lin.id])
