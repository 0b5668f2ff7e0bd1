"""Share links, click counting, attribution and the rewards a sharer earns (one level, never more)."""
import hashlib
import re
import secrets
import unicodedata
from collections.abc import Callable
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from blueprints.accounts.models import User
from blueprints.accounts.sessions import READ_WITH_SIGN_IN, facts_read_with_sign_in
from blueprints.bilingual import localized
from blueprints.catalog.models import Product
from blueprints.catalog.services import is_public
from blueprints.codesign.queries import public_prototype
from blueprints.errors import AccessDenied, DomainError
from blueprints.ledger.models import LedgerEntry
from blueprints.ledger.accounts import Bucket, Owner
from blueprints.ledger.services import balance, entries_of, owed_to
from blueprints.sharing.models import CookielessVisit, ShareClick, ShareLink, SharerDevice
from blueprints.shops.services import public_listing, shop_by_slug
from extensions import db

SHAREABLE = re.compile(r"^/(p/[a-z0-9-]+|shops/[a-z0-9-]+(/p/[a-z0-9-]+)?|codesign/[a-z0-9-]+|teams/[a-z0-9]+)$")
# Titles of shareable pages that higher rooms own, by the path's first part ({"teams": title of a team's path}),
# registered in create_app: sharing cannot import them.
titles_from_above: dict[str, Callable[[str], str | None]] = {}
# Link previews and crawlers open links all day; they are not people.
BOTS = re.compile(r"bot|crawl|spider|slurp|preview|facebookexternalhit|whatsapp|telegram|slack|discord|curl|wget|"
                  r"python-requests|httpclient|headless", re.IGNORECASE)
_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def is_shareable(path: str) -> bool:
    return bool(SHAREABLE.fullmatch(path or ""))


def page_title(path: str) -> str | None:
    """The title of a public page that can be shared, looked up here (never taken from the request)."""
    if not is_shareable(path):
        return None
    parts = path.strip("/").split("/")
    if parts[0] == "p":
        product = db.session.scalar(select(Product).where(Product.slug == parts[1]))
        return localized(product, "title") if product is not None and is_public(product) else None
    if parts[0] in titles_from_above:
        return titles_from_above[parts[0]](parts[1])
    if parts[0] == "codesign":
        prototype = public_prototype(parts[1])
        return localized(prototype, "title") if prototype is not None else None
    shop = shop_by_slug(parts[1])
    if shop is None:
        return None
    if len(parts) == 2:
        return localized(shop, "name")
    listing = public_listing(shop, parts[3])
    return f"{localized(listing.product, 'title')} · {localized(shop, 'name')}" if listing else None


def link_of(user: User, path: str) -> ShareLink | None:
    if not user.is_authenticated:
        return None
    facts = facts_read_with_sign_in(user)
    if facts is not None and not facts["has_share_links"]:
        return None  # they have shared nothing yet, as their sign-in read: most members, on every shared page
    return db.session.scalar(select(ShareLink).where(ShareLink.user_id == user.id, ShareLink.path == path))


READ_WITH_SIGN_IN["has_share_links"] = lambda user_id: select(ShareLink.id).where(ShareLink.user_id == user_id).exists()


def get_or_create_link(user: User, path: str, locale: str | None = None) -> ShareLink:
    """The user's own link to a page, made on first use (one per user and page), remembering the language
    (`locale`) the user saw the page in."""
    if not user.is_authenticated:
        raise AccessDenied()
    title = page_title(path)
    if title is None:
        raise DomainError(_l("That page cannot be shared."))
    existing = link_of(user, path)
    if existing is not None:
        return existing
    link = ShareLink(code="".join(secrets.choice(_ALPHABET) for _ in range(8)), user_id=user.id, path=path,
                     title=title[:200], locale=locale)
    try:
        with db.session.begin_nested():
            db.session.add(link)
    except IntegrityError:
        return link_of(user, path)  # a double click made it a moment ago
    return link


def find_link(code: str) -> ShareLink | None:
    return db.session.scalar(select(ShareLink).where(ShareLink.code == (code or "").lower()))


