"""Team prices and the teams that unlock them: a few people who each place an order at the team price, held
until the last place is taken (then released to the supplier together) or the team's time runs out (then
every order is cancelled)."""
import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.accounts.models import User
from blueprints.catalog.models import Product
from blueprints.columns import UTCDateTime, string_enum, utcnow
from blueprints.shops.models import Shop
from extensions import db

MIN_SIZE, MAX_SIZE = 2, 10


class TeamOffer(db.Model):
    """A team price on a product: the supplier's for the catalog (shop None), or a shop's for its listing."""
    cached_in = [("catalog", None)]  # the pages it appears on (blueprints/shared_pages.py)

    __tablename__ = "team_offers"
    __table_args__ = (
        CheckConstraint(f"team_size BETWEEN {MIN_SIZE} AND {MAX_SIZE}", name="team_size_range"),
        CheckConstraint("unit_price > 0", name="unit_price_positive"),
        CheckConstraint("open_hours > 0", name="open_hours_positive"),
        CheckConstraint("max_teams IS NULL OR max_teams > 0", name="max_teams_positive"),
        # One team price per product where it is sold: per shop, and once for the catalog (shop_id NULL, which a
        # plain unique constraint would let repeat).
        UniqueConstraint("product_id", "shop_id", name="uq_team_offers_product_shop"),
        Index("uq_team_offers_catalog_product", "product_id", unique=True, sqlite_where=text("shop_id IS NULL"),
              postgresql_where=text("shop_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"), index=True)
    team_size: Mapped[int]
    unit_price: Mapped[int]
    open_hours: Mapped[int] = mapped_column(default=24)
    max_teams: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship()
    shop: Mapped[Shop | None] = relationship()


class TeamStatus(enum.StrEnum):
    OPEN = "open"
    FORMED = "formed"  # every place taken: the members' orders went to the supplier
    FAILED = "failed"  # closed unfilled: every member's order was cancelled


class Team(db.Model):
    cached_in = [("catalog", None)]  # the pages it appears on (blueprints/shared_pages.py)
    __tablename__ = "teams"
    __table_args__ = (
        CheckConstraint("places_taken >= 0 AND places_taken <= team_size", name="places_within_size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("team_offers.id"), index=True)
    # Copied from the offer when the team starts: a later change of the offer never moves a team's terms.
    team_size: Mapped[int]
    unit_price: Mapped[int]
    places_taken: Mapped[int] = mapped_column(default=0)
    status: Mapped[TeamStatus] = mapped_column(string_enum(TeamStatus, "team_status"), default=TeamStatus.OPEN,
                                               index=True)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    offer: Mapped[TeamOffer] = relationship()
    started_by: Mapped[User] = relationship()
    members: Mapped[list["TeamMember"]] = relationship(back_populates="team", order_by="TeamMember.id")

    @property
    def places_left(self) -> int:
        return self.team_size - self.places_taken

    def is_open_at(self, now: datetime) -> bool:
        """Open and not yet past its deadline; a team past it counts as closed even before the closing job
        records it."""
        return self.status == TeamStatus.OPEN and now < self.closes_at

    def shown_status(self, now: datetime) -> TeamStatus:
        """What the team is, as a page tells it without writing: an open team past its deadline has failed."""
        if self.status == TeamStatus.OPEN and now >= self.closes_at:
            return TeamStatus.FAILED
        return self.status


class TeamMember(db.Model):
    """One person's place in a team, held by their order."""
    cached_in = [("catalog", None)]  # the pages it appears on (blueprints/shared_pages.py)

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_team_members_team_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship(back_populates="members")
    user: Mapped[User] = relationship()
