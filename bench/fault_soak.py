"""Faults soak: signed-in users browse, support and check out on PostgreSQL while the soak's own Redis server
is stopped for 30 s and started again and slow clients hold connections open; then stock and the ledger must
reconcile, no request may have answered 5xx, and the health check must have kept answering.

    .venv/bin/python bench/fault_soak.py --database-url postgresql://postgres@127.0.0.1:5432/bench_large

The site runs as production does (bench.run.server: gunicorn.conf.py, 2 workers) against a Redis server that
this script starts on its own port (6391), so stopping it touches nothing else. Timeline, from the first
request: slow clients connect at 10 s; Redis is shut down at 25 s and started again at 55 s; users stop at
--seconds (90). Each of --users users (500, from the large data set) has a real server-side sign-in.
"""
import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from bench.run import SECRET, server, stop  # noqa: E402
from config import database_url  # noqa: E402

STOCK = 400
CHECKOUT = {"address_id": "new", "recipient": "王小明", "phone": "13800138000", "province": "浙江省",
            "city": "杭州市", "district": "西湖区", "street": "文三路 90 号", "payment_method": "cod"}


def setup(app) -> dict:
    """A fresh product with STOCK units listed in a shop, and a fresh open prototype."""
    from blueprints.accounts.models import User
    from blueprints.catalog.models import ProductStatus
    from blueprints.catalog.services import ProductDetails, add_variant, change_status, create_product
    from blueprints.codesign.services import PrototypeDetails, create_prototype, open_prototype
    from blueprints.columns import utcnow
    from blueprints.money import current_rates
    from blueprints.shops.models import Shop
    from blueprints.shops.services import add_listing
    from blueprints.suppliers.models import Supplier, SupplierMember, SupplierStatus
    from extensions import db
    from datetime import timedelta

    with app.app_context():
        member_id = db.session.scalar(select(SupplierMember.user_id).join(Supplier)
                                      .where(Supplier.status == SupplierStatus.VERIFIED).limit(1))
        member = db.session.get(User, member_id)
        run = uuid.uuid4().hex[:6]
        product = create_product(member, ProductDetails(
            title=f"故障演练水壶 {run}", description="Limited run.", category_id=11, supply_price=3_900,
            suggested_price=6_900, min_price=5_000, max_price=9_900))
        variant = add_variant(member, product, sku=f"FAULT-{run}", options={"colour": "Sage"}, stock_on_hand=STOCK)
        change_status(member, product, ProductStatus.ACTIVE)
        shop = db.session.get(Shop, 1)
        add_listing(db.session.get(User, shop.owner_id), shop, product, 6_900, current_rates())
        prototype = create_prototype(member, PrototypeDetails(
            title=f"故障演练饭盒 {run}", description="Vote now.", specs="1 litre", category_id=11,
            target_price=8_900, early_bird_price=6_900, moq=10, deadline=utcnow() + timedelta(days=10)))
        open_prototype(member, prototype)
        db.session.commit()
        return {"variant_id": variant.id, "product_slug": product.slug, "shop_id": shop.id, "shop_slug": shop.slug,
                "prototype_id": prototype.id, "prototype_slug": prototype.slug}


def shoppers(app, count: int) -> list[int]:
    """Plain shoppers: users who neither own a shop nor work for a supplier."""
    from blueprints.accounts.models import User
    from blueprints.shops.models import Shop
    from blueprints.suppliers.models import SupplierMember
    from extensions import db

    with app.app_context():
        found = list(db.session.scalars(
            select(User.id).where(User.id.not_in(select(Shop.owner_id)),
                                  User.id.not_in(select(SupplierMember.user_id))).order_by(User.id).limit(count)))
    if len(found) < count:
        raise SystemExit(f"the database has only {len(found)} plain shoppers; seed a larger data set")
    return found


def signed_in(app, user_ids) -> dict[int, tuple[str, str]]:
    """(session cookie, CSRF token) per user, each from a real server-side sign-in."""
    from blueprints.accounts.models import User
    from blueprints.accounts.sessions import start_session
    from extensions import db

    with app.app_context():
        tokens = {}
        for user_id in user_ids:
            tokens[user_id] = start_session(db.session.get(User, user_id), remember=False,
                                            ip_address="127.0.0.1", user_agent="fault-soak")
        db.session.commit()
    client = app.test_client()
    found = {}
    for user_id, token in tokens.items():
        client.delete_cookie("session")
        with client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
        html = client.get("/cart").get_data(as_text=True)
        assert "/logout" in html, \
            f"user {user_id} is not signed in"
        found[user_id] = (client.get_cookie("session").value, re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1))
    return found