def valid_visitor_id(visitor_id: str | None) -> str | None:
    return visitor_id if visitor_id and re.fullmatch(r"[0-9a-f]{64}", visitor_id) else None


def new_visitor_id() -> str:
    """A first-party visitor id of its own for each new browser, so people behind one carrier address with the same
    in-app browser are told apart once their browsers keep it."""
    return secrets.token_hex(32)


def network_key(address: str | None, user_agent: str | None) -> str:
    """The network and browser a request came from, hashed: all that is known of a browser that keeps no cookie."""
    return hashlib.sha256(f"{address}|{user_agent}".encode()).hexdigest()


def record_click(link: ShareLink, visitor: str, user_agent: str | None, today: date, *, new_visitor: bool = False,
                 network: str | None = None) -> bool:
    """Count a visit, once per visitor per day, never for a bot or one of the sharer's own browsers. A first visit
    (`new_visitor`) counts unless a cookieless browser from the same network and browser was counted already today.
    Returns whether it counted."""
    if not user_agent or BOTS.search(user_agent) or visitor in sharers_visitors(link.user_id):
        return False
    if new_visitor and network:
        try:
            with db.session.begin_nested():
                db.session.add(CookielessVisit(link_id=link.id, network=network, day=today))
        except IntegrityError:
            return False
    try:
        with db.session.begin_nested():
            db.session.add(ShareClick(link_id=link.id, visitor=visitor, day=today))
    except IntegrityError:
        return False
    return True


# The sharer's own devices, for self-referral checks and for not counting their own clicks

def seen_on(user: User, visitor: str | None, network: str) -> None:
    """Remember that the user used this browser (visitor cookie) and network."""
    if not user.is_authenticated or not visitor:
        return
    found = select(SharerDevice.id).where(SharerDevice.user_id == user.id, SharerDevice.visitor == visitor,
                                          SharerDevice.network == network)
    if db.session.scalar(found) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(SharerDevice(user_id=user.id, visitor=visitor, network=network))
    except IntegrityError:
        pass


def sharers_visitors(user_id: int) -> set[str]:
    return set(db.session.scalars(select(SharerDevice.visitor).where(SharerDevice.user_id == user_id)))


def same_device_as_sharer(sharer_id: int, visitor: str | None, network: str | None) -> bool:
    """The buyer's browser is one the sharer used; or, for a browser that keeps no visitor cookie, the same
    network and browser. (A network alone is not enough: a carrier puts thousands of people behind one address.)"""
    if visitor:
        condition = SharerDevice.visitor == visitor
    elif network:
        condition = SharerDevice.network == network
    else:
        return False
    return db.session.scalar(select(SharerDevice.id).where(SharerDevice.user_id == sharer_id, condition)
                             .limit(1)) is not None


_PUNCTUATION = re.compile(r"[\W_]+", re.UNICODE)


def normalise_address(*parts: str) -> str:
    """An address as a comparison sees it: full-width forms folded (NFKC), case, spaces and punctuation dropped, so
    "文三路90号", "文三路 90 号。" and "文三路９０号" are one street."""
    text = unicodedata.normalize("NFKC", "".join(part or "" for part in parts)).casefold()
    return _PUNCTUATION.sub("", text)


def links_with_clicks(user: User) -> list[tuple[ShareLink, int]]:
    """(link, clicks) for each of the user's links, newest first, in two queries."""
    links = list(db.session.scalars(select(ShareLink).where(ShareLink.user_id == user.id)
                                    .order_by(ShareLink.created_at.desc())))
    ids = [link.id for link in links]
    if not ids:
        return []
    clicks = dict(db.session.execute(select(ShareClick.link_id, func.count(ShareClick.id))
                                     .where(ShareClick.link_id.in_(ids))
                                     .group_by(ShareClick.link_id)).all())
    return [(link, clicks.get(link.id, 0)) for link in links]


def balances(user: User) -> dict[Bucket, int]:
    return owed_to(Owner.referrer(user.id))


def history(user: User, limit: int = 100) -> list[LedgerEntry]:
    return entries_of(Owner.referrer(user.id), limit=limit)


def available_credit(user: User) -> int:
    return max(0, -balance(Owner.referrer(user.id).account(Bucket.AVAILABLE)))
