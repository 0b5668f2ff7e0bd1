"""The benchmark's bulk loader, at a tiny scale: consistent data, balanced ledger."""
import random

from sqlalchemy import func, select

from bench.seed_large import reset_sequences, seed, sizes
from blueprints.catalog.models import Product
from blueprints.ledger.models import LedgerEntry
from blueprints.orders.models import Order, OrderLine
from extensions import db


def test_seed_large_loads_a_small_scale_consistently(app, client):
    with app.app_context():
        counts = seed(sizes(0.005), random.Random(1))
        reset_sequences()
        db.session.commit()
        assert counts["products"] == db.session.scalar(select(func.count(Product.id))) == 500
        assert counts["supports"] > 0 and counts["comments"] > 0 and counts["orders"] == 100
        assert db.session.scalar(select(func.sum(LedgerEntry.amount))) == 0
        # Each order's total is what its lines add up to, and what the customer owes for it.
        assert db.session.scalar(select(func.sum(Order.total))) == db.session.scalar(select(func.sum(OrderLine.line_total)))
    assert client.get("/catalog").status_code == 200
    assert client.get("/codesign/prototype-1").status_code == 200
