"""Recommendations for pages: load a bounded slice of what people did, let the engine rank it, keep what may be shown.

Every taking part counts: supports, poll votes, pledges and purchases. A launched prototype and its
product are one item, so supporting the prototype is taste for the product and the other way round.
Only public items are ever suggested (active products and open prototypes of verified suppliers),
never one the user already bought, supported, voted on or pledged to, nor the item on the page.
The number of queries is fixed, however many items are suggested.
"""
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cache
from typing import NamedTuple

from flask import current_app, g, has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin
from markupsafe import Markup
from sqlalchemy import and_, bindparam, case, func, literal_column, or_, select, true, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from blueprints.accounts.models import User
from blueprints.accounts.sessions import READ_WITH_SIGN_IN, facts_read_with_sign_in
from blueprints.bilingual import bilingual
from blueprints.cache import fragment_key, kept_fragments, remembered, remembered_each, version_of
from blueprints.catalog.models import Category, Product
from blueprints.catalog.services import visible_products
from blueprints.codesign.models import Pledge, Poll, PollVote, Prototype, Support
from blueprints.codesign.queries import open_prototypes
from blueprints.columns import utcnow
from blueprints.errors import AccessDenied, DomainError
from blueprints.notifications.models import Kind, Notification, NotificationPreference
from blueprints.notifications.services import notify
from blueprints.orders.queries import purchases as bought_items
from blueprints.recommendations.models import NotInterested, SuggestionSettings
from blueprints.recommendations.engine import (Interaction, ItemInfo, ItemKey, Keywords, Reason, Suggestion,
                                               also_chosen, recommend)
from blueprints.search.models import DocumentKind
from blueprints.search.services import matches as search_matches
from blueprints.shops.models import Listing, Shop
from blueprints.shops.services import listings_of_products, product_ids_sold_by
from blueprints.subscriptions.models import KeywordSubscription
from extensions import db

TRENDING_DAYS = 14
TRENDING_ITEMS = 40
NEIGHBOURS = 300        # the people most recently active on the same items
NEIGHBOUR_ROWS = 5000   # and at most this many of their interactions
POOL = 200              # candidates loaded with their pictures, beyond those the neighbours suggest
TOP_CATEGORIES = 3


@dataclass(frozen=True)
class Shown:
    """One suggestion as a page shows it: the product or prototype, and why (worded by the template)."""
    item: Product | Prototype
    kind: str           # "product" or "prototype"
    reason: str         # supported, bought, category, keyword, together or trending
    about: object       # the title, Category, keyword or count the reason names
    listing: Listing | None = None  # on a shop's page: the shop's own listing, its link and price
    card_key: str | None = None     # the card's fragment (blueprints/cache.py), the same for everyone
    card: Markup | None = None      # that fragment, already kept: `item` is then only its id (_KeptCard)


class _KeptCard(NamedTuple):
    """All a suggestion whose card is kept needs of its item: nothing is loaded for it."""
    id: int


def item_key(item: Product | Prototype) -> ItemKey:
    if isinstance(item, Product):
        return ("product", item.id)
    return ("product", item.product_id) if item.product_id else ("prototype", item.id)


