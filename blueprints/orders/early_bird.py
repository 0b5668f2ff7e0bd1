"""Pledgers buy at the early-bird price: co-design keeps the promise, orders counts what was bought with it."""
from dataclasses import dataclass

from blueprints.accounts.models import User
from blueprints.catalog.models import Product
from blueprints.codesign.models import Pledge
from blueprints.codesign.services import early_bird_pledge, early_bird_price, open_early_bird_pledge
from blueprints.orders.queries import units_bought_with_pledge


@dataclass(frozen=True)
class EarlyBirdOffer:
    pledge: Pledge
    price: int
    units_left: int


def early_bird_offer(user: User, product: Product) -> EarlyBirdOffer | None:
    """The user's pledge on the prototype this product came from, if they may still buy at the early-bird price."""
    if not user.is_authenticated or product.published_at is None:
        return None
    found = open_early_bird_pledge(user.id, product.id)
    if found is None:
        return None
    left = found.quantity - units_bought_with_pledge(found.id)
    return EarlyBirdOffer(found, early_bird_price(found.prototype), left) if left > 0 else None


def early_bird_price_for(pledge_id: int, user_id: int | None, product_id: int) -> tuple[int, int] | None:
    """(price, units still allowed) for buying `product_id` with this pledge, or None when it does not apply
    (see codesign's early_bird_pledge) or it is used up."""
    found = early_bird_pledge(pledge_id, user_id, product_id)
    if found is None:
        return None
    left = found.quantity - units_bought_with_pledge(found.id)
    return (early_bird_price(found.prototype), left) if left > 0 else None