class Recorder:
    def __init__(self, started: float):
        self.started = started
        self.lock = threading.Lock()
        self.statuses: dict[str, Counter] = {}
        self.server_errors: list[str] = []

    def phase(self, redis_down: tuple[float, float]) -> str:
        elapsed = time.monotonic() - self.started
        return "before" if elapsed < redis_down[0] else "redis down" if elapsed < redis_down[1] else "after"

    def record(self, phase: str, what: str, status: int) -> None:
        with self.lock:
            self.statuses.setdefault(phase, Counter())[f"{what} {status}"] += 1
            if status >= 500 or status == 0:
                self.server_errors.append(f"{phase}: {what} {status}")


def request(port, path, session=None, address=None, fields=None, timeout=30) -> int:
    headers = {}
    data = None
    if session:
        headers["Cookie"] = f"session={session[0]}"
        headers["X-Forwarded-For"] = address
    if fields is not None:
        data = urllib.parse.urlencode({**fields, "csrf_token": session[1]}).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, headers=headers),
                         timeout=timeout) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0  # no answer in time, or the connection was refused or reset


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def address(n: int) -> str:
    return f"10.{n // 62500 % 250}.{n // 250 % 250}.{n % 250 + 1}"


def user_journey(port, ids, user_id, session, recorder, redis_down, rng) -> None:
    where = address(user_id)
    steps = [
        ("home", lambda: request(port, "/", session, where)),
        ("product", lambda: request(port, f"/shops/{ids['shop_slug']}/p/{ids['product_slug']}", session, where)),
        ("prototype", lambda: request(port, f"/codesign/{ids['prototype_slug']}", session, where)),
        ("search", lambda: request(port, "/search?q=" + urllib.parse.quote(rng.choice(["保温杯", "tea", "水壶"])),
                                   session, where)),
        ("support", lambda: request(port, f"/codesign/{ids['prototype_slug']}/support", session, where,
                                    {"action": rng.choice(["support", "withdraw"])})),
        ("add to cart", lambda: request(port, "/cart/add", session, where,
                                        {"variant_id": ids["variant_id"], "shop_id": ids["shop_id"], "quantity": 1})),
        ("checkout", lambda: request(port, "/checkout", session, where,
                                     {**CHECKOUT, "idempotency_key": uuid.uuid4().hex})),
    ]
    for what, step in steps:
        phase = recorder.phase(redis_down)
        recorder.record(phase, what, step())


