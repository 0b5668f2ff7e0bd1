"""Team buying: offers of a team price, starting and joining teams, and settling them.

A team's row is the lock for everything that changes it: joining, forming and failing each take it first
(then the orders, then stock, as checkout does), so a join racing another join or the deadline ends in exactly
one outcome. On SQLite, which has no row locks, the conditional UPDATE of `places_taken` does the same job.
"""
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from blueprints.accounts.models import User
from blueprints.bilingual import bilingual, localized
from blueprints.catalog.models import Product, Variant
from blueprints.catalog.services import READ_WITH_PRODUCT, is_public
from blueprints.columns import utcnow
from blueprints.errors import AccessDenied, DomainError, InvalidFields
from blueprints.money import Rates, format_money, listing_price_floor
from blueprints.notifications.models import Kind
from blueprints.notifications.services import notify
from blueprints.orders.queries import order_figures
from blueprints.orders.services.cart import MAX_QUANTITY
from blueprints.orders.services.checkout import AddressDetails, PaymentMethod, order_by_key, place_order, priced_line
from blueprints.orders.services.fulfilment import cancel_held_order, release_held_order
from blueprints.sharing.models import ShareLink
from blueprints.shops.models import Shop
from blueprints.shops.services import allowed_prices, public_listing, require_shop_owner
from blueprints.suppliers.services import require_verified_supplier
from blueprints.teams.models import MAX_SIZE, MIN_SIZE, Team, TeamMember, TeamOffer, TeamStatus
from extensions import db

DEFAULT_OPEN_HOURS = 24
MAX_OPEN_HOURS = 7 * 24
MAX_TEAMS_CAP = 10_000
_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


class TeamUnavailable(DomainError):
    """The team cannot take this place (full, closed); the shopper may start a team of their own."""


# Offers

def normal_price(product: Product, shop: Shop | None) -> int | None:
    """What one unit costs bought alone where the offer is made; None when it is not for sale there."""
    if not is_public(product):
        return None
    if shop is None:
        return product.suggested_price
    listing = public_listing(shop, product.slug)
    return listing.price if listing else None


def require_offer_maker(user: User, product: Product, shop: Shop | None) -> None:
    """The supplier's staff set catalog team prices; a shop's owner sets its own."""
    if shop is None:
        if not user.is_authenticated or require_verified_supplier(user).id != product.supplier_id:
            raise AccessDenied()
    else:
        require_shop_owner(user, shop)


def offer_of(product: Product, shop: Shop | None) -> TeamOffer | None:
    """The team price where it is made (active or withdrawn), to edit."""
    return db.session.scalar(select(TeamOffer).where(TeamOffer.product_id == product.id,
                                                     TeamOffer.shop_id == (shop.id if shop else None)
                                                     if shop else TeamOffer.shop_id.is_(None)))


def lowest_team_price(product: Product, shop: Shop | None, rates: Rates) -> int:
    """The floor that keeps every party's share of the split at or above zero; a shop also stays in the band."""
    if shop is not None:
        return allowed_prices(product, rates).lowest
    return listing_price_floor(product.supply_price, rates)


def save_offer(user: User, product: Product, shop: Shop | None, *, team_size: int | None, unit_price: int | None,
               open_hours: int | None, max_teams: int | None, rates: Rates) -> TeamOffer:
    require_offer_maker(user, product, shop)
    normal = normal_price(product, shop)
    if normal is None:
        raise DomainError(_l("Only a product that is for sale here can have a team price."))
    errors = {}
    if team_size is None or not MIN_SIZE <= team_size <= MAX_SIZE:
        errors["team_size"] = _l("A team has from %(low)d to %(high)d people.", low=MIN_SIZE, high=MAX_SIZE)
    lowest = lowest_team_price(product, shop, rates)
    if lowest >= normal:
        errors["unit_price"] = _l("At today's platform rates no team price below %(price)s keeps every share "
                                  "at or above zero.", price=format_money(normal))
    elif unit_price is None or not lowest <= unit_price < normal:
        errors["unit_price"] = _l("Choose a team price from %(low)s to below the normal price of %(high)s.",
                                  low=format_money(lowest), high=format_money(normal))
    if open_hours is None or not 1 <= open_hours <= MAX_OPEN_HOURS:
        errors["open_hours"] = _l("A team stays open from 1 to %(max)d hours.", max=MAX_OPEN_HOURS)
    if max_teams is not None and not 1 <= max_teams <= MAX_TEAMS_CAP:
        errors["max_teams"] = _l("Leave it empty for no limit, or allow from 1 to %(max)d teams.", max=MAX_TEAMS_CAP)
    if errors:
        raise InvalidFields(errors)
    offer = offer_of(product, shop)
    if offer is None:
        offer = TeamOffer(product_id=product.id, shop_id=shop.id if shop else None, created_by_id=user.id)
        db.session.add(offer)
    offer.team_size, offer.unit_price, offer.open_hours, offer.max_teams = team_size, unit_price, open_hours, max_teams
    offer.active = True
    db.session.flush()
    return offer


