"""Load the large benchmark data set into an empty database, in minutes.

    .venv/bin/python bench/seed_large.py --database-url postgresql://postgres@127.0.0.1/bench_large
    .venv/bin/python bench/seed_large.py --database-url sqlite:////tmp/bench.sqlite3 --scale 0.01

At scale 1: 100,000 products (200,000 variants), 1,000 shops with 50,000 listings, 5,000 prototypes,
200,000 votes (supports), 100,000 comments and 20,000 orders with their shipments and balanced ledger
entries, then the search index. Rows go in with Core executemany in large batches (psycopg pipelines them), ids assigned here,
instead of one ORM object and flush at a time as the demo seeder does. Every user's password is
BENCH_PASSWORD, so the load scripts can sign in.
"""
import argparse
import os
import random
import sys
import time
import uuid
from collections import defaultdict
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import flask_migrate  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from config import database_url  # noqa: E402
from blueprints.accounts.models import User  # noqa: E402
from blueprints.accounts.passwords import hash_password  # noqa: E402
from blueprints.catalog.models import Category, Product, ProductStatus, Variant  # noqa: E402
from blueprints.codesign.models import Comment, Poll, PollOption, Prototype, Stage, Support  # noqa: E402
from blueprints.columns import utcnow  # noqa: E402
from blueprints.ledger.models import LedgerEntry  # noqa: E402
from blueprints.ledger.accounts import (CUSTOMERS_RECEIVABLE, PLATFORM_COMMISSION, PLATFORM_MARGIN,  # noqa: E402
                                        Bucket, Owner)
from blueprints.money import current_rates, split_line  # noqa: E402
from blueprints.search.services import reindex_all  # noqa: E402
from blueprints.orders.models import (Order, OrderLine, OrderStatus, PaymentMethod, Shipment,  # noqa: E402
                                      ShipmentStatus)
from blueprints.shops.models import Listing, Shop  # noqa: E402
from blueprints.suppliers.models import Supplier, SupplierMember, SupplierStatus  # noqa: E402
from extensions import db  # noqa: E402

BENCH_PASSWORD = "bench-pass-2026"
FULL = {"users": 20_000, "suppliers": 200, "products": 100_000, "shops": 1_000, "listings": 50_000,
        "prototypes": 5_000, "votes": 200_000, "comments": 100_000, "orders": 20_000}
BATCH = 5_000
WORDS_EN = ("steel", "bamboo", "linen", "ceramic", "tea", "cup", "bowl", "tote", "scarf", "notebook", "lamp",
            "vase", "board", "towel", "teapot", "basket", "mug", "plate", "bag", "pillow")
WORDS_ZH = ("保温杯", "竹制", "亚麻", "陶瓷", "茶具", "饭碗", "帆布包", "围巾", "笔记本", "台灯", "花瓶", "砧板",
            "毛巾", "茶壶", "篮子", "马克杯", "盘子", "双肩包", "抱枕", "青花瓷")


def sizes(scale: float) -> dict[str, int]:
    return {name: max(2, int(count * scale)) for name, count in FULL.items()}


def bulk(table, rows, counts: dict) -> None:
    """Insert rows (an iterable of dicts) in batches."""
    batch, total = [], 0
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            db.session.execute(insert(table), batch)
            total += len(batch)
            batch = []
    if batch:
        db.session.execute(insert(table), batch)
        total += len(batch)
    counts[table.name] = counts.get(table.name, 0) + total


def title(rng: random.Random, n: int) -> str:
    return f"{rng.choice(WORDS_ZH)}{rng.choice(WORDS_ZH)} {rng.choice(WORDS_EN).title()} {rng.choice(WORDS_EN)} {n}"


