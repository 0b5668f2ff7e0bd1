"""Team buying's rules: who may set a team price and where, starting and joining teams, forming and failing."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, Variant
from blueprints.columns import utcnow
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.ledger.accounts import Bucket, Owner
from blueprints.ledger.models import LedgerEntry
from blueprints.ledger.services import balance, post
from blueprints.ledger.accounts import CUSTOMERS_RECEIVABLE
from blueprints.money import Rates, listing_price_floor
from blueprints.notifications.models import Notification
from blueprints.orders.models import Order, OrderStatus, PaymentMethod, Shipment, ShipmentStatus
from blueprints.orders.services.checkout import AddressDetails
from blueprints.orders.services.fulfilment import fulfilment_queue
from blueprints.shops.models import Shop
from blueprints.shops.services import add_listing
from blueprints.teams.models import Team, TeamStatus
from blueprints.teams.services import (TeamOrder, TeamUnavailable, close_expired_teams, join_team, save_offer,
                                       seller_teams, settle, start_team, withdraw_offer)
from extensions import db

pytestmark = pytest.mark.all_databases

RATES = Rates(commission_bp=800, referral_bp=300)
ADDRESS = AddressDetails("王小明", "138 0013 8000", "浙江省", "杭州市", "西湖区", "文三路 90 号")


def wanted(variant_id: int, key: str, quantity: int = 1, **extra) -> TeamOrder:
    return TeamOrder(variant_id=variant_id, quantity=quantity, address=ADDRESS,
                     payment_method=PaymentMethod.CASH_ON_DELIVERY, idempotency_key=key, **extra)


@pytest.fixture
def catalog_offer(app, make_supplier, make_product):
    """A supplier's team price of 55.00 for teams of 3 on a product with 10 in stock; returns ids."""
    supplier = make_supplier()
    product = make_product(supplier, "Team flask", stock=10)
    with app.app_context():
        offer = save_offer(db.session.get(User, supplier.member.id), db.session.get(Product, product.id), None,
                           team_size=3, unit_price=5500, open_hours=24, max_teams=None, rates=RATES)
        db.session.commit()
        variant_id = db.session.scalar(select(Variant.id).where(Variant.product_id == product.id))
        return {"offer": offer.id, "product": product.id, "variant": variant_id, "supplier": supplier}


def _user(account) -> User:
    return db.session.get(User, account.id)


def _offer(ids):
    from blueprints.teams.models import TeamOffer
    return db.session.get(TeamOffer, ids["offer"])


def test_a_supplier_sets_a_team_price_within_the_floor(app, make_supplier, make_product):
    supplier = make_supplier()
    product = make_product(supplier, supply_price=3900, suggested_price=6900)
    with app.app_context():
        user, item = _user(supplier.member), db.session.get(Product, product.id)
        floor = listing_price_floor(3900, RATES)
        with pytest.raises(InvalidFields) as below:
            save_offer(user, item, None, team_size=3, unit_price=floor - 1, open_hours=24, max_teams=None, rates=RATES)
        assert "unit_price" in below.value.errors
        with pytest.raises(InvalidFields) as not_lower:
            save_offer(user, item, None, team_size=3, unit_price=6900, open_hours=24, max_teams=None, rates=RATES)
        assert "unit_price" in not_lower.value.errors
        with pytest.raises(InvalidFields) as sizes:
            save_offer(user, item, None, team_size=11, unit_price=5000, open_hours=0, max_teams=0, rates=RATES)
        assert set(sizes.value.errors) == {"team_size", "open_hours", "max_teams"}
        offer = save_offer(user, item, None, team_size=2, unit_price=floor, open_hours=24, max_teams=None,
                           rates=RATES)
        assert offer.unit_price == floor and offer.shop_id is None