def _touches(name: str, *, details: bool = False, about_items: bool = False, users=None, recent: bool = False):
    """Every interaction as (user_id, kind, item_id, source, at), launched prototypes folded into their product.
    With `details`, also the item's title and category, for the user's own rows (the reasons name them).
    The filters apply inside each branch of the union, where the tables' indexes serve them (on the union's
    computed columns every interaction would be read): `about_items`, the items in the bound lists
    `products` and `prototypes`; `users`, ids from a bound list or a subquery; `recent`, since `since`."""
    kind = case((Prototype.product_id.is_not(None), literal_column("'product'")), else_=literal_column("'prototype'"))
    item = func.coalesce(Prototype.product_id, Prototype.id)
    extra = [Prototype.title.label("title"), Prototype.category_id.label("category_id")] if details else []
    products, prototypes = bindparam("products", expanding=True), bindparam("prototypes", expanding=True)

    def narrowed(query, user_id, at):
        if users is not None:
            query = query.where(user_id.in_(users))
        if recent:
            query = query.where(at >= bindparam("since"))
        return query

    def on_prototype(row, source: str, prototype_id, *via):
        query = select(row.user_id.label("user_id"), kind.label("kind"), item.label("item_id"),
                       literal_column(f"'{source}'").label("source"), row.created_at.label("at"), *extra
                       ).select_from(row)
        for target, on in via:
            query = query.join(target, on)
        query = query.join(Prototype, Prototype.id == prototype_id)
        if about_items:
            query = query.where(or_(Prototype.product_id.in_(products),
                                    and_(Prototype.product_id.is_(None), Prototype.id.in_(prototypes))))
        return narrowed(query, row.user_id, row.created_at)

    supports = on_prototype(Support, "support", Support.prototype_id)
    pledges = on_prototype(Pledge, "pledge", Pledge.prototype_id)
    votes = on_prototype(PollVote, "vote", Poll.prototype_id, (Poll, Poll.id == PollVote.poll_id))
    bought = bought_items()
    who, what, when = bought.selected_columns.user_id, bought.selected_columns.product_id, bought.selected_columns.at
    purchases = bought.with_only_columns(
        who, literal_column("'product'").label("kind"), what.element.label("item_id"),
        literal_column("'purchase'").label("source"), when,
        *([Product.title.label("title"), Product.category_id.label("category_id")] if details else []))
    if details:
        purchases = purchases.join(Product, Product.id == what.element)
    if about_items:
        purchases = purchases.where(what.element.in_(products))
    purchases = narrowed(purchases, who.element, when.element)
    return union_all(supports, votes, pledges, purchases).subquery(name)


def _items(keys) -> dict:
    """The bound lists of an `about_items` statement."""
    return {"products": [item_id for kind, item_id in keys if kind == "product"],
            "prototypes": [item_id for kind, item_id in keys if kind == "prototype"]}


# Each statement is built once: building a four-way union costs a few milliseconds, more than running it.

@cache
def _mine_statement():
    return select(_touches("mine", details=True, users=bindparam("user_ids", expanding=True)))


@cache
def _people_statement(signed_in: bool):
    near = _touches("near", about_items=True)
    others = near.c.user_id != bindparam("viewer") if signed_in else true()
    return (select(near.c.user_id).where(others)
            .group_by(near.c.user_id).order_by(func.max(near.c.at).desc()).limit(NEIGHBOURS))


@cache
def _theirs_statement():
    # The people come as a bound list, not a subquery: PostgreSQL guessed 200 of them whatever their number,
    # and read all of supports and orders rather than each person's rows by index (70 ms against 5).
    theirs = _touches("theirs", users=bindparam("people", expanding=True))
    return (select(theirs.c.user_id, theirs.c.kind, theirs.c.item_id, theirs.c.source)
            .order_by(theirs.c.at.desc()).limit(NEIGHBOUR_ROWS))


@cache
def _trending_statement():
    recent = _touches("recent", recent=True)
    activity = func.count()
    return (select(recent.c.kind, recent.c.item_id, activity).where(recent.c.source != "vote")
            .group_by(recent.c.kind, recent.c.item_id)
            .order_by(activity.desc(), recent.c.kind, recent.c.item_id).limit(TRENDING_ITEMS))


@cache
def _popularity_statement():
    everyone = _touches("everyone", about_items=True)
    return (select(everyone.c.kind, everyone.c.item_id, func.count(everyone.c.user_id.distinct()))
            .group_by(everyone.c.kind, everyone.c.item_id))


@dataclass
class _Mine:
    interactions: list[Interaction]
    titles: dict[ItemKey, str]
    categories: dict[ItemKey, int]

    @property
    def seen(self) -> set[ItemKey]:
        return set(self.titles)


def _mine(user: User) -> _Mine:
    if not user.is_authenticated:
        return _Mine([], {}, {})
    rows = db.session.execute(_mine_statement(), {"user_ids": [user.id]}).all()
    return _Mine([Interaction(user.id, (row.kind, row.item_id), row.source) for row in rows],
                 {(row.kind, row.item_id): row.title for row in rows},
                 {(row.kind, row.item_id): row.category_id for row in rows})


