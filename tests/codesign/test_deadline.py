"""Past its deadline a prototype is in review at once: pages show it so without writing anything down,
actions on it record the move first, and `flask close-prototypes` records the rest."""
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from blueprints.accounts.models import User
from blueprints.codesign.models import Prototype, Stage
from blueprints.codesign.queries import open_conditions, open_prototypes
from blueprints.codesign.services.comments import add_comment
from blueprints.codesign.services.pledges import cancel_pledge, pledge
from blueprints.codesign.services.prototypes import (PrototypeDetails, accept, board, close_for_review,
                                                     update_prototype)
from blueprints.codesign.services.support import add_poll, set_would_buy_at, support_prototype, vote
from blueprints.columns import utcnow
from blueprints.errors import DomainError
from extensions import db
from tests.conftest import sign_in

pytestmark = pytest.mark.all_databases


def user(account) -> User:
    return db.session.get(User, account.id)


def proto(prototype_id) -> Prototype:
    return db.session.get(Prototype, prototype_id)


def past_its_deadline(app, prototype_id: int) -> None:
    """As if the deadline passed an hour ago and `flask close-prototypes` has not run yet."""
    with app.app_context():
        db.session.execute(update(Prototype).where(Prototype.id == prototype_id)
                           .values(deadline=utcnow() - timedelta(hours=1)))
        db.session.commit()


def stored_stage(app, prototype_id: int) -> Stage:
    with app.app_context():
        return db.session.scalar(select(Prototype.stage).where(Prototype.id == prototype_id))


@contextmanager
def writes(app):
    """Every INSERT, UPDATE or DELETE sent to the database, and every COMMIT, while the block runs."""
    seen = []
    with app.app_context():
        engine = db.engine

    def statement(_conn, _cursor, sql, *_args):
        if sql.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE", "REPLACE"}:
            seen.append(sql)

    def commit(_conn):
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def test_the_stage_says_review_once_the_deadline_passed(ctx, make_supplier, make_prototype):
    supplier = make_supplier()
    prototype = proto(make_prototype(supplier)[0])
    draft = proto(make_prototype(supplier, "Draft lamp", open_it=False)[0])
    deadline = prototype.deadline
    assert prototype.stage_at(deadline - timedelta(minutes=1)) == Stage.OPEN
    assert prototype.stage_at(deadline) == prototype.stage_at(deadline + timedelta(days=1)) == Stage.REVIEW
    assert draft.stage_at(draft.deadline + timedelta(days=1)) == Stage.DRAFT  # only an open one moves on
    assert prototype.effective_stage == Stage.OPEN and prototype.stage == Stage.OPEN
    close_for_review(user(supplier.member), prototype)
    assert prototype.stage_at(deadline - timedelta(minutes=1)) == Stage.REVIEW


def test_the_sql_condition_agrees_with_the_stage(ctx, make_supplier, make_prototype):
    supplier = make_supplier()
    prototypes = [proto(make_prototype(supplier, f"Lamp {n}", open_it=n != 2)[0]) for n in range(4)]
    prototypes[1].deadline = prototypes[0].deadline + timedelta(days=1)
    db.session.flush()
    for now in (prototypes[0].deadline - timedelta(minutes=1), prototypes[0].deadline,
                prototypes[1].deadline + timedelta(minutes=1)):
        in_sql = set(db.session.scalars(select(Prototype.id).where(*open_conditions(now))))
        assert in_sql == {p.id for p in prototypes if p.stage_at(now) == Stage.OPEN}, now


def test_pages_show_review_and_the_board_drops_it_without_writing(app, client, make_supplier, make_prototype):
    supplier = make_supplier()
    late_id, late = make_prototype(supplier, "Late lamp")
    make_prototype(supplier, "Timely lamp")
    past_its_deadline(app, late_id)
    with writes(app) as seen:
        for sort in ("trending", "newest", "closing", "supported", "moq"):
            board_page = client.get(f"/codesign?sort={sort}").get_data(as_text=True)
            assert "Timely lamp" in board_page and "Late lamp" not in board_page, sort
        page = client.get(f"/codesign/{late}").get_data(as_text=True)
    assert seen == []
    assert "In review" in page and "Support this" not in page and "Pledge to buy" not in page
    assert 'id="vote-' not in page and "Post comment" not in page
    assert stored_stage(app, late_id) == Stage.OPEN  # nothing was written: the command records it
    with app.app_context():
        assert [p.title for p in db.session.scalars(open_prototypes())] == ["Timely lamp"]
        assert [p.title for p, *_counts in board()] == ["Timely lamp"]


