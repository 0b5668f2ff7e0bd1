"""Concurrency soak against gunicorn with several workers on PostgreSQL, then an exact reconciliation.

    .venv/bin/python bench/soak.py --database-url postgresql://postgres@127.0.0.1:5432/bench_large \
        --redis-url redis://127.0.0.1:6379/1

1. 200 buyers, each with one unit in their cart, check out at the same moment; the variant has 50 in stock.
   Afterwards exactly 50 orders exist for it, its stock is 0 (never below), every order's ledger
   transaction balances and matches its lines, and the whole ledger still sums to zero.
2. 1,000 users support one new prototype at the same moment, and 500 users vote in its poll twice at the
   same moment (two different options): afterwards it has exactly 1,000 supports and 500 poll votes.

Orders are placed through the real checkout (orders.services.checkout.place_order), over HTTP.
"""
import argparse
import os
import re
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from bench.run import SECRET, server, stop  # noqa: E402
from config import database_url  # noqa: E402

STOCK = 50
BUYERS = range(5_000, 5_200)
SUPPORTERS = range(8_000, 9_000)
VOTERS = range(8_000, 8_500)


def setup(app) -> dict:
    """A fresh product with 50 in stock, listed in a shop and in 200 carts; a fresh open prototype."""
    from blueprints.accounts.models import User
    from blueprints.catalog.services import ProductDetails, add_variant, change_status, create_product
    from blueprints.codesign.services import PrototypeDetails, add_poll, create_prototype, open_prototype
    from blueprints.columns import utcnow
    from blueprints.money import current_rates
    from blueprints.orders.services import add_to_cart, get_or_create_cart
    from blueprints.shops.models import Shop
    from blueprints.shops.services import add_listing
    from blueprints.suppliers.models import Supplier, SupplierMember, SupplierStatus
    from extensions import db

    with app.app_context():
        member_id = db.session.scalar(select(SupplierMember.user_id).join(Supplier)
                                      .where(Supplier.status == SupplierStatus.VERIFIED).limit(1))
        member = db.session.get(User, member_id)
        run = uuid.uuid4().hex[:6]
        product = create_product(member, ProductDetails(
            title=f"Soak flask {run}", description="Limited run.", category_id=11, supply_price=3_900,
            suggested_price=6_900, min_price=5_000, max_price=9_900))
        variant = add_variant(member, product, sku=f"SOAK-{run}", options={"colour": "Sage"}, stock_on_hand=STOCK)
        change_status(member, product, __import__("blueprints.catalog.models", fromlist=["x"]).ProductStatus.ACTIVE)
        shop = db.session.get(Shop, 1)
        add_listing(db.session.get(User, shop.owner_id), shop, product, 6_900, current_rates())
        for user_id in BUYERS:
            cart = get_or_create_cart(db.session.get(User, user_id), None)
            cart.items.clear()
            db.session.flush()
            add_to_cart(cart, variant, shop, 1)
        prototype = create_prototype(member, PrototypeDetails(
            title=f"Soak lunch box {run}", description="Vote now.", specs="1 litre", category_id=11,
            target_price=8_900, early_bird_price=6_900, moq=10, deadline=utcnow() + timedelta(days=10)))
        poll = add_poll(member, prototype, "Which colour?", ["Sage", "Sand"], "colour")
        open_prototype(member, prototype)
        db.session.commit()
        return {"variant_id": variant.id, "prototype_id": prototype.id, "slug": prototype.slug,
                "options": [option.id for option in poll.options]}


def sessions_for(app, user_ids) -> dict[int, tuple[str, str]]:
    """(session cookie, CSRF token) per user, each a real server-side sign-in (accounts.sessions)."""
    from blueprints.accounts.models import User
    from blueprints.accounts.sessions import start_session
    from extensions import db

    with app.app_context():
        tokens = {user_id: start_session(db.session.get(User, user_id), remember=False, ip_address="127.0.0.1",
                                         user_agent="soak") for user_id in user_ids}
        db.session.commit()
    client = app.test_client()
    found = {}
    for user_id, token in tokens.items():
        client.delete_cookie("session")
        with client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
        html = client.get("/checkout" if user_id in BUYERS else "/").get_data(as_text=True)
        found[user_id] = (client.get_cookie("session").value, re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1))
    return found