def _neighbours(keys, user: User) -> list[Interaction]:
    """The interactions of the people most recently active on `keys` (the user aside): a bounded sample."""
    if not keys:
        return []
    params = _items(keys) | ({"viewer": user.id} if user.is_authenticated else {})
    people = list(db.session.scalars(_people_statement(user.is_authenticated), params))
    if not people:
        return []
    rows = db.session.execute(_theirs_statement(), {"people": people}).all()
    return [Interaction(row.user_id, (row.kind, row.item_id), row.source) for row in rows]


def _trending(now=None) -> dict[ItemKey, int]:
    """Supports, pledges and purchases in the last two weeks, busiest items first. The same for everyone,
    so every worker shares one count for a while (TRENDING_SECONDS) instead of each page reading two
    weeks of activity."""
    if now is not None:
        return _count_trending(now)
    rows = remembered("trending", current_app.config["TRENDING_SECONDS"],
                      lambda: [[kind, item_id, count] for (kind, item_id), count in _count_trending(None).items()])
    return {(kind, item_id): count for kind, item_id, count in rows}


def _count_trending(now) -> dict[ItemKey, int]:
    since = (now or utcnow()) - timedelta(days=TRENDING_DAYS)
    rows = db.session.execute(_trending_statement(), {"since": since}).all()
    return {(kind, item_id): count for kind, item_id, count in rows}


def _popularity(keys) -> dict[ItemKey, int]:
    """How many people took part in each item (those with none left out). It is the same for everyone and moves
    slowly, and the lists of many users and items ask for the same ones (trending items, their neighbours'), so
    each item's count is kept for TRENDING_SECONDS: a list counts only those no other list asked for lately."""
    counts = remembered_each("popularity", keys, current_app.config["TRENDING_SECONDS"], _count_popularity, 0)
    return {key: count for key, count in counts.items() if count}


def _count_popularity(keys: list[ItemKey]) -> dict[ItemKey, int]:
    rows = db.session.execute(_popularity_statement(), _items(keys)).all()
    return {(kind, item_id): count for kind, item_id, count in rows}


def keywords_of(user: User) -> list[Keywords]:
    if not user.is_authenticated:
        return []
    rows = db.session.execute(select(KeywordSubscription.keywords, KeywordSubscription.category_id,
                                     KeywordSubscription.max_price)
                              .where(KeywordSubscription.user_id == user.id)
                              .order_by(KeywordSubscription.created_at, KeywordSubscription.id)).all()
    return [Keywords(*row) for row in rows]


def _pool(wanted: set[ItemKey], categories: list[int], keywords: list[Keywords]) -> dict[ItemKey, ItemInfo]:
    """Public items that are wanted by key, in the user's favourite categories, or matching their keywords: what
    the engine weighs of each, read as plain rows (the few suggested are loaded to be shown, by _shown_as_cards).
    Loading the whole pool as objects, pictures and all, was two thirds of a user's list."""
    found: dict[ItemKey, ItemInfo] = {}
    # The prices subscriptions compare with when they tell people about new items.
    for model, base, kind, price in ((Product, visible_products(), "product", Product.suggested_price),
                                     (Prototype, open_prototypes(), "prototype", Prototype.early_bird_price)):
        ids = [item_id for item_kind, item_id in wanted if item_kind == kind]
        # A subscription's every word, found through the search index (the engine checks category and price).
        searched = [search_matches(wish.words, DocumentKind(kind)) for wish in keywords if wish.words.split()]
        matches = [model.id.in_(select(found.c.item_id)) for found in searched if found is not None]
        # Only the non-empty choices: an empty IN () in the OR keeps the database from using its indexes.
        others = ([model.category_id.in_(categories)] if categories else []) + matches
        rows = base.with_only_columns(model.id, model.category_id, model.title, model.title_en, model.description,
                                      model.description_en, price, Category.parent_id
                                      ).join(Category, Category.id == model.category_id)
        # The wanted items, then the newest others up to the pool's size. Asked in one query, ordered by being
        # wanted, PostgreSQL read every item of the favourite categories to sort them (24 ms against 3).
        read = db.session.execute(rows.where(model.id.in_(ids))).all() if ids else []
        if others:
            read += db.session.execute(
                rows.where(or_(*others), model.id.not_in(ids) if ids else true())
                .order_by(model.created_at.desc(), model.id.desc()).limit(POOL + len(ids) - len(read))).all()
        for item_id, category_id, *texts, item_price, parent_id in read:
            # Both languages: a shopper reading either one finds the same neighbours.
            found[(kind, item_id)] = ItemInfo((kind, item_id), category_id, "\n".join(texts), parent_id, item_price)
    return found