def test_only_the_products_supplier_or_the_shops_owner_set_team_prices(app, make_supplier, make_product, make_user,
                                                                        make_shop):
    supplier, other = make_supplier(), make_supplier()
    product = make_product(supplier)
    shopper = make_user()
    shop_id = make_shop()
    with app.app_context():
        item = db.session.get(Product, product.id)
        shop = db.session.get(Shop, shop_id)
        for account in (other.member, shopper):
            with pytest.raises(AccessDenied):
                save_offer(_user(account), item, None, team_size=2, unit_price=5000, open_hours=24, max_teams=None,
                           rates=RATES)
        with pytest.raises(AccessDenied):  # a supplier cannot set a shop's team price
            save_offer(_user(supplier.member), item, shop, team_size=2, unit_price=5000, open_hours=24,
                       max_teams=None, rates=RATES)


def test_a_shop_team_price_stays_inside_the_suppliers_band(app, make_supplier, make_product, make_shop):
    product = make_product(make_supplier(), min_price=5000, max_price=9900)
    shop_id = make_shop()
    with app.app_context():
        shop = db.session.get(Shop, shop_id)
        owner, item = shop.owner, db.session.get(Product, product.id)
        with pytest.raises(DomainError):  # not listed: not for sale there
            save_offer(owner, item, shop, team_size=2, unit_price=6000, open_hours=24, max_teams=None, rates=RATES)
        add_listing(owner, shop, item, 7900, RATES)
        with pytest.raises(InvalidFields):
            save_offer(owner, item, shop, team_size=2, unit_price=4900, open_hours=24, max_teams=None, rates=RATES)
        offer = save_offer(owner, item, shop, team_size=2, unit_price=5000, open_hours=12, max_teams=3, rates=RATES)
        assert offer.shop_id == shop.id


def test_a_team_holds_orders_until_the_last_place_then_releases_them_together(app, catalog_offer, make_user):
    buyers = [make_user() for _ in range(3)]
    with app.app_context():
        team = start_team(_user(buyers[0]), _offer(catalog_offer), wanted(catalog_offer["variant"], "k0", 2), RATES)
        db.session.commit()
        order = db.session.scalar(select(Order).where(Order.buyer_id == buyers[0].id))
        assert order.status == OrderStatus.WAITING_FOR_TEAM and order.total == 2 * 5500
        assert [s.status for s in order.shipments] == [ShipmentStatus.HELD]
        assert db.session.get(Variant, catalog_offer["variant"]).stock_on_hand == 8  # reserved at placement
        supplier_staff = _user(catalog_offer["supplier"].member)
        assert fulfilment_queue(supplier_staff) == []
        join_team(_user(buyers[1]), team, wanted(catalog_offer["variant"], "k1"), RATES)
        db.session.commit()
        assert team.places_left == 1 and team.status == TeamStatus.OPEN
        with pytest.raises(DomainError):
            join_team(_user(buyers[1]), team, wanted(catalog_offer["variant"], "k1b"), RATES)
        db.session.rollback()
        join_team(_user(buyers[2]), team, wanted(catalog_offer["variant"], "k2"), RATES)
        db.session.commit()
        assert team.status == TeamStatus.FORMED and team.places_left == 0
        orders = list(db.session.scalars(select(Order)))
        assert {o.status for o in orders} == {OrderStatus.CONFIRMED}
        assert len(fulfilment_queue(supplier_staff)) == 3
        told = db.session.scalars(select(Notification.user_id).where(Notification.event == "team_formed")).all()
        assert sorted(told) == sorted(b.id for b in buyers)
        assert db.session.scalar(select(func.sum(LedgerEntry.amount))) == 0
        report = seller_teams(supplier_id=catalog_offer["supplier"].id)
        assert report.units_sold == 4 and report.amount_sold == 4 * 5500
        assert report.counts[TeamStatus.FORMED] == 1