def withdraw_offer(user: User, offer: TeamOffer) -> None:
    """No new teams at this price; teams already open run to their end on the terms they started with."""
    require_offer_maker(user, offer.product, offer.shop)
    offer.active = False
    db.session.flush()


# Reading teams (never writes: a team past its deadline reads as failed until the closing job records it)

READ_WITH_PRODUCT["team_offer"] = lambda product_id: select(TeamOffer.id).where(  # in the catalog or any shop
    TeamOffer.product_id == product_id, TeamOffer.active).correlate_except(TeamOffer).exists()


def live_offer(product: Product, shop: Shop | None) -> TeamOffer | None:
    offer = offer_of(product, shop)
    return offer if offer is not None and offer.active else None


def open_teams(offer: TeamOffer, now: datetime | None = None) -> list[Team]:
    """Teams that can still be joined, closing soonest first."""
    now = now or utcnow()
    return list(db.session.scalars(select(Team).where(Team.offer_id == offer.id, Team.status == TeamStatus.OPEN,
                                                      Team.closes_at > now)
                                   .order_by(Team.closes_at, Team.id)))


NO_TEAM_PANEL = {"team_offer": None, "open_teams": [], "now": None}  # a product without a team price anywhere


def team_panel(product: Product, shop: Shop | None) -> dict:
    """What a product page shows of team buying: the live offer there and its open teams."""
    offer = live_offer(product, shop) if is_public(product) else None
    now = utcnow()
    return {"team_offer": offer, "open_teams": open_teams(offer, now) if offer else [], "now": now}


def shared_team_title(code: str) -> str | None:
    """The title of a team's page for a share link, if the team's product is for sale."""
    team = team_by_code(code)
    if team is None or normal_price(team.offer.product, team.offer.shop) is None:
        return None
    return str(_l("Team for %(title)s", title=localized(team.offer.product, "title")))


def team_by_code(code: str) -> Team | None:
    return db.session.scalar(select(Team).where(Team.code == code).options(
        joinedload(Team.offer).joinedload(TeamOffer.product), joinedload(Team.offer).joinedload(TeamOffer.shop)))


def member_of(team: Team, user: User) -> TeamMember | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(select(TeamMember).where(TeamMember.team_id == team.id,
                                                      TeamMember.user_id == user.id))


def team_of_order(order_id: int) -> Team | None:
    return db.session.scalar(select(Team).join(TeamMember).where(TeamMember.order_id == order_id))


def teams_started(offer: TeamOffer) -> int:
    """Teams that count against the offer's cap: every one that did not fail."""
    return db.session.scalar(select(func.count(Team.id)).where(Team.offer_id == offer.id,
                                                               Team.status != TeamStatus.FAILED))


@dataclass(frozen=True)
class TeamOrder:
    """What a member orders: their option, how many, where to and how they pay."""
    variant_id: int | None
    quantity: int | None
    address: AddressDetails
    payment_method: PaymentMethod
    idempotency_key: str
    share_link: ShareLink | None = None
    use_credit: bool = False


# Starting, joining and settling