def _suggestable(wanted: set[ItemKey]) -> set[ItemKey]:
    """Which of `wanted` are public, by key alone: a prototype page's neighbours name hundreds of items,
    and loading them all, pictures and all, to show four cost more than the rest of the page."""
    return {(kind, item_id) for kind, item_id in db.session.execute(_suggestable_statement(),
                                                                    _items(wanted) | {"now": utcnow()})}


@cache
def _suggestable_statement():
    # Built once, as the home page asks it on every signed-in view (of its kept cards): building it cost as much
    # as running it.
    products = visible_products().with_only_columns(literal_column("'product'").label("kind"),
                                                    Product.id.label("item_id")
                                                    ).where(Product.id.in_(bindparam("products", expanding=True)))
    prototypes = open_prototypes(bindparam("now")).with_only_columns(
        literal_column("'prototype'").label("kind"), Prototype.id.label("item_id")
    ).where(Prototype.id.in_(bindparam("prototypes", expanding=True)))
    return union_all(products, prototypes)


def _loaded(keys: set[ItemKey]) -> dict[ItemKey, Product | Prototype]:
    """The public items to show, pictures and all: one query per kind whichever kinds there are, so a
    page's query count does not depend on what it happens to suggest."""
    ids = _items(keys)
    found: dict[ItemKey, Product | Prototype] = {}
    for kind, model, base in (("product", Product, visible_products()), ("prototype", Prototype, open_prototypes())):
        query = base.where(model.id.in_(ids[f"{kind}s"])).options(
            joinedload(model.supplier), joinedload(model.category), joinedload(model.images))
        for item in db.session.scalars(query).unique():
            found[(kind, item.id)] = item
    return found


def _shown(suggestions, pool, titles: dict[ItemKey, str], listings=None) -> list[Shown]:
    shown = []
    for suggestion in suggestions:
        item = pool[suggestion.item]
        reason: Reason = suggestion.reason
        about = titles.get(reason.about) if reason.kind in ("supported", "bought") else (
            item.category if reason.kind == "category" else reason.about)
        shown.append(Shown(item, suggestion.item[0], reason.kind, about, (listings or {}).get(suggestion.item)))
    return shown


# The user's control over suggestions (China's E-Commerce Law art. 18, the algorithm-recommendation rules)

def is_personalised(user: User) -> bool:
    """Personalised suggestions are on unless the user switched them off."""
    if not user.is_authenticated:
        return False
    # Asked once per request: the home page's "for you" list and its switch both need it. A shared page's GET
    # has it from the sign-in's own statement (READ_WITH_SIGN_IN, below).
    known = g.setdefault("personalised", {}) if has_request_context() else {}
    if user.id not in known:
        facts = facts_read_with_sign_in(user) if has_request_context() else None
        setting = facts["personalised"] if facts is not None else db.session.scalar(_personalised_setting(user.id))
        known[user.id] = setting is not False
    return known[user.id]


def _personalised_setting(user_id):
    return select(SuggestionSettings.personalised).where(SuggestionSettings.user_id == user_id)


READ_WITH_SIGN_IN["personalised"] = lambda user_id: _personalised_setting(user_id).scalar_subquery()
READ_WITH_SIGN_IN["said_not_interested"] = lambda user_id: select(NotInterested.id).where(
    NotInterested.user_id == user_id).exists()


def set_personalised(user: User, on: bool) -> None:
    if not user.is_authenticated:
        raise AccessDenied()
    settings = db.session.get(SuggestionSettings, user.id)
    if settings is None:
        db.session.add(SuggestionSettings(user_id=user.id, personalised=on))
    else:
        settings.personalised = on
    db.session.flush()
    if has_request_context():
        g.setdefault("personalised", {})[user.id] = on


def not_interested(user: User, kind: str, item_id: int) -> None:
    """Never suggest this product or prototype to the user again."""
    if not user.is_authenticated:
        raise AccessDenied()
    if kind not in ("product", "prototype"):
        raise DomainError(_l("That cannot be suggested."))
    try:
        with db.session.begin_nested():
            db.session.add(NotInterested(user_id=user.id, kind=kind, item_id=item_id))
    except IntegrityError:
        pass  # said already


