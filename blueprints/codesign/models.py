import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blueprints.accounts.models import User
from blueprints.catalog.models import Category, Product
from blueprints.columns import UTCDateTime, string_enum, utcnow
from blueprints.suppliers.models import Supplier
from extensions import db


class Stage(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"          # supports, polls, comments and pledges
    REVIEW = "review"      # the supplier decides
    ACCEPTED = "accepted"  # going into production
    DECLINED = "declined"  # with a public reason
    LAUNCHED = "launched"  # a catalog product now carries its history


class Prototype(db.Model):
    cached_in = [("codesign", None)]  # the pages it appears on (blueprints/shared_pages.py)
    __tablename__ = "prototypes"
    __table_args__ = (
        CheckConstraint("target_price > 0 AND early_bird_price > 0 AND early_bird_price <= target_price",
                        name="prices_sensible"),
        CheckConstraint("moq > 0", name="moq_positive"),
        # `flask close-prototypes` finds the open ones past their deadline; the board, the open ones before it.
        Index("ix_prototypes_stage_deadline", "stage", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    # The plain columns hold the required 简体中文 text; the *_en columns the optional English.
    title: Mapped[str] = mapped_column(String(160))
    title_en: Mapped[str] = mapped_column(String(160), default="", server_default="")
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    specs: Mapped[str] = mapped_column(Text, default="")
    specs_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    target_price: Mapped[int]
    early_bird_price: Mapped[int]
    moq: Mapped[int]
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    stage: Mapped[Stage] = mapped_column(string_enum(Stage, "prototype_stage"), default=Stage.DRAFT, index=True)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), unique=True)
    hidden_reason: Mapped[str | None] = mapped_column(Text)  # set by a moderator; hides it from everyone else
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The moment pledges first reached the MOQ (pledgers were told then), and the moment its pledges were void
    # because the deadline passed below it (pledgers were told then too).
    goal_reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pledges_voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pledge_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # "your early-bird window closes"
    # Staged support goals, LEGO Ideas style: "100,500,1000"; reaching the last moves it to review.
    support_goals: Mapped[str] = mapped_column(String(100), default="", server_default="")

    supplier: Mapped[Supplier] = relationship()
    category: Mapped[Category] = relationship()
    product: Mapped[Product | None] = relationship()
    images: Mapped[list["PrototypeImage"]] = relationship(order_by="PrototypeImage.position",
                                                          cascade="all, delete-orphan")
    polls: Mapped[list["Poll"]] = relationship(back_populates="prototype", order_by="Poll.position",
                                               cascade="all, delete-orphan")

    @property
    def support_steps(self) -> list[int]:
        return [int(goal) for goal in self.support_goals.split(",") if goal]

    @property
    def cover(self):
        return self.images[0] if self.images else None

    def stage_at(self, now: datetime) -> Stage:
        """The stage at `now`: an open prototype past its deadline is in review, whether or not
        `flask close-prototypes` has recorded it yet (`codesign.queries.open_conditions` in SQL)."""
        return Stage.REVIEW if self.stage == Stage.OPEN and self.deadline <= now else self.stage

    @property
    def effective_stage(self) -> Stage:
        """The stage to show and to act on now (see `stage_at`)."""
        return self.stage_at(utcnow())


class PrototypeImage(db.Model):
    cached_in = [("codesign", None)]  # the pages it appears on (blueprints/shared_pages.py)
    __tablename__ = "prototype_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    prototype_id: Mapped[int] = mapped_column(ForeignKey("prototypes.id"), index=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)


class Support(db.Model):
    """One per user per prototype: the database refuses a second, whatever the timing."""
    # The pages it appears on (blueprints/shared_pages.py), and its user's suggestions (recommendations)
    cached_in = [("codesign", None), ("suggestions", "user_id")]

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("prototype_id", "user_id", name="uq_supports_prototype_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prototype_id: Mapped[int] = mapped_column(ForeignKey("prototypes.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    would_buy_at: Mapped[int | None]  # "I would buy at ¥X", in fen
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User] = relationship()


class Poll(db.Model):
    cached_in = [("codesign", None)]  # the pages it appears on (blueprints/shared_pages.py)
    __tablename__ = "polls"
    # One poll per variant option: two polls feeding "colour" would leave launch to pick one silently.
    __table_args__ = (Index("uq_polls_prototype_variant_option", "prototype_id", "variant_option", unique=True,
                            sqlite_where=text("variant_option IS NOT NULL"),
                            postgresql_where=text("variant_option IS NOT NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prototype_id: Mapped[int] = mapped_column(ForeignKey("prototypes.id"), index=True)
    question: Mapped[str] = mapped_column(String(200))
    question_en: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # The variant option its answers become when the prototype launches, e.g. "colour"; None: not a variant.
    variant_option: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # no more votes; its result stands

    prototype: Mapped[Prototype] = relationship(back_populates="polls")
    options: Mapped[list["PollOption"]] = relationship(back_populates="poll", order_by="PollOption.position",
                                                       cascade="all, delete-orphan")


class PollOption(db.Model):
    cached_in = [("codesign", None)]  # the pages it appears on (blueprints/shared_pages.py)
    __tablename__ = "poll_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"), index=True)
    label: Mapped[str] = mapped_column(String(80))
    label_en: Mapped[str] = mapped_column(String(80), default="", server_default="")
    position: Mapped[int] = mapped_column(default=0)

    poll: Mapped[Poll] = relationship(back_populates="options")


class PollVote(db.Model):
    """One choice per user per poll (changeable while the prototype is open)."""
    # The pages it appears on (blueprints/shared_pages.py), and its user's suggestions (recommendations)
    cached_in = [("codesign", None), ("suggestions", "user_id")]

    __tablename__ = "poll_votes"
    __table_args__ = (UniqueConstraint("poll_id", "user_id", name="uq_poll_votes_poll_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"), index=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("poll_options.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Pledge(db.Model):
    """A promise to buy N units at the early-bird price if the prototype reaches its MOQ."""
    # The pages it appears on (blueprints/shared_pages.py), and its user's suggestions (recommendations)
    cached_in = [("codesign", None), ("suggestions", "user_id")]

    __tablename__ = "pledges"
    __table_args__ = (UniqueConstraint("prototype_id", "user_id", name="uq_pledges_prototype_user"),
                      CheckConstraint("quantity > 0", name="quantity_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    prototype_id: Mapped[int] = mapped_column(ForeignKey("prototypes.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    quantity: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    prototype: Mapped[Prototype] = relationship()


class Comment(db.Model):
    __tablename__ = "comments"
    cached_in = [("codesign", None), ("prototype", "prototype_id")]  # its prototype's cached comments (blueprints/cache.py)

    id: Mapped[int] = mapped_column(primary_key=True)
    prototype_id: Mapped[int] = mapped_column(ForeignKey("prototypes.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)  # one level deep
    body: Mapped[str] = mapped_column(Text)
    official: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(Text)  # set by a moderator

    author: Mapped[User] = relationship()


class CommentLike(db.Model):
    cached_in = [("codesign", None)]  # the pages it appears on (blueprints/shared_pages.py)
    __tablename__ = "comment_likes"
    __table_args__ = (UniqueConstraint("comment_id", "user_id", name="uq_comment_likes_comment_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class AskStatus(enum.StrEnum):
    CONSIDERING = "considering"
    PLANNED = "planned"
    DONE = "done"
    DECLINED = "declined"


class Ask(db.Model):
    """A comment the supplier took on as a tracked request, with what became of it."""
    cached_in = [("codesign", None)]  # the pages it appears on (blueprints/shared_pages.py)

    __tablename__ = "asks"

    id: Mapped[int] = mapped_column(primary_key=True)
    prototype_id: Mapped[int] = mapped_column(ForeignKey("prototypes.id"), index=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), unique=True)
    status: Mapped[AskStatus] = mapped_column(string_enum(AskStatus, "ask_status"), default=AskStatus.CONSIDERING)
    answer: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # A duplicate the supplier merged into another ask: its person is credited through the one kept.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("asks.id"), index=True)

    comment: Mapped[Comment] = relationship()


class PrototypeUpdate(db.Model):
    """The changelog: what the supplier changed, and the asks, comments and polls that caused it."""
    cached_in = [("codesign", None)]  # the pages it appears on (blueprints/shared_pages.py)

    __tablename__ = "prototype_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    prototype_id: Mapped[int] = mapped_column(ForeignKey("prototypes.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    causes: Mapped[list["UpdateCause"]] = relationship(cascade="all, delete-orphan")


class UpdateCause(db.Model):
    """One of: an ask, a comment or a poll."""
    cached_in = [("codesign", None)]  # the pages it appears on (blueprints/shared_pages.py)

    __tablename__ = "update_causes"

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("prototype_updates.id"), index=True)
    ask_id: Mapped[int | None] = mapped_column(ForeignKey("asks.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    poll_id: Mapped[int | None] = mapped_column(ForeignKey("polls.id"))

    ask: Mapped[Ask | None] = relationship()
    comment: Mapped[Comment | None] = relationship()
    poll: Mapped[Poll | None] = relationship()


class Report(db.Model):
    """A flag on a comment or prototype, for the moderation queue."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"), index=True)
    prototype_id: Mapped[int] = mapped_column(ForeignKey("prototypes.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    comment: Mapped[Comment | None] = relationship()
    prototype: Mapped[Prototype] = relationship()