def start_team(buyer: User, offer: TeamOffer, wanted: TeamOrder, rates: Rates, now: datetime | None = None) -> Team:
    """Open a team at the offer's price, with the buyer's held order in its first place."""
    if not buyer.is_authenticated:
        raise AccessDenied()
    now = now or utcnow()
    # The offer's row orders teams started at once, so the cap on teams holds under concurrent starts.
    offer = db.session.scalar(select(TeamOffer).where(TeamOffer.id == offer.id).with_for_update()
                              .execution_options(populate_existing=True))
    if not offer.active or normal_price(offer.product, offer.shop) is None:
        raise DomainError(_l("This team price is no longer offered."))
    if offer.max_teams is not None and teams_started(offer) >= offer.max_teams:
        raise DomainError(_l("No more teams can start at this price: the seller's limit of teams is reached."))
    team = Team(code=_new_code(), offer_id=offer.id, team_size=offer.team_size, unit_price=offer.unit_price,
                places_taken=0, status=TeamStatus.OPEN, started_by_id=buyer.id, opened_at=now,
                closes_at=now + timedelta(hours=offer.open_hours))
    db.session.add(team)
    db.session.flush()
    _take_place(buyer, team, wanted, rates)
    return team


def join_team(buyer: User, team: Team, wanted: TeamOrder, rates: Rates, now: datetime | None = None) -> Team:
    """Take a place in an open team; the last place forms the team and releases every member's order."""
    if not buyer.is_authenticated:
        raise AccessDenied()
    team = _lock(team.id)
    now = now or utcnow()
    if team.status == TeamStatus.FORMED or team.places_left <= 0:
        raise TeamUnavailable(_l("This team just filled up. You can start a new team at the same price."))
    if not team.is_open_at(now):
        raise TeamUnavailable(_l("This team has closed. You can start a new team at the same price."))
    if member_of(team, buyer) is not None:
        if order_by_key(wanted.idempotency_key) is not None:
            return team  # a second click of the same join, after the first took the place: nothing more to do
        raise DomainError(_l("You are already in this team."))
    _take_place(buyer, team, wanted, rates)
    if team.places_left == 0:
        _form(team, now)
    return team


def leave_team(user: User, team: Team, now: datetime | None = None) -> None:
    """A member changes their mind before the team forms: their held order is cancelled and the place reopens.
    A team its last member leaves has failed."""
    team = _lock(team.id)
    now = now or utcnow()
    member = member_of(team, user)
    if member is None:
        raise AccessDenied()
    if not team.is_open_at(now):
        raise DomainError(_l("This team has ended: there is no place to leave."))
    cancel_held_order(member.order_id)
    db.session.delete(member)
    team.places_taken -= 1
    if team.places_taken == 0:
        team.status, team.closed_at = TeamStatus.FAILED, now
    db.session.flush()


def settle(team: Team, now: datetime | None = None) -> bool:
    """Record the end of a team past its deadline; True if this call recorded it. For actions and the closing job,
    never for a page."""
    team = _lock(team.id)
    now = now or utcnow()
    if team.status != TeamStatus.OPEN or now < team.closes_at:
        return False
    _fail(team, now)
    return True


def close_expired_teams(now: datetime | None = None) -> list[Team]:
    """Every open team past its deadline fails: its members' orders are cancelled and each member is told."""
    now = now or utcnow()
    due = list(db.session.scalars(select(Team).where(Team.status == TeamStatus.OPEN, Team.closes_at <= now)
                                  .order_by(Team.id)))
    return [team for team in due if settle(team, now)]


def _lock(team_id: int) -> Team:
    return db.session.scalar(select(Team).where(Team.id == team_id).with_for_update()
                             .execution_options(populate_existing=True))


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
        if db.session.scalar(select(Team.id).where(Team.code == code)) is None:
            return code