def _unwanted(user: User) -> set[ItemKey]:
    if not user.is_authenticated:
        return set()
    facts = facts_read_with_sign_in(user) if has_request_context() else None
    if facts is not None and not facts.get("said_not_interested", True):
        return set()  # as most people: their sign-in's statement said so, and the list needs no query of its own
    return {(kind, item_id) for kind, item_id in db.session.execute(
        select(NotInterested.kind, NotInterested.item_id).where(NotInterested.user_id == user.id))}


def _without_unwanted(shown: list[Shown], unwanted: set[ItemKey], limit: int) -> list[Shown]:
    # A kept card's item is only its id, under the suggestion's own key (a prototype that became a product is
    # not an open prototype, so never among them).
    return [each for each in shown if (each.kind, each.item.id) not in unwanted
            and (each.card is not None or item_key(each.item) not in unwanted)][:limit]


def for_you(user: User, *, limit: int = 8, now=None) -> list[Shown]:
    """The home page's "for you": from what the user took part in and their keywords; trending for the rest.
    With personalised suggestions off, the user sees what a visitor sees; "not interested" holds either way."""
    unwanted = _unwanted(user)
    asked = limit + len(unwanted)
    if now is not None:
        suggestions, titles = _suggested_for(user, asked, now)
        return _without_unwanted(_shared_shown(_rows(suggestions), titles), unwanted, limit)
    if user.is_authenticated and is_personalised(user):
        # Their own list, kept (USER_SUGGESTIONS_SECONDS) until they support, pledge, vote, buy or subscribe
        # (their "suggestions" version): working it out reads their neighbours' activity and a pool of items,
        # several times a whole page's cost. The first time, it is worked out after the response, and that page
        # shows what is trending (None: see is_personalised); after something they did, on their next view.
        kept = remembered(f"user-for-you:{user.id}:{asked}", current_app.config["USER_SUGGESTIONS_SECONDS"],
                          lambda: _rows_with_titles(*_suggested_for(user, asked, None)), answer_first=False,
                          meanwhile=lambda: None, version=version_of("suggestions", user.id))
        if kept is not None:
            return _without_unwanted(_shown_as_cards(kept["rows"], {(named_kind, named_id): title for
                                                                    named_kind, named_id, title in kept["titles"]}),
                                     unwanted, limit)
    # A visitor's suggestions come from trending alone, the same for everyone: shared as long as trending is.
    return _without_unwanted(_shown_as_cards(remembered(
        f"visitor-suggestions:{asked}", current_app.config["TRENDING_SECONDS"],
        lambda: _rows(_suggested_for(AnonymousUserMixin(), asked, None)[0]))), unwanted, limit)


def _card_key(suggestion: Suggestion, titles: dict[ItemKey, str]) -> str | None:
    # Everything the card shows: the item, its supplier and category (a change to any of them bumps the
    # catalog's version, a prototype's own the co-design room's) and the reason in words. A category reason names
    # the item's own category. Whether the item may still be shown is not in the key: _shown_as_cards asks.
    (kind, item_id), reason = suggestion.item, suggestion.reason
    about = titles.get(reason.about) if reason.kind in ("supported", "bought") else (
        "" if reason.kind == "category" else reason.about)
    if kind == "product":
        return fragment_key("catalog", 0, "suggestion-card", kind, item_id, reason.kind, about)
    return fragment_key("codesign", 0, "suggestion-card", version_of("catalog", 0), kind, item_id, reason.kind, about)


