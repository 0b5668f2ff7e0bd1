"""What a shared page says of itself in a chat app's preview (its card) and on a poster: title, words, picture and
price, in one language, for public pages only."""
import hashlib
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.catalog.models import Product
from blueprints.catalog.services import is_public
from blueprints.codesign.queries import public_prototype
from blueprints.errors import AccessDenied
from blueprints.media.posters import PosterText
from blueprints.money import format_money
from blueprints.sharing.models import ShareLink
from blueprints.shops.services import public_listing, shop_by_slug, storefront_cover_key
from extensions import db

CHINESE = "zh_Hans"


def text_in(item, field: str, locale: str) -> str:
    """An item's text (`title`, `description`, `name`, `tagline`) as a card shows it in `locale`.

    Catalog text is written in Chinese with English optional: the English field (`title_en`...) where the
    bilingual catalog has one and the reader wants English, else the Chinese."""
    english = getattr(item, f"{field}_en", None) if locale != CHINESE else None
    return english or getattr(item, field) or ""


@dataclass(frozen=True)
class Subject:
    """A shared page as a card or a poster shows it."""

    kind: str  # "product" (in the catalog or a shop), "shop", "prototype", or "page" for anything else
    title: str
    description: str
    image_key: str | None = None
    price: int | None = None  # fen: what this page sells it for
    early_bird: bool = False  # the price is a prototype's early-bird price, not yet for sale


def _shorter(text: str, length: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


def of_product(product, price: int, shop, locale: str) -> Subject:
    title = text_in(product, "title", locale)
    if shop is not None:
        title = f"{title} · {text_in(shop, 'name', locale)}"
    return Subject("product", title, _shorter(text_in(product, "description", locale)),
                   product.cover.key if product.cover else None, price)


def of_shop(shop, cover_key: str | None, locale: str) -> Subject:
    name = text_in(shop, "name", locale)
    with force_locale(locale):
        description = text_in(shop, "tagline", locale) or _("%(shop)s: verified products, chosen and shared by the "
                                                            "people who run this shop.", shop=name)
    return Subject("shop", name, _shorter(description), shop.logo_key or cover_key)


def of_prototype(prototype, locale: str) -> Subject:
    return Subject("prototype", text_in(prototype, "title", locale),
                   _shorter(text_in(prototype, "description", locale)),
                   prototype.cover.key if prototype.cover else None, prototype.early_bird_price, early_bird=True)


def subject_of_path(path: str, locale: str, titles_from_above: dict) -> Subject | None:
    """The public page at a shareable `path`, or None when there is none the public may see. Pages that higher
    rooms own (a team's) are known by their title alone, from `titles_from_above`."""
    parts = path.strip("/").split("/")
    if parts[0] == "p":
        product = db.session.scalar(select(Product).where(Product.slug == parts[1]))
        return of_product(product, product.suggested_price, None, locale) if product and is_public(product) else None
    if parts[0] == "codesign":
        prototype = public_prototype(parts[1])
        return of_prototype(prototype, locale) if prototype is not None else None
    if parts[0] == "shops":
        shop = shop_by_slug(parts[1])
        if shop is None:
            return None
        if len(parts) == 2:
            return of_shop(shop, None if shop.logo_key else storefront_cover_key(shop), locale)
        listing = public_listing(shop, parts[3])
        return of_product(listing.product, listing.price, shop, locale) if listing else None
    title = titles_from_above[parts[0]](parts[1]) if parts[0] in titles_from_above else None
    return Subject("page", title, "") if title else None


# Posters

@dataclass(frozen=True)
class Poster:
    subject: Subject
    text: PosterText
    fingerprint: str  # names what the poster shows: the same contents, the same stored picture


def poster_of(user: User, link: ShareLink, subject: Subject | None, locale: str) -> Poster | None:
    """The poster of the user's own share link, or None when its page is no longer public. Posters are made
    for the sharer only: each carries the sharer's name and link."""
    if not user.is_authenticated or link.user_id != user.id:
        raise AccessDenied()
    if subject is None:
        return None
    with force_locale(locale):
        price = format_money(subject.price) if subject.price is not None else None
        text = PosterText(title=subject.title, price=price,
                          price_note=_("early-bird price") if subject.early_bird and price else None,
                          shared_by=_("Shared by %(name)s", name=user.display_name),
                          scan_hint=_("Scan or long-press the code to open"))
    contents = "\n".join([link.code, subject.image_key or "", *(str(value) for value in vars(text).values())])
    return Poster(subject, text, hashlib.sha256(contents.encode()).hexdigest()[:32])
