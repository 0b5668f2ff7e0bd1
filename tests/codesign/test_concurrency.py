"""Many clicks at once from one user on PostgreSQL: still one support, one poll vote, one pledge; support and
withdrawal racing leave a count that agrees with the rows."""
import pytest
from sqlalchemy import func, select

from blueprints.accounts.models import User
from blueprints.codesign.models import Pledge, PollOption, PollVote, Prototype, Support
from blueprints.codesign.services.pledges import pledge
from blueprints.codesign.services.support import support_prototype, tally, vote, withdraw_support
from extensions import db
from tests.orders.test_concurrency import run_together

pytestmark = pytest.mark.postgresql


def in_own_transaction(app, work):
    with app.app_context():
        result = work()
        db.session.commit()
        return result


def test_fifty_identical_support_requests_leave_one_support(app, make_supplier, make_prototype, make_user):
    prototype_id, _slug = make_prototype(make_supplier())
    fan = make_user()

    def click(_n):
        return in_own_transaction(app, lambda: support_prototype(db.session.get(User, fan.id),
                                                                 db.session.get(Prototype, prototype_id)))

    results = run_together(50, click)
    assert not any(isinstance(r, Exception) for r in results), results
    with app.app_context():
        assert db.session.scalar(select(func.count(Support.id))) == 1


def test_support_and_withdraw_racing_leave_a_consistent_count(app, make_supplier, make_prototype, make_user):
    prototype_id, _slug = make_prototype(make_supplier())
    fans = [make_user() for _ in range(5)]

    def click(n):
        def work():
            person, prototype = db.session.get(User, fans[n % 5].id), db.session.get(Prototype, prototype_id)
            (support_prototype if n % 2 else withdraw_support)(person, prototype)
            return tally(prototype, person).supporters
        return in_own_transaction(app, work)

    results = run_together(40, click)
    assert not any(isinstance(r, Exception) for r in results), results
    with app.app_context():
        prototype = db.session.get(Prototype, prototype_id)
        rows = db.session.scalar(select(func.count(Support.id)))
        per_user = db.session.execute(select(Support.user_id, func.count()).group_by(Support.user_id)).all()
        assert all(count == 1 for _user, count in per_user)
        assert tally(prototype, db.session.get(User, fans[0].id)).supporters == rows <= 5
        assert all(0 <= seen <= 5 for seen in results)


def test_ten_parallel_votes_leave_one_vote_with_one_of_the_choices(app, make_supplier, make_prototype, make_user):
    prototype_id, _slug = make_prototype(make_supplier())
    fan = make_user()
    with app.app_context():
        option_ids = [o.id for o in db.session.get(Prototype, prototype_id).polls[0].options]

    def click(n):
        return in_own_transaction(app, lambda: vote(db.session.get(User, fan.id),
                                                    db.session.get(PollOption, option_ids[n % 3])))

    results = run_together(10, click)
    assert not any(isinstance(r, Exception) for r in results), results
    with app.app_context():
        votes = list(db.session.scalars(select(PollVote)))
        assert len(votes) == 1 and votes[0].option_id in option_ids


def test_ten_parallel_pledges_leave_one_pledge(app, make_supplier, make_prototype, make_user):
    prototype_id, _slug = make_prototype(make_supplier())
    fan = make_user()

    def click(n):
        return in_own_transaction(app, lambda: pledge(db.session.get(User, fan.id),
                                                      db.session.get(Prototype, prototype_id), 1 + n % 3).id)

    results = run_together(10, click)
    assert not any(isinstance(r, Exception) for r in results), results
    with app.app_context():
        assert db.session.scalar(select(func.count(Pledge.id))) == 1


def test_ten_users_supporting_at_once_are_all_counted(app, make_supplier, make_prototype, make_user):
    prototype_id, _slug = make_prototype(make_supplier())
    fans = [make_user() for _ in range(10)]

    def click(n):
        return in_own_transaction(app, lambda: support_prototype(db.session.get(User, fans[n].id),
                                                              db.session.get(Prototype, prototype_id)))

    assert run_together(10, click) == [None] * 10
    with app.app_context():
        assert db.session.scalar(select(func.count(Support.id))) == 10
