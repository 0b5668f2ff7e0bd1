"""Stock moves (a checkout takes units, a cancellation or a restocked return puts them back), each one UPDATE
guarded in SQL, so two at once can never lose one or take stock below zero."""
from sqlalchemy import update

from blueprints.cache import bump_after_commit
from blueprints.catalog.models import Product, Variant
from extensions import db


def move_stock(variant_id: int, by: int) -> bool:
    """Add `by` units to the variant's stock (take them when negative); False when it has fewer to take."""
    statement = update(Variant).where(Variant.id == variant_id)
    if by < 0:
        statement = statement.where(Variant.stock_on_hand >= -by)
    moved = db.session.execute(statement.values(stock_on_hand=Variant.stock_on_hand + by)
                               .returning(Variant.product_id, Variant.stock_on_hand)
                               .execution_options(versions_bumped=True)).one_or_none()
    if moved is None:
        return False
    # Its product's pages show the count at once (their copies are kept under the slug's version, so a view
    # finds its copy without a query). Every other page (the catalog's cards, a shop's, search) only says
    # whether it is in stock, so their copies are kept unless that changed: an order does not make the whole
    # site render afresh.
    # (A checkout has the product loaded already: no query then.)
    bump_after_commit(db.session, "product-page", db.session.get(Product, moved.product_id).slug)
    if (moved.stock_on_hand == 0) != (moved.stock_on_hand - by == 0):
        bump_after_commit(db.session, "catalog", 0)
    return True