def slow_client(port: int, until: float, body: bool) -> None:
    """Opens a connection and dribbles a request one byte every second, never finishing it in time."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        head = (b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 100000\r\n\r\n") if body else b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        sent = 0 if not body else len(head)
        if body:
            sock.sendall(head)
        while time.monotonic() < until:
            sock.sendall(head[sent:sent + 1] if not body else b"x")
            sent += 1
            time.sleep(1)
    except OSError:
        pass  # the server may close a slow connection: that is its right


def health_probe(port: int, until: float, results: list) -> None:
    while time.monotonic() < until:
        began = time.monotonic()
        status = request(port, "/healthz", timeout=5)
        results.append((status, time.monotonic() - began))
        time.sleep(0.5)


def reconcile(app, ids: dict) -> dict:
    from blueprints.catalog.models import Variant
    from blueprints.codesign.models import Support
    from blueprints.ledger.accounts import CUSTOMERS_RECEIVABLE
    from blueprints.ledger.models import LedgerEntry
    from blueprints.orders.models import Order, OrderLine
    from extensions import db

    with app.app_context():
        stock = db.session.get(Variant, ids["variant_id"]).stock_on_hand
        orders = list(db.session.scalars(select(Order).join(OrderLine).where(OrderLine.variant_id == ids["variant_id"])
                                         .distinct()))
        units = db.session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0))
                                  .where(OrderLine.variant_id == ids["variant_id"]))
        unbalanced = [order.number for order in orders
                      if db.session.scalar(select(func.sum(LedgerEntry.amount)).where(LedgerEntry.order_id == order.id))
                      or sum(line.line_total for line in order.lines) != order.total]
        supports = db.session.scalar(select(func.count(Support.id)).where(Support.prototype_id == ids["prototype_id"]))
        supporters = db.session.scalar(select(func.count(func.distinct(Support.user_id)))
                                       .where(Support.prototype_id == ids["prototype_id"]))
        figures = {
            "stock left": stock, "orders": len(orders), "units sold": units, "unbalanced orders": unbalanced,
            "whole ledger sum": db.session.scalar(select(func.sum(LedgerEntry.amount))),
            "receivable = all order totals": db.session.scalar(select(func.sum(LedgerEntry.amount)).where(
                LedgerEntry.account == CUSTOMERS_RECEIVABLE)) == db.session.scalar(select(func.sum(Order.total))),
            "supports": supports, "distinct supporters": supporters,
        }
    figures["reconciled"] = (stock >= 0 and stock + units == STOCK and not unbalanced
                             and figures["whole ledger sum"] == 0 and figures["receivable = all order totals"]
                             and supports == supporters)
    return figures


def start_redis(port: int) -> None:
    subprocess.run([shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--daemonize", "yes", "--dir", "/tmp",
                    "--logfile", f"/tmp/fault-soak-redis-{port}.log"], check=True)
    for _ in range(50):
        if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    raise SystemExit(f"redis-server did not start on port {port}")


def stop_redis(port: int) -> None:
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, default=8120)
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=24)
    parser.add_argument("--slow-clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=90)
    parser.add_argument("--output", help="write the figures as JSON here")
    args = parser.parse_args()
    url = database_url(args.database_url, "")
    redis_url = f"redis://127.0.0.1:{args.redis_port}/0"
    start_redis(args.redis_port)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "REDIS_URL": redis_url})
    ids = setup(app)
    user_ids = shoppers(app, args.users)
    sessions = signed_in(app, user_ids)
    env = {"DATABASE_URL": url, "SECRET_KEY": SECRET, "REDIS_URL": redis_url, "TRUSTED_PROXIES": "1",
           "SHELFMADE_ENV": "bench"}
    process = server("app:create_app()", args.port, env, args.workers)
    redis_down = (25.0, 55.0)
    started = time.monotonic()
    until = started + args.seconds
    recorder = Recorder(started)
    health: list = []
    rng = random.Random(7)
    try:
        background = [threading.Thread(target=health_probe, args=(args.port, until, health), daemon=True)]

        def slow_clients():
            time.sleep(10)
            threads = [threading.Thread(target=slow_client, args=(args.port, started + 80, n % 2 == 1), daemon=True)
                       for n in range(args.slow_clients)]
            for thread in threads:
                thread.start()

        def redis_outage():
            time.sleep(redis_down[0])
            stop_redis(args.redis_port)
            time.sleep(redis_down[1] - redis_down[0])
            start_redis(args.redis_port)

        background += [threading.Thread(target=slow_clients, daemon=True),
                       threading.Thread(target=redis_outage, daemon=True)]
        for thread in background:
            thread.start()
        with ThreadPoolExecutor(args.concurrency) as pool:
            journeys = 0
            while time.monotonic() < until:
                batch = [pool.submit(user_journey, args.port, ids, user_id, sessions[user_id], recorder, redis_down,
                                     random.Random(rng.random()))
                         for user_id in rng.sample(user_ids, args.concurrency)]
                for job in batch:
                    job.result()
                journeys += len(batch)
        for thread in background:
            thread.join(timeout=40)
    finally:
        stop(process)
        stop_redis(args.redis_port)
    figures = reconcile(app, ids)
    slowest_health = max((seconds for _, seconds in health), default=None)
    unanswered_health = sum(1 for status, _ in health if status != 200)
    report = {"journeys": journeys, "statuses": {phase: dict(sorted(counts.items()))
                                                  for phase, counts in recorder.statuses.items()},
              "server errors or no answer": len(recorder.server_errors),
              "first server errors": recorder.server_errors[:10],
              "health checks": len(health), "health checks not 200": unanswered_health,
              "slowest health check (s)": round(slowest_health or 0, 3), **figures}
    print(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    if args.output:
        with open(args.output, "w") as f:
            json.dump(report, f, indent=2, ensure_ascii=False, default=str)
    ok = figures["reconciled"] and not recorder.server_errors and unanswered_health == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
