"""Keyword subscriptions, and telling subscribers when a matching product goes on sale or a matching
prototype opens for feedback (only those who turned keyword notifications on hear anything)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from blueprints.accounts.models import User
from blueprints.bilingual import bilingual
from blueprints.catalog.models import Category, Product
from blueprints.codesign.models import Prototype
from blueprints.errors import AccessDenied, InvalidFields
from blueprints.notifications.models import Kind
from blueprints.notifications.services import notify
from blueprints.search.services import product_text, prototype_text, terms_of
from blueprints.subscriptions.models import KeywordSubscription, choice_key
from extensions import db

MAX_SUBSCRIPTIONS = 20


def subscriptions_of(user: User) -> list[KeywordSubscription]:
    return list(db.session.scalars(select(KeywordSubscription).where(KeywordSubscription.user_id == user.id)
                                   .order_by(KeywordSubscription.created_at.desc(), KeywordSubscription.id.desc())))


def subscribe(user: User, *, keywords: str, category_id: int | None, max_price: int | None) -> KeywordSubscription:
    keywords = " ".join(terms_of(keywords))
    errors = {}
    if not keywords:
        errors["keywords"] = _l("Enter a word or two to look out for.")
    if category_id is not None and db.session.get(Category, category_id) is None:
        errors["category_id"] = _l("Choose a category from the list.")
    if max_price is not None and max_price <= 0:
        errors["max_price"] = _l("The price must be more than zero.")
    already = _l("You already follow these keywords.")
    choice = choice_key(keywords, category_id, max_price)
    mine = subscriptions_of(user)
    if any(s.choice == choice for s in mine):
        errors["keywords"] = already
    elif len(mine) >= MAX_SUBSCRIPTIONS:
        errors["keywords"] = _l("You can follow at most %(max)d sets of keywords. Remove one first.",
                                max=MAX_SUBSCRIPTIONS)
    if errors:
        raise InvalidFields(errors)
    subscription = KeywordSubscription(user_id=user.id, keywords=keywords, category_id=category_id,
                                       max_price=max_price, choice=choice)
    try:
        with db.session.begin_nested():
            db.session.add(subscription)
    except IntegrityError:  # the same choice, sent twice at once
        raise InvalidFields({"keywords": already}) from None
    return subscription


def remove_subscription(user: User, subscription_id: int) -> None:
    subscription = db.session.get(KeywordSubscription, subscription_id)
    if subscription is None or subscription.user_id != user.id:
        raise AccessDenied()
    db.session.delete(subscription)
    db.session.flush()


def subscribers_matching(text: str, category_id: int, price: int) -> set[int]:
    """Users with a subscription whose every keyword is in `text` (the same text search looks in) and
    whose category and price cap allow it. Keywords are matched here, not in SQL: the candidates are
    narrowed by category and price first, and one publish is rare next to the reads."""
    parent_id = db.session.scalar(select(Category.parent_id).where(Category.id == category_id))
    candidates = db.session.execute(
        select(KeywordSubscription.user_id, KeywordSubscription.keywords)
        .where(or_(KeywordSubscription.category_id.is_(None),
                   KeywordSubscription.category_id.in_([category_id, parent_id] if parent_id else [category_id])),
               or_(KeywordSubscription.max_price.is_(None), KeywordSubscription.max_price >= price))).all()
    haystack = text.lower()
    return {user_id for user_id, keywords in candidates
            if all(term in haystack for term in keywords.split())}


def tell_keyword_subscribers_of_product(product: Product, **_extra) -> None:
    users = subscribers_matching(" ".join(product_text(product)), product.category_id, product.suggested_price)
    notify(users, Kind.KEYWORD_MATCHES, event="keyword_product", subject=bilingual(product, "title"),
           link=f"/p/{product.slug}")


def tell_keyword_subscribers_of_prototype(prototype: Prototype, **_extra) -> None:
    users = subscribers_matching(" ".join(prototype_text(prototype)), prototype.category_id,
                                 prototype.early_bird_price)
    notify(users, Kind.KEYWORD_MATCHES, event="keyword_prototype", subject=bilingual(prototype, "title"),
           link=f"/codesign/{prototype.slug}")