@pytest.mark.commits
def test_a_team_past_its_deadline_fails_and_gives_everything_back(app, catalog_offer, make_user):
    first, second, late = make_user(), make_user(), make_user()
    with app.app_context():
        # The second member pays part with rewards they had earned: it must come back.
        post([(Owner.referrer(second.id).account(Bucket.AVAILABLE), -1000), (CUSTOMERS_RECEIVABLE, 1000)],
             memo="earned earlier")
        team = start_team(_user(first), _offer(catalog_offer), wanted(catalog_offer["variant"], "f0"), RATES)
        join_team(_user(second), team, wanted(catalog_offer["variant"], "f1", use_credit=True), RATES)
        db.session.commit()
        assert balance(Owner.referrer(second.id).account(Bucket.AVAILABLE)) == 0
        later = team.closes_at + timedelta(seconds=1)
        assert team.shown_status(later) == TeamStatus.FAILED and team.status == TeamStatus.OPEN  # reading writes nothing
        with pytest.raises(TeamUnavailable):
            join_team(_user(late), team, wanted(catalog_offer["variant"], "f2"), RATES, now=later)
        db.session.rollback()
        assert [t.code for t in close_expired_teams(later)] == [team.code]
        db.session.commit()
        assert team.status == TeamStatus.FAILED
        assert {o.status for o in db.session.scalars(select(Order))} == {OrderStatus.CANCELLED}
        assert {s.status for s in db.session.scalars(select(Shipment))} == {ShipmentStatus.CANCELLED}
        assert db.session.get(Variant, catalog_offer["variant"]).stock_on_hand == 10
        assert balance(Owner.referrer(second.id).account(Bucket.AVAILABLE)) == -1000
        assert db.session.scalar(select(func.sum(LedgerEntry.amount))) == 0
        told = db.session.scalars(select(Notification.user_id).where(Notification.event == "team_failed")).all()
        assert sorted(told) == sorted([first.id, second.id])
        assert close_expired_teams(later) == [] and not settle(team, later)  # once only


@pytest.mark.commits
def test_the_cap_on_teams_and_a_withdrawn_offer(app, catalog_offer, make_user):
    shoppers = [make_user() for _ in range(3)]
    with app.app_context():
        offer = _offer(catalog_offer)
        offer.max_teams = 1
        start_team(_user(shoppers[0]), offer, wanted(catalog_offer["variant"], "c0"), RATES)
        db.session.commit()
        with pytest.raises(DomainError, match="limit"):
            start_team(_user(shoppers[1]), offer, wanted(catalog_offer["variant"], "c1"), RATES)
        db.session.rollback()
        withdraw_offer(_user(catalog_offer["supplier"].member), offer)
        with pytest.raises(DomainError, match="no longer offered"):
            start_team(_user(shoppers[2]), offer, wanted(catalog_offer["variant"], "c2"), RATES)
        db.session.rollback()


@pytest.mark.commits
def test_no_more_than_the_stock_is_held_for_teams(app, make_supplier, make_product, make_user):
    supplier = make_supplier()
    product = make_product(supplier, stock=1)
    first, second = make_user(), make_user()
    with app.app_context():
        offer = save_offer(_user(supplier.member), db.session.get(Product, product.id), None, team_size=2,
                           unit_price=5500, open_hours=24, max_teams=None, rates=RATES)
        variant_id = db.session.scalar(select(Variant.id).where(Variant.product_id == product.id))
        team = start_team(_user(first), offer, wanted(variant_id, "s0"), RATES)
        db.session.commit()
        with pytest.raises(DomainError, match="out of stock"):
            join_team(_user(second), team, wanted(variant_id, "s1"), RATES)
        db.session.rollback()
        assert db.session.get(Team, team.id).places_taken == 1


def test_an_expired_team_is_not_open_on_read(app, catalog_offer, make_user):
    shopper = make_user()
    with app.app_context():
        team = start_team(_user(shopper), _offer(catalog_offer), wanted(catalog_offer["variant"], "r0"), RATES)
        db.session.commit()
        assert team.is_open_at(utcnow())
        assert not team.is_open_at(team.closes_at)