def _shown_as_cards(rows: list[list], titles: dict[ItemKey, str] | None = None) -> list[Shown]:
    """As _shared_shown, but a suggestion whose card is kept is shown from it, without loading its item: the
    home page's eight cards cost a query with pictures, supplier and category, and their rendering, every view.
    Kept cards are shown only if their items may still be (one query on keys alone: a prototype's deadline
    passes, a supplier is suspended, without any version moving)."""
    titles = titles or {}
    suggestions = [_suggestion(row) for row in rows]
    keys = {suggestion.item: _card_key(suggestion, titles) for suggestion in suggestions}
    cards = kept_fragments(keys.values())
    kept = {item for item, key in keys.items() if key in cards}
    taken_down = kept - _suggestable(kept) if kept else set()
    kept -= taken_down
    to_load = set(keys) - kept - taken_down
    pool = _loaded(to_load) if to_load else {}
    shown = []
    for suggestion in suggestions:
        key = keys[suggestion.item]
        if suggestion.item in kept:
            shown.append(Shown(_KeptCard(suggestion.item[1]), suggestion.item[0], suggestion.reason.kind, None,
                               card_key=key, card=Markup(cards[key])))
        elif suggestion.item in pool:
            [each] = _shown([suggestion], pool, titles)
            shown.append(replace(each, card_key=key))
    return shown


def _suggested_for(user: User, limit: int, now) -> tuple[list[Suggestion], dict[ItemKey, str]]:
    mine = _mine(user)
    keywords = keywords_of(user)
    neighbours = _neighbours(list(mine.seen), user)
    trending = _trending(now)
    weights = {}
    for interaction in mine.interactions:
        category = mine.categories.get(interaction.item)
        weights[category] = weights.get(category, 0) + 1
    favourite = sorted((c for c in weights if c is not None), key=lambda c: -weights[c])[:TOP_CATEGORIES]
    seen = mine.seen
    wanted = ({interaction.item for interaction in neighbours} | set(trending)) - seen
    pool = _pool(wanted, favourite, keywords)
    popularity = _popularity(set(pool) | seen)
    suggestions = recommend(mine.interactions, neighbours, pool, popularity=popularity, trending=trending,
                            keywords=keywords, seed_categories=mine.categories, limit=limit)
    return suggestions, mine.titles


ALSO_SPARE = 8  # a shared "also chosen" list is this much longer, so a viewer's own items can be left out of it


def also_chosen_with(item: Product | Prototype, viewer: User, *, shop: Shop | None = None,
                     limit: int = 4) -> list[Shown]:
    """"People who supported this also supported", leaving out what the viewer already took part in.
    On a shop's page only what that shop sells, at its price: the shop's visitors stay in the shop.

    The list is about the item, the same for everyone, and shared for TRENDING_SECONDS; only leaving out the
    viewer's own items is theirs (what they took part in, kept until they take part in more), so a signed-in
    page costs two small reads rather than the neighbours' activity. The viewer's own choices still count
    among the people who chose the item together. The list of an item nobody has looked at for a while
    (STALE_FACTOR × TRENDING_SECONDS) is worked out in the site's one recount turn: reading its neighbours'
    activity costs more than the rest of the page, so while another recount holds the turn the page shows no
    list, and a later view works it out."""
    return also_chosen_for(item_key(item), viewer, shop_id=shop.id if shop is not None else None, limit=limit)


def also_chosen_for(key: ItemKey, viewer: User, *, shop_id: int | None = None, limit: int = 4) -> list[Shown]:
    """`also_chosen_with` for an item known by its key, and a shop by its id: a page's personal part need not
    load either (a round trip each, on every view of a shared product page)."""
    kind, item_id = key
    seen = _seen_by(viewer) if viewer.is_authenticated and is_personalised(viewer) else set()
    if shop_id is not None:
        rows = remembered(f"shop-also:{shop_id}:{kind}:{item_id}:{limit}", current_app.config["TRENDING_SECONDS"],
                          lambda: _also_rows((kind, item_id), shop_id, limit + ALSO_SPARE), when_busy=list)
        return _first_shown([row for row in rows if (row[0], row[1]) not in seen], limit,
                            lambda some: _shown_in_shop(shop_id, some))
    rows = remembered(f"also:{kind}:{item_id}:{limit}", current_app.config["TRENDING_SECONDS"],
                      lambda: _also_rows((kind, item_id), None, limit + ALSO_SPARE), when_busy=list)
    return _first_shown([row for row in rows if (row[0], row[1]) not in seen], limit, _shown_as_cards)


def _first_shown(rows: list[list], limit: int, show: Callable[[list[list]], list[Shown]]) -> list[Shown]:
    """The first `limit` of kept rows that can still be shown; the spare rows are loaded only when some of
    those were taken down since."""
    shown = show(rows[:limit])
    if len(shown) < limit and len(rows) > limit:
        shown += show(rows[limit:])
    return shown[:limit]