def _take_place(buyer: User, team: Team, wanted: TeamOrder, rates: Rates) -> None:
    offer = team.offer
    product = offer.product
    variant = db.session.get(Variant, wanted.variant_id or 0)
    if variant is None or variant.product_id != product.id:
        raise InvalidFields({"variant_id": _l("Choose one of this product's options.")})
    if wanted.quantity is None or not 1 <= wanted.quantity <= MAX_QUANTITY:
        raise InvalidFields({"quantity": _l("Choose a quantity from 1 to %(max)d.", max=MAX_QUANTITY)})
    if normal_price(product, offer.shop) is None:
        raise DomainError(_l("%(title)s is not for sale here any more.", title=localized(product, "title")))
    if team.unit_price < listing_price_floor(product.supply_price, rates):
        raise DomainError(_l("This team price is no longer offered."))
    # Claimed in SQL as well: on SQLite (no row locks) only one of two racing joins can take the last place.
    claimed = db.session.execute(update(Team).where(Team.id == team.id, Team.status == TeamStatus.OPEN,
                                                    Team.places_taken < Team.team_size)
                                 .values(places_taken=Team.places_taken + 1)).rowcount
    if claimed != 1:
        raise TeamUnavailable(_l("This team just filled up. You can start a new team at the same price."))
    # A line priced at the team's price, not the cart's: the order is held until the team forms.
    order = place_order(buyer, None, wanted.address, wanted.payment_method, wanted.idempotency_key, rates,
                        share_link=wanted.share_link, use_credit=wanted.use_credit,
                        summary=priced_line(variant, offer.shop_id, wanted.quantity, team.unit_price), held=True)
    try:
        with db.session.begin_nested():
            db.session.add(TeamMember(team_id=team.id, user_id=buyer.id, order_id=order.id))
    except IntegrityError as error:
        raise DomainError(_l("You are already in this team.")) from error
    db.session.refresh(team)


def _members_told(team: Team, event: str, link: str, now: datetime) -> None:
    notify({member.user_id for member in team.members}, Kind.ORDER_UPDATES, event=event,
           subject=bilingual(team.offer.product, "title"), link=link, now=now)


def team_path(team: Team) -> str:
    return f"/teams/{team.code}"


def buy_alone_path(team: Team) -> str:
    offer = team.offer
    if offer.shop is not None:
        return f"/shops/{offer.shop.slug}/p/{offer.product.slug}"
    return f"/p/{offer.product.slug}"


def _form(team: Team, now: datetime) -> None:
    for member in team.members:
        release_held_order(member.order_id)
    team.status, team.closed_at = TeamStatus.FORMED, now
    db.session.flush()
    _members_told(team, "team_formed", team_path(team), now)


def _fail(team: Team, now: datetime) -> None:
    for member in team.members:
        cancel_held_order(member.order_id)
    team.status, team.closed_at = TeamStatus.FAILED, now
    db.session.flush()
    _members_told(team, "team_failed", buy_alone_path(team), now)



# What sellers see

@dataclass
class SellerReport:
    offers: list[TeamOffer]
    teams: list[tuple[Team, TeamStatus, int, int]]  # (team, status as shown, units, amount) newest first
    counts: dict[TeamStatus, int]
    units_sold: int
    amount_sold: int


def supplier_products(supplier_id: int) -> list[Product]:
    return list(db.session.scalars(select(Product).where(Product.supplier_id == supplier_id)
                                   .order_by(Product.title)))


def seller_teams(*, supplier_id: int | None = None, shop_id: int | None = None, limit: int = 200) -> SellerReport:
    """A supplier's (every team on its products) or a shop's team prices and teams, with what formed teams sold."""
    offers_query = select(TeamOffer).join(TeamOffer.product).options(joinedload(TeamOffer.product),
                                                                     joinedload(TeamOffer.shop))
    offers_query = (offers_query.where(Product.supplier_id == supplier_id) if supplier_id is not None
                    else offers_query.where(TeamOffer.shop_id == shop_id))
    offers = list(db.session.scalars(offers_query.order_by(TeamOffer.active.desc(), Product.title)))
    teams = list(db.session.scalars(
        select(Team).where(Team.offer_id.in_([offer.id for offer in offers]))
        .options(selectinload(Team.members), joinedload(Team.offer).joinedload(TeamOffer.product))
        .order_by(Team.opened_at.desc(), Team.id.desc()).limit(limit))) \
        if offers else []
    figures = order_figures([member.order_id for team in teams for member in team.members])
    now = utcnow()
    rows, counts, units_sold, amount_sold = [], dict.fromkeys(TeamStatus, 0), 0, 0
    for team in teams:
        shown = team.shown_status(now)
        counts[shown] += 1
        units = sum(figures[m.order_id][2] for m in team.members if m.order_id in figures)
        amount = sum(figures[m.order_id][3] for m in team.members if m.order_id in figures)
        if shown == TeamStatus.FORMED:
            units_sold, amount_sold = units_sold + units, amount_sold + amount
        rows.append((team, shown, units, amount))
    return SellerReport(offers, rows, counts, units_sold, amount_sold)