@pytest.mark.parametrize("who", ["visitor", "shopper", "supplier"])
def test_reading_the_board_and_a_prototype_writes_nothing(app, client, make_supplier, make_prototype, make_user, who):
    supplier = make_supplier()
    late_id, late = make_prototype(supplier, "Late lamp")
    _id, timely = make_prototype(supplier, "Timely lamp")
    past_its_deadline(app, late_id)
    if who != "visitor":
        sign_in(client, supplier.member if who == "supplier" else make_user())
    urls = ["/codesign", "/codesign?sort=closing", f"/codesign/{late}", f"/codesign/{timely}",
            f"/codesign/{timely}?comments=liked"]
    with writes(app) as seen:
        for url in urls:
            assert client.get(url).status_code == 200, url
        fragment = client.get(f"/codesign/{timely}", headers={"HX-Request": "true"})
        assert fragment.status_code == 200
    assert seen == []


def test_taking_part_past_the_deadline_is_refused_after_moving_it_to_review(ctx, app, make_supplier,
                                                                           make_prototype, make_user):
    supplier = make_supplier()
    prototype_id, _slug = make_prototype(supplier)
    mei = make_user()
    pledge(user(mei), proto(prototype_id), 2)
    db.session.commit()
    past_its_deadline(app, prototype_id)
    db.session.expire_all()
    prototype = proto(prototype_id)
    for action in (lambda: support_prototype(user(mei), prototype), lambda: set_would_buy_at(user(mei), prototype, 5000),
                   lambda: vote(user(mei), prototype.polls[0].options[0]), lambda: pledge(user(mei), prototype, 1),
                   lambda: cancel_pledge(user(mei), prototype), lambda: add_comment(user(mei), prototype, "Hi")):
        with pytest.raises(DomainError, match="no longer taking votes, pledges or comments"):
            action()
        assert prototype.stage == Stage.REVIEW
        db.session.rollback()


def test_the_supplier_acts_on_the_stage_it_is_in(ctx, app, make_supplier, make_prototype):
    supplier = make_supplier()
    member = user(supplier.member)
    first, second = make_prototype(supplier, "First")[0], make_prototype(supplier, "Second")[0]
    past_its_deadline(app, first)
    past_its_deadline(app, second)
    db.session.expire_all()
    accept(member, proto(first))  # in review by now, so it can be accepted
    assert proto(first).stage == Stage.ACCEPTED
    details = PrototypeDetails("Second", "", "", proto(second).category_id, 9900, 7900, 20, utcnow() + timedelta(days=3))
    with pytest.raises(DomainError, match="Only a draft or open prototype can be edited"):
        update_prototype(member, proto(second), details)
    with pytest.raises(DomainError, match="before the review"):
        add_poll(member, proto(second), "Size?", ["S", "M"])
    assert proto(second).stage == Stage.REVIEW


def test_supporting_past_the_deadline_says_why_in_place(app, client, signed_in, make_supplier, make_prototype):
    prototype_id, slug = make_prototype(make_supplier())
    past_its_deadline(app, prototype_id)
    response = client.htmx_submit(f"/codesign/{slug}/support", {}, page=f"/codesign/{slug}")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and body.lstrip().startswith('<div id="participation"')
    assert "no longer taking votes, pledges or comments" in body and "Support this" not in body
    response = client.submit(f"/codesign/{slug}/pledge", {"quantity": "2"}, page=f"/codesign/{slug}")
    assert response.status_code == 303 and response.headers["Location"] == f"/codesign/{slug}#participation"
    assert "no longer taking votes" in client.get(f"/codesign/{slug}").get_data(as_text=True)


def test_flask_close_prototypes_records_the_review(app, make_supplier, make_prototype):
    supplier = make_supplier()
    late_id, _late = make_prototype(supplier, "Late lamp")
    timely_id, _timely = make_prototype(supplier, "Timely lamp")
    past_its_deadline(app, late_id)
    result = app.test_cli_runner().invoke(args=["close-prototypes"])
    assert "Moved 1 prototype(s) to review." in result.output
    assert (stored_stage(app, late_id), stored_stage(app, timely_id)) == (Stage.REVIEW, Stage.OPEN)