def test_the_ledger_sums_to_zero_through_a_formed_team_delivered_and_completed(app, catalog_offer, make_user):
    from blueprints.orders.services.fulfilment import complete_order, mark_delivered, ship

    buyers = [make_user() for _ in range(3)]
    with app.app_context():
        team = start_team(_user(buyers[0]), _offer(catalog_offer), wanted(catalog_offer["variant"], "l0"), RATES)
        for n in (1, 2):
            join_team(_user(buyers[n]), team, wanted(catalog_offer["variant"], f"l{n}"), RATES)
        staff = _user(catalog_offer["supplier"].member)
        for order in db.session.scalars(select(Order).order_by(Order.id)):
            ship(staff, order.shipments[0], carrier="SF", tracking_number=f"SF{order.id}")
            mark_delivered(staff, order.shipments[0])
            complete_order(order)
        db.session.commit()
        assert {o.status for o in db.session.scalars(select(Order))} == {OrderStatus.COMPLETED}
        assert db.session.scalar(select(func.sum(LedgerEntry.amount))) == 0
        supplier_earned = balance(Owner.supplier(catalog_offer["supplier"].id).account(Bucket.AVAILABLE))
        assert supplier_earned == -3 * 3900  # the supply price of each unit, whatever the team price


@pytest.mark.commits
def test_a_member_leaves_before_the_team_forms(app, catalog_offer, make_user):
    from blueprints.teams.services import leave_team

    first, second, stranger = make_user(), make_user(), make_user()
    with app.app_context():
        team = start_team(_user(first), _offer(catalog_offer), wanted(catalog_offer["variant"], "v0"), RATES)
        join_team(_user(second), team, wanted(catalog_offer["variant"], "v1", 2), RATES)
        db.session.commit()
        with pytest.raises(AccessDenied):
            leave_team(_user(stranger), team)
        db.session.rollback()
        leave_team(_user(second), team)
        db.session.commit()
        assert team.places_taken == 1 and team.status == TeamStatus.OPEN
        assert db.session.get(Variant, catalog_offer["variant"]).stock_on_hand == 9
        assert db.session.scalar(select(Order.status).where(Order.buyer_id == second.id)) == OrderStatus.CANCELLED
        leave_team(_user(first), team)
        db.session.commit()
        assert team.status == TeamStatus.FAILED  # nobody left in it
        assert db.session.get(Variant, catalog_offer["variant"]).stock_on_hand == 10
        assert db.session.scalar(select(func.sum(LedgerEntry.amount))) == 0


def test_the_database_keeps_one_catalog_team_price_per_product(app, catalog_offer):
    from sqlalchemy.exc import IntegrityError

    from blueprints.teams.models import TeamOffer

    with app.app_context():
        first = _offer(catalog_offer)
        db.session.add(TeamOffer(product_id=first.product_id, shop_id=None, team_size=2, unit_price=6000,
                                 open_hours=24, created_by_id=first.created_by_id))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_sharing_a_team_earns_what_any_share_earns_and_nothing_more(app, catalog_offer, make_user):
    from blueprints.money import split_line
    from blueprints.orders.models import OrderLine
    from blueprints.sharing.services import get_or_create_link

    starter, friend, third = make_user(), make_user(), make_user()
    with app.app_context():
        team = start_team(_user(starter), _offer(catalog_offer), wanted(catalog_offer["variant"], "sh0"), RATES)
        link = get_or_create_link(_user(starter), f"/teams/{team.code}")
        # The friend ships elsewhere: an order to the sharer's own address would be held for review.
        elsewhere = AddressDetails("李华", "139 0013 9000", "上海市", "上海市", "徐汇区", "漕溪北路 1 号")
        join_team(_user(friend), team, TeamOrder(catalog_offer["variant"], 1, elsewhere,
                                                 PaymentMethod.CASH_ON_DELIVERY, "sh1", share_link=link), RATES)
        join_team(_user(third), team, wanted(catalog_offer["variant"], "sh2"), RATES)
        db.session.commit()
        assert team.status == TeamStatus.FORMED
        rewards = db.session.scalars(select(OrderLine.referral_reward).order_by(OrderLine.id)).all()
        assert rewards == [0, split_line(5500, 3900, 1, RATES, referred=True, through_shop=False).referral_reward, 0]
        # Pending until the friend's order completes, and only that: forming the team paid the sharer nothing.
        assert balance(Owner.referrer(starter.id).account(Bucket.PENDING)) == -rewards[1]
        assert balance(Owner.referrer(starter.id).account(Bucket.AVAILABLE)) == 0