def post(port: int, path: str, session: tuple[str, str], address: str, fields: dict) -> int:
    cookie, token = session
    data = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, headers={
        "Cookie": f"session={cookie}", "X-Forwarded-For": address,
        "Content-Type": "application/x-www-form-urlencoded"})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        return opener.open(request, timeout=120).status
    except urllib.error.HTTPError as error:
        return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def all_at_once(jobs) -> list:
    """Run the callables on their own threads, released together by a barrier."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        barrier.wait()
        return job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(run, jobs))


def address(n: int) -> str:
    return f"10.{n // 62500 % 250}.{n // 250 % 250}.{n % 250 + 1}"


def reconcile(app, ids: dict) -> dict:
    from blueprints.catalog.models import Variant
    from blueprints.codesign.models import PollVote, Support
    from blueprints.ledger.models import LedgerEntry
    from blueprints.ledger.accounts import CUSTOMERS_RECEIVABLE
    from blueprints.orders.models import Order, OrderLine
    from extensions import db

    with app.app_context():
        stock = db.session.get(Variant, ids["variant_id"]).stock_on_hand
        orders = list(db.session.scalars(select(Order).join(OrderLine).where(OrderLine.variant_id == ids["variant_id"])))
        units = db.session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0))
                                  .where(OrderLine.variant_id == ids["variant_id"]))
        unbalanced = [order.number for order in orders
                      if db.session.scalar(select(func.sum(LedgerEntry.amount)).where(LedgerEntry.order_id == order.id)) != 0
                      or db.session.scalar(select(func.sum(LedgerEntry.amount)).where(
                          LedgerEntry.order_id == order.id, LedgerEntry.account == CUSTOMERS_RECEIVABLE)) != order.total
                      or sum(line.line_total for line in order.lines) != order.total]
        figures = {
            "stock left": stock, "orders": len(orders), "units sold": units, "unbalanced orders": unbalanced,
            "whole ledger sum": db.session.scalar(select(func.sum(LedgerEntry.amount))),
            "receivable = all order totals": db.session.scalar(select(func.sum(LedgerEntry.amount)).where(
                LedgerEntry.account == CUSTOMERS_RECEIVABLE)) == db.session.scalar(select(func.sum(Order.total))),
            "supports": db.session.scalar(select(func.count(Support.id)).where(Support.prototype_id == ids["prototype_id"])),
            "poll votes": db.session.scalar(select(func.count(PollVote.id)).where(PollVote.option_id.in_(ids["options"]))),
        }
    figures["reconciled"] = (stock == 0 and len(orders) == STOCK and units == STOCK and not unbalanced
                             and figures["whole ledger sum"] == 0 and figures["receivable = all order totals"]
                             and figures["supports"] == len(SUPPORTERS) and figures["poll votes"] == len(VOTERS))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--port", type=int, default=8110)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    url = database_url(args.database_url, "")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    ids = setup(app)
    buyers = sessions_for(app, BUYERS)
    supporters = sessions_for(app, SUPPORTERS)
    env = {"DATABASE_URL": url, "SECRET_KEY": SECRET, "REDIS_URL": args.redis_url, "TRUSTED_PROXIES": "1",
           "SHELFMADE_ENV": "bench"}
    process = server("app:create_app()", args.port, env, args.workers)
    try:
        checkout = {"address_id": "new", "recipient": "王小明", "phone": "13800138000", "province": "浙江省",
                    "city": "杭州市", "district": "西湖区", "street": "文三路 90 号", "payment_method": "cod"}
        statuses = all_at_once([
            (lambda u=u: post(args.port, "/checkout", buyers[u], address(u),
                              {**checkout, "idempotency_key": uuid.uuid4().hex})) for u in BUYERS])
        print("checkouts:", {code: statuses.count(code) for code in set(statuses)})
        vote_jobs = [(lambda u=u: post(args.port, f"/codesign/{ids['slug']}/support", supporters[u], address(u), {}))
                     for u in SUPPORTERS]
        vote_jobs += [(lambda u=u, o=o: post(args.port, f"/codesign/{ids['slug']}/vote/{o}", supporters[u],
                                             address(u), {})) for u in VOTERS for o in ids["options"]]
        statuses = all_at_once(vote_jobs)
        print("supports and poll votes:", {code: statuses.count(code) for code in set(statuses)})
    finally:
        stop(process)
    figures = reconcile(app, ids)
    for name, value in figures.items():
        print(f"{name}: {value}")
    sys.exit(0 if figures["reconciled"] else 1)


if __name__ == "__main__":
    main()
