"""Demo team buying: a supplier's and a shop's team price, an open team with a place left, a formed team and a
team that did not fill."""
from datetime import timedelta

from sqlalchemy import select

from blueprints.catalog.models import Product
from blueprints.columns import utcnow
from blueprints.money import current_rates
from blueprints.orders.models import PaymentMethod
from blueprints.orders.services import AddressDetails
from blueprints.shops.models import Listing, Shop
from blueprints.teams.models import TeamOffer
from blueprints.teams.services import (TeamOrder, close_expired_teams, join_team, lowest_team_price, save_offer,
                                       start_team)
from extensions import db

ADDRESS = AddressDetails("王小明", "13800138000", "浙江省", "杭州市", "西湖区", "文三路 90 号 3 幢 201")


def _order(product: Product, key: str) -> TeamOrder:
    variant = max(product.variants, key=lambda v: v.stock_on_hand)
    return TeamOrder(variant.id, 1, ADDRESS, PaymentMethod.CASH_ON_DELIVERY, f"demo-team-{key}")


def _team_price(product: Product, shop: Shop | None, normal: int) -> int:
    """About 15% off, in whole yuan, never below the floor."""
    lowest = lowest_team_price(product, shop, current_rates())
    return max(-(-lowest // 100) * 100, normal * 85 // 100 // 100 * 100)


def seed_teams(users, created: list[str]) -> None:
    flask = db.session.scalar(select(Product).where(Product.title == "不锈钢保温杯 500ml"))
    if db.session.scalar(select(TeamOffer.id).where(TeamOffer.product_id == flask.id)) is not None:
        return
    rates = current_rates()
    shopper, lin = users["shopper@demo.shelfmade.test"], users["lin@demo.shelfmade.test"]
    potter, applicant = users["ceramics@demo.shelfmade.test"], users["applicant@demo.shelfmade.test"]

    catalog = save_offer(users["supplier@demo.shelfmade.test"], flask, None, team_size=3,
                         unit_price=_team_price(flask, None, flask.suggested_price), open_hours=24, max_teams=None,
                         rates=rates)
    open_team = start_team(shopper, catalog, _order(flask, "open-1"), rates)
    join_team(lin, open_team, _order(flask, "open-2"), rates)
    # Started two days ago and never filled: the closing job records it as failed and gives everything back.
    failed = start_team(applicant, catalog, _order(flask, "failed-1"), rates, now=utcnow() - timedelta(days=2))
    close_expired_teams()

    shop = db.session.scalar(select(Shop).where(Shop.slug == "shen-home"))
    tote = db.session.scalar(select(Product).where(Product.title == "油蜡帆布托特包"))
    listing = db.session.scalar(select(Listing).where(Listing.shop_id == shop.id, Listing.product_id == tote.id))
    shop_offer = save_offer(shop.owner, tote, shop, team_size=2, unit_price=_team_price(tote, shop, listing.price),
                            open_hours=48, max_teams=20, rates=rates)
    formed = start_team(potter, shop_offer, _order(tote, "formed-1"), rates)
    join_team(shopper, formed, _order(tote, "formed-2"), rates)
    created.append(f"team prices; teams /teams/{open_team.code} (open), /teams/{formed.code} (formed), "
                   f"/teams/{failed.code} (did not fill)")
    db.session.flush()
