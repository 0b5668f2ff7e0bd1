"""The loop back into the catalog: an accepted prototype becomes a draft product carrying its text,
pictures and winning poll answers; the product page tells its co-design story; supporters hear of it."""
from dataclasses import dataclass

from flask_login import AnonymousUserMixin
from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.catalog.models import Product, ProductImage, ProductStatus, Variant
from blueprints.catalog.services import READ_WITH_PRODUCT
from blueprints.codesign.models import Ask, AskStatus, Comment, Pledge, Prototype, PrototypeUpdate, Stage, Support
from blueprints.codesign.services import news
from blueprints.codesign.services.prototypes import move_to_stage, require_prototype_editor
from blueprints.codesign.services.support import tally, variant_plan
from blueprints.codesign.services.updates import asks_for, updates_for
from blueprints.media.images import image_path, store_image
from blueprints.money import BASIS_POINTS, current_rates, kept_share, listing_price_floor
from blueprints.slugs import unique_slug
from blueprints.suppliers.models import SupplierMember
from extensions import db


def launch(user: User, prototype: Prototype) -> Product:
    """Accepted -> launched: a draft catalog product carrying the prototype's text, pictures and chosen options."""
    require_prototype_editor(user, prototype)
    move_to_stage(prototype, Stage.LAUNCHED)
    rates = current_rates()
    # A first guess the supplier edits: a supply price that leaves the platform's fees inside the
    # early-bird price, so pledgers' orders never cost the platform money.
    supply = max(1, prototype.early_bird_price * kept_share(rates) // BASIS_POINTS)
    target = max(prototype.target_price, listing_price_floor(supply, rates))
    product = Product(supplier_id=prototype.supplier_id, category_id=prototype.category_id, title=prototype.title,
                      title_en=prototype.title_en, slug=unique_slug(Product.slug, prototype.title, fallback="product"),
                      description=_joined(prototype.description, prototype.specs),
                      description_en=_joined(prototype.description_en, prototype.specs_en),
                      status=ProductStatus.DRAFT, supply_price=supply, suggested_price=target,
                      min_price=max(supply, prototype.early_bird_price), max_price=target * 13 // 10)
    db.session.add(product)
    db.session.flush()
    for n, image in enumerate(prototype.images):
        db.session.add(ProductImage(product_id=product.id, key=_copy_image(image.key), width=image.width,
                                    height=image.height, position=n))
    plan = variant_plan(prototype)
    for n, (options, options_en) in enumerate(zip(plan.variants, plan.variants_en, strict=True)):
        db.session.add(Variant(product_id=product.id, sku=f"P{prototype.id}-{product.id}-{n + 1:02d}", options=options,
                               options_en={key: value for key, value in options_en.items() if value},
                               stock_on_hand=0, position=n))
    prototype.product_id = product.id
    db.session.flush()
    return product


def _joined(description: str, specs: str) -> str:
    return description + ("\n\n" + specs if specs else "")


def _copy_image(key: str) -> str:
    """The product gets its own copies, so removing one never breaks the other."""
    with image_path(key, "display").open("rb") as original:
        return store_image(original).key


def origin_of(product: Product) -> Prototype | None:
    return db.session.scalar(select(Prototype).where(Prototype.product_id == product.id))


READ_WITH_PRODUCT["from_prototype"] = lambda product_id: select(Prototype.id).where(
    Prototype.product_id == product_id).correlate_except(Prototype).exists()


@dataclass
class CoDesignStory:
    prototype: Prototype
    supporters: int
    pledged: int
    changes: list[PrototypeUpdate]
    asks_done: list[Ask]
    contributors: list[User]


def co_design_story(product: Product) -> CoDesignStory | None:
    prototype = origin_of(product)
    if prototype is None:
        return None
    counts = tally(prototype, AnonymousUserMixin())
    asks = [ask for ask in asks_for(prototype) if ask.status == AskStatus.DONE]
    staff = select(SupplierMember.user_id).where(SupplierMember.supplier_id == prototype.supplier_id)
    author_ids = set(db.session.scalars(
        select(Comment.author_id).where(Comment.prototype_id == prototype.id, Comment.deleted_at.is_(None),
                                        Comment.hidden_reason.is_(None), Comment.author_id.not_in(staff))))
    contributors = list(db.session.scalars(select(User).where(User.id.in_(author_ids), User.credit_contributions)
                                           .order_by(User.display_name))) if author_ids else []
    return CoDesignStory(prototype, counts.supporters, counts.pledged, updates_for(prototype), asks, contributors)


def tell_supporters_of_launch(product: Product, **_extra) -> None:
    """A co-designed product went on sale: everyone who took part hears about it, as their own activity."""
    prototype = origin_of(product)
    if prototype is None:
        return
    # Pledgers of a prototype that reached its goal get their order, ready to confirm; everyone else the news.
    ordering = news.pledgers(prototype) if prototype.goal_reached_at else set()
    news.tell(news.participants(prototype) - ordering, prototype, "launched", f"/p/{product.slug}")
    news.tell(ordering, prototype, "pledge_order_ready", news.page_of(prototype, "/order"))


def supporters_and_pledgers(prototype: Prototype) -> set[int]:
    return (set(db.session.scalars(select(Support.user_id).where(Support.prototype_id == prototype.id)))
            | set(db.session.scalars(select(Pledge.user_id).where(Pledge.prototype_id == prototype.id))))