def seed(n: dict, rng: random.Random) -> dict:
    counts: dict[str, int] = {}
    now = utcnow()
    password_hash = hash_password(BENCH_PASSWORD)

    bulk(User.__table__, ({"id": i, "email": f"user{i}@bench.shelfmade.test", "display_name": f"Bench User {i}",
                           "password_hash": password_hash, "locale": None, "is_admin": i == 1,
                           "credit_contributions": i % 3 == 0, "created_at": now - timedelta(days=400)}
                          for i in range(1, n["users"] + 1)), counts)

    categories = [{"id": i, "parent_id": None, "slug": f"top-{i}", "name_en": f"Department {i}",
                   "name_zh": f"部门{i}", "position": i} for i in range(1, 11)]
    categories += [{"id": 10 + i, "parent_id": (i - 1) % 10 + 1, "slug": f"sub-{i}", "name_en": f"Aisle {i}",
                    "name_zh": f"货架{i}", "position": i} for i in range(1, 41)]
    bulk(Category.__table__, categories, counts)
    leaf_categories = [category["id"] for category in categories[10:]]

    # Supplier staff are the last users; shop owners the first ones.
    supplier_ids = range(1, n["suppliers"] + 1)
    member = {s: n["users"] - s + 1 for s in supplier_ids}
    bulk(Supplier.__table__, ({"id": s, "name": f"Workshop {s}", "slug": f"workshop-{s}", "description": "We make things.",
                               "contact": "+86 138 0000 0000", "registration_number": f"REG-{s:05d}",
                               # A few are not verified, so the "verified suppliers only" joins filter something.
                               "status": SupplierStatus.VERIFIED if s % 20 else SupplierStatus.APPLIED,
                               "applied_by_id": member[s], "verified_by_id": 1 if s % 20 else None,
                               "verified_at": now if s % 20 else None, "created_at": now - timedelta(days=380)}
                              for s in supplier_ids), counts)
    bulk(SupplierMember.__table__, ({"supplier_id": s, "user_id": member[s], "created_at": now}
                                    for s in supplier_ids), counts)

    products = {}
    for p in range(1, n["products"] + 1):
        supply = rng.randrange(1_000, 30_000, 100)
        suggested = supply * 2
        products[p] = {
            "id": p, "supplier_id": rng.choice(supplier_ids), "category_id": rng.choice(leaf_categories),
            "title": title(rng, p), "slug": f"product-{p}", "description": "A good thing, made well. " * 8,
            "status": ProductStatus.ACTIVE if p % 25 else ProductStatus.DRAFT, "supply_price": supply,
            "suggested_price": suggested, "min_price": supply + supply // 2, "max_price": supply * 3,
            "created_at": now - timedelta(minutes=n["products"] - p), "updated_at": now,
            "published_at": now - timedelta(minutes=n["products"] - p) if p % 25 else None}
    bulk(Product.__table__, products.values(), counts)
    variants = defaultdict(list)

    def variant_rows():
        variant_id = 0
        for p in products:
            for position, colour in enumerate(("Sage", "Ink")):
                variant_id += 1
                variants[p].append(variant_id)
                yield {"id": variant_id, "product_id": p, "sku": f"B{p}-{position + 1}", "options": {"colour": colour},
                       "stock_on_hand": 1_000, "position": position}
    bulk(Variant.__table__, variant_rows(), counts)

    public = [p for p, row in products.items()
              if row["status"] == ProductStatus.ACTIVE and row["supplier_id"] % 20]
    bulk(Shop.__table__, ({"id": s, "owner_id": s, "name": f"Shop {s}", "slug": f"shop-{s}",
                           "tagline": "Things I use every day.", "logo_key": None,
                           "created_at": now - timedelta(hours=n["shops"] - s)}
                          for s in range(1, n["shops"] + 1)), counts)
    per_shop = max(1, n["listings"] // n["shops"])
    listings = {}

    def listing_rows():
        listing_id = 0
        for s in range(1, n["shops"] + 1):
            for position, p in enumerate(rng.sample(public, min(per_shop, len(public))), start=1):
                listing_id += 1
                listings[listing_id] = (s, p, products[p]["suggested_price"])
                yield {"id": listing_id, "shop_id": s, "product_id": p, "price": products[p]["suggested_price"],
                       "position": position, "featured": position <= 4, "created_at": now}
    bulk(Listing.__table__, listing_rows(), counts)

    prototype_ids = range(1, n["prototypes"] + 1)
    bulk(Prototype.__table__, ({
        "id": t, "supplier_id": rng.choice([s for s in supplier_ids if s % 20]), "category_id": rng.choice(leaf_categories),
        "title": f"Prototype {title(rng, t)}", "slug": f"prototype-{t}", "description": "What do you think? " * 10,
        "specs": "1 litre, 300 g", "target_price": 8_900, "early_bird_price": 6_900, "moq": 100,
        "deadline": now + timedelta(days=30 + t % 60), "stage": Stage.OPEN if t % 10 else Stage.REVIEW,
        "decline_reason": "", "product_id": None, "hidden_reason": None,
        "created_at": now - timedelta(hours=n["prototypes"] - t), "opened_at": now - timedelta(hours=n["prototypes"] - t),
    } for t in prototype_ids), counts)
    bulk(Poll.__table__, ({"id": t, "prototype_id": t, "question": "Which colour?", "variant_option": "colour",
                           "position": 0} for t in prototype_ids), counts)
    bulk(PollOption.__table__, ({"id": (t - 1) * 3 + i + 1, "poll_id": t, "label": label, "position": i}
                                for t in prototype_ids for i, label in enumerate(("Sage", "Sand", "Coral"))), counts)

    votes_each = max(1, n["votes"] // n["prototypes"])

    def support_rows():
        support_id = 0
        for t in prototype_ids:
            first = rng.randrange(n["users"])
            for k in range(min(votes_each, n["users"])):
                support_id += 1
                yield {"id": support_id, "prototype_id": t, "user_id": (first + k) % n["users"] + 1,
                       "would_buy_at": 7_900 if k % 4 == 0 else None,
                       "created_at": now - timedelta(minutes=k * 97 % 20_000)}
    bulk(Support.__table__, support_rows(), counts)

    comments_each = max(1, n["comments"] // n["prototypes"])

    def comment_rows():
        comment_id = 0
        for t in prototype_ids:
            top = None
            for k in range(comments_each):
                comment_id += 1
                reply = k % 4 == 3 and top is not None
                yield {"id": comment_id, "prototype_id": t, "author_id": rng.randrange(1, n["users"] + 1),
                       "parent_id": top if reply else None, "body": f"I would buy this in **sage**. Comment {k}.",
                       "official": False, "created_at": now - timedelta(minutes=comments_each - k),
                       "edited_at": None, "deleted_at": None, "hidden_reason": None}
                if not reply:
                    top = comment_id
    bulk(Comment.__table__, comment_rows(), counts)

    seed_orders(n, rng, now, products, variants, listings, counts)
    return counts


def seed_orders(n, rng, now, products, variants, listings, counts) -> None:
    """Orders through shops, paid cash on delivery: each with its lines, shipments and the balanced
    ledger transaction place_order would post (see orders.services.checkout.place_order)."""
    rates = current_rates()
    orders, shipments, lines, entries = [], [], [], []
    listing_ids = list(listings)
    shipment_id = line_id = 0
    for o in range(1, n["orders"] + 1):
        shop_id = None
        picked = []
        for listing_id in rng.sample(listing_ids, min(rng.choice((1, 1, 2)), len(listing_ids))):
            shop, product, price = listings[listing_id]
            if shop_id in (None, shop):
                shop_id = shop
                picked.append((product, price))
        by_supplier = {}
        ledger = defaultdict(int)
        total = 0
        for product, price in picked:
            row = products[product]
            supplier = row["supplier_id"]
            if supplier not in by_supplier:
                shipment_id += 1
                by_supplier[supplier] = shipment_id
                shipments.append({"id": shipment_id, "order_id": o, "supplier_id": supplier,
                                  "status": ShipmentStatus.READY})
            quantity = rng.choice((1, 1, 2))
            split = split_line(price, row["supply_price"], quantity, rates, referred=False, through_shop=True)
            line_id += 1
            lines.append({"id": line_id, "order_id": o, "shipment_id": by_supplier[supplier],
                          "variant_id": variants[product][0], "shop_id": shop_id, "pledge_id": None,
                          "title": row["title"], "variant_label": "Sage", "sku": f"B{product}-1", "unit_price": price,
                          "quantity": quantity, "line_total": split.total, "supplier_payout": split.supplier_payout,
                          "platform_commission": split.platform_commission, "referral_reward": 0,
                          "shop_earnings": split.shop_earnings, "platform_margin": split.platform_margin})
            total += split.total
            ledger[CUSTOMERS_RECEIVABLE] += split.total
            ledger[Owner.supplier(supplier).account(Bucket.PENDING)] -= split.supplier_payout
            ledger[PLATFORM_COMMISSION] -= split.platform_commission
            ledger[PLATFORM_MARGIN] -= split.platform_margin
            ledger[Owner.shop(shop_id).account(Bucket.PENDING)] -= split.shop_earnings
        placed = now - timedelta(minutes=n["orders"] - o)
        orders.append({"id": o, "number": f"SMB{o:010d}", "idempotency_key": f"bench-{o}",
                       "buyer_id": n["shops"] + 1 + o % (n["users"] - n["shops"] - n["suppliers"]),
                       "shop_id": shop_id, "status": OrderStatus.CONFIRMED,
                       "payment_method": PaymentMethod.CASH_ON_DELIVERY, "recipient": "王小明",
                       "phone": "13800138000", "province": "浙江省", "city": "杭州市", "district": "西湖区",
                       "street": "文三路 90 号", "total": total, "credit_used": 0, "share_link_id": None,
                       "referral_flag": None, "placed_at": placed, "confirmed_at": placed})
        transaction = str(uuid.uuid4())
        assert sum(ledger.values()) == 0
        entries.extend({"transaction_id": transaction, "account": account, "amount": amount, "order_id": o,
                        "memo": f"order SMB{o:010d} placed", "created_at": placed}
                       for account, amount in ledger.items() if amount)
    bulk(Order.__table__, orders, counts)
    bulk(Shipment.__table__, shipments, counts)
    bulk(OrderLine.__table__, lines, counts)
    bulk(LedgerEntry.__table__, entries, counts)


def reset_sequences() -> None:
    """Ids were given here; PostgreSQL's sequences must continue after them."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), required=not os.environ.get("DATABASE_URL"))
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 is the full data set; 0.01 a hundredth")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    load(database_url(args.database_url, ""), args.scale, args.seed)


def load(url: str, scale: float, seed_value: int = 2026) -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_PROFILE": "RFC_9106_LOW_MEMORY"})
    with app.app_context():
        started = time.perf_counter()
        flask_migrate.upgrade()
        if db.session.scalar(select(func.count(User.id))):
            raise SystemExit(f"{url} already has users; seed_large loads into an empty database only.")
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("PRAGMA synchronous = OFF"))
        counts = seed(sizes(scale), random.Random(seed_value))
        reset_sequences()
        db.session.commit()
        # The search index (issue 7) is built from the rows, as `flask reindex` does.
        counts["search documents"] = reindex_all()
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        elapsed = time.perf_counter() - started
        db.engine.dispose()
    print(f"loaded in {elapsed:.0f} s: " + ", ".join(f"{name} {count:,}" for name, count in counts.items()))
    return counts


if __name__ == "__main__":
    main()
