"""Teams under concurrent joins and deadlines on real PostgreSQL: one place is taken once, a team ends one way,
and nobody is charged twice or left with a held order after their team ended."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, Variant
from blueprints.errors import DomainError
from blueprints.ledger.models import LedgerEntry
from blueprints.orders.models import Order, OrderStatus
from blueprints.teams.models import Team, TeamMember, TeamOffer, TeamStatus
from blueprints.teams.services import (TeamUnavailable, close_expired_teams, join_team, save_offer, start_team)
from extensions import db
from tests.orders.test_concurrency import RATES, run_together
from tests.teams.test_services import wanted

pytestmark = [pytest.mark.postgresql, pytest.mark.commits]


@pytest.fixture
def offer(app, make_supplier, make_product):
    supplier = make_supplier()
    product = make_product(supplier, "Race flask", stock=100)
    with app.app_context():
        made = save_offer(db.session.get(User, supplier.member.id), db.session.get(Product, product.id), None,
                          team_size=3, unit_price=5500, open_hours=24, max_teams=None, rates=RATES)
        db.session.commit()
        return made.id, db.session.scalar(select(Variant.id).where(Variant.product_id == product.id))


def start(app, account, offer_id, variant_id, key, size=None) -> int:
    with app.app_context():
        team_offer = db.session.get(TeamOffer, offer_id)
        if size:
            team_offer.team_size = size
        team = start_team(db.session.get(User, account.id), team_offer, wanted(variant_id, key), RATES)
        db.session.commit()
        return team.id


def join(app, account, team_id, variant_id, key, now=None):
    """One shopper's 'Join' click, as the view does it: one transaction, committed or rolled back."""
    with app.app_context():
        try:
            team = join_team(db.session.get(User, account.id), db.session.get(Team, team_id),
                             wanted(variant_id, key), RATES, now=now)
            db.session.commit()
            return team.status
        except DomainError as error:
            db.session.rollback()
            return error


def no_held_order_outlives_its_team():
    return db.session.scalar(select(func.count(Order.id)).join(TeamMember, TeamMember.order_id == Order.id)
                             .join(Team, Team.id == TeamMember.team_id)
                             .where(Order.status == OrderStatus.WAITING_FOR_TEAM,
                                    Team.status != TeamStatus.OPEN)) == 0


def test_twenty_shoppers_race_for_the_last_place_of_a_team_of_three(app, offer, make_user):
    offer_id, variant_id = offer
    first, second = make_user("first@example.com"), make_user("second@example.com")
    team_id = start(app, first, offer_id, variant_id, "t-first")
    assert join(app, second, team_id, variant_id, "t-second") == TeamStatus.OPEN
    racers = [make_user(f"racer{n}@example.com") for n in range(20)]

    results = run_together(20, lambda n: join(app, racers[n], team_id, variant_id, f"race-{n}"))

    joined = [r for r in results if r == TeamStatus.FORMED]
    refused = [r for r in results if isinstance(r, TeamUnavailable)]
    assert len(joined) == 1 and len(refused) == 19, results
    assert all("start a new team" in str(error) for error in refused)
    with app.app_context():
        team = db.session.get(Team, team_id)
        assert team.status == TeamStatus.FORMED and team.places_taken == 3 and len(team.members) == 3
        assert db.session.scalar(select(func.count(Order.id))) == 3
        assert set(db.session.scalars(select(Order.status))) == {OrderStatus.CONFIRMED}
        assert db.session.get(Variant, variant_id).stock_on_hand == 97
        assert db.session.scalar(select(func.sum(LedgerEntry.amount))) == 0
        assert no_held_order_outlives_its_team()
    # A shopper who lost the race may start a team of their own at the same price.
    loser = racers[results.index(refused[0])]
    assert start(app, loser, offer_id, variant_id, "t-loser")