def _shown_in_shop(shop_id: int, rows: list[list]) -> list[Shown]:
    """Kept rows as a shop shows them: only what it still sells, at its price now."""
    listings = {("product", listing.product_id): listing
                for listing in listings_of_products(shop_id, [row[1] for row in rows if row[0] == "product"])}
    return _shown([_suggestion(row) for row in rows if (row[0], row[1]) in listings],
                  {key: listing.product for key, listing in listings.items()}, {}, listings)


def _seen_by(viewer: User) -> set[ItemKey]:
    """What the viewer took part in, kept until they take part in something more (USER_SUGGESTIONS_SECONDS
    at most)."""
    kept = remembered(f"user-seen:{viewer.id}", current_app.config["USER_SUGGESTIONS_SECONDS"],
                      lambda: [list(key) for key in _mine(viewer).seen], answer_first=False,
                      version=version_of("suggestions", viewer.id))
    return {(kind, item_id) for kind, item_id in kept}


def _also_rows(key: ItemKey, shop_id: int | None, limit: int) -> list[list]:
    """The shared "also chosen" list of an item (given by key: it is recounted after the response, when the
    page's objects belong to a closed session), on a shop's page only what the shop sells."""
    neighbours = _neighbours([key], AnonymousUserMixin())
    wanted = {interaction.item for interaction in neighbours} - {key}
    if not wanted:
        return []
    if shop_id is not None:
        candidates = {("product", product_id) for product_id in product_ids_sold_by(shop_id)} & wanted
    else:
        candidates = _suggestable(wanted)
    popularity = _popularity(candidates | {key}) if candidates else {}
    return _rows(also_chosen(key, neighbours, {k: ItemInfo(k) for k in candidates},
                             popularity=popularity, limit=limit))


def _rows(suggestions: list[Suggestion]) -> list[list]:
    """Suggestions as JSON, to share them in the cache."""
    return [[*suggestion.item, *suggestion.reason, suggestion.score] for suggestion in suggestions]


def _rows_with_titles(suggestions: list[Suggestion], titles: dict[ItemKey, str]) -> dict:
    """A user's suggestions as JSON, with the titles of their own items the reasons name."""
    named = {suggestion.reason.about for suggestion in suggestions if suggestion.reason.kind in ("supported", "bought")}
    return {"rows": _rows(suggestions), "titles": [[*key, title] for key, title in titles.items() if key in named]}


def _suggestion(row: list) -> Suggestion:
    kind, item_id, reason, about, score = row
    return Suggestion((kind, item_id), Reason(reason, tuple(about) if isinstance(about, list) else about), score)


def _shared_shown(rows: list[list], titles: dict[ItemKey, str] | None = None) -> list[Shown]:
    """Kept suggestions as shown: loaded now, so one taken down since is left out."""
    suggestions = [_suggestion(row) for row in rows]
    pool = _loaded({suggestion.item for suggestion in suggestions}) if suggestions else {}
    return _shown([suggestion for suggestion in suggestions if suggestion.item in pool], pool, titles or {})


def _link(item: Product | Prototype) -> str:
    return f"/p/{item.slug}" if isinstance(item, Product) else f"/codesign/{item.slug}"


def send_picks(now=None) -> int:
    """One new suggestion for each user who asked for suggestions; never the same one twice, and never
    mere trending (that is not about them). Counts against their daily cap like other news."""
    asked = list(db.session.scalars(
        select(User).join(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(NotificationPreference.kind == Kind.RECOMMENDATIONS,
               or_(NotificationPreference.in_site.is_(True), NotificationPreference.email.is_(True)))))
    sent = 0
    for user in asked:
        if not is_personalised(user):
            continue  # picks are personalised: they stop with the switch
        already = set(db.session.scalars(select(Notification.link).where(
            Notification.user_id == user.id, Notification.kind == Kind.RECOMMENDATIONS)))
        pick = next((shown for shown in for_you(user, limit=5, now=now)
                     if shown.reason != "trending" and _link(shown.item) not in already), None)
        if pick is not None:
            sent += notify({user.id}, Kind.RECOMMENDATIONS, event="recommended", subject=bilingual(pick.item, "title"),
                           link=_link(pick.item), now=now)
    return sent