def test_a_team_completing_as_its_deadline_passes_ends_one_way(app, offer, make_user):
    offer_id, variant_id = offer
    outcomes = []
    for round_ in range(6):
        starter, last = make_user(f"starter{round_}@example.com"), make_user(f"last{round_}@example.com")
        team_id = start(app, starter, offer_id, variant_id, f"d-start-{round_}", size=2)
        with app.app_context():
            closes_at = db.session.get(Team, team_id).closes_at
        just_before, just_after = closes_at - timedelta(microseconds=1), closes_at + timedelta(microseconds=1)

        results = run_together(2, lambda n: join(app, last, team_id, variant_id, f"d-last-{round_}",
                                                 now=just_before) if n == 0 else _close(app, just_after))

        with app.app_context():
            team = db.session.get(Team, team_id)
            statuses = set(db.session.scalars(select(Order.status).join(TeamMember, TeamMember.order_id == Order.id)
                                              .where(TeamMember.team_id == team_id)))
            if team.status == TeamStatus.FORMED:
                assert results[0] == TeamStatus.FORMED and results[1] == [] and statuses == {OrderStatus.CONFIRMED}
            else:
                assert team.status == TeamStatus.FAILED and isinstance(results[0], TeamUnavailable), results
                assert results[1] == [team_id] and statuses == {OrderStatus.CANCELLED}
            outcomes.append(team.status)
            assert no_held_order_outlives_its_team()
    with app.app_context():
        formed = outcomes.count(TeamStatus.FORMED)
        assert db.session.get(Variant, variant_id).stock_on_hand == 100 - 2 * formed
        assert db.session.scalar(select(func.sum(LedgerEntry.amount))) == 0


def _close(app, now):
    with app.app_context():
        closed = [team.id for team in close_expired_teams(now)]
        db.session.commit()
        return closed


def test_ten_clicks_on_join_with_one_key_take_one_place_and_one_order(app, offer, make_user):
    offer_id, variant_id = offer
    starter, clicker = make_user("starter@example.com"), make_user("clicker@example.com")
    team_id = start(app, starter, offer_id, variant_id, "k-start")

    results = run_together(10, lambda n: join(app, clicker, team_id, variant_id, "one-key"))

    assert all(r == TeamStatus.OPEN or "already" in str(r) for r in results), results
    with app.app_context():
        assert db.session.get(Team, team_id).places_taken == 2
        assert db.session.scalar(select(func.count(Order.id)).where(Order.buyer_id == clicker.id)) == 1
        assert db.session.get(Variant, variant_id).stock_on_hand == 98
        assert db.session.scalar(select(func.sum(LedgerEntry.amount))) == 0


def test_leaving_racing_the_last_join_ends_one_way(app, offer, make_user):
    from blueprints.teams.services import leave_team

    offer_id, variant_id = offer
    for round_ in range(4):
        starter, member, last = (make_user(f"{who}{round_}@example.com") for who in ("s", "m", "l"))
        team_id = start(app, starter, offer_id, variant_id, f"lv-s-{round_}")
        join(app, member, team_id, variant_id, f"lv-m-{round_}")

        def leave(account=member):
            with app.app_context():
                try:
                    leave_team(db.session.get(User, account.id), db.session.get(Team, team_id))
                    db.session.commit()
                    return "left"
                except DomainError as error:
                    db.session.rollback()
                    return error

        results = run_together(2, lambda n: leave() if n == 0 else join(app, last, team_id, variant_id,
                                                                          f"lv-l-{round_}"))
        with app.app_context():
            team = db.session.get(Team, team_id)
            if results[0] == "left":
                assert results[1] == TeamStatus.OPEN and team.places_taken == 2 and team.status == TeamStatus.OPEN
            else:
                assert results[1] == TeamStatus.FORMED and team.status == TeamStatus.FORMED
            assert db.session.scalar(select(func.sum(LedgerEntry.amount))) == 0
            assert no_held_order_outlives_its_team()
