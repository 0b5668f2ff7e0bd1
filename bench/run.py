"""Throughput, latency and page weight of the hot pages, on the large data set (bench/seed_large.py).

    .venv/bin/python bench/run.py --database-url postgresql://postgres@127.0.0.1:5432/bench_large \
        --redis-url redis://127.0.0.1:6379/1
    .venv/bin/python bench/run.py --database-url sqlite:////tmp/bench_large.sqlite3

Starts gunicorn (gunicorn.conf.py) on the data set, and the bare Flask + Jinja ceiling (bench/ceiling.py) on
the same port range before and after the series (shares are of their mean), and drives each from a second
process, wrk, over loopback: first with enough connections to saturate the workers (req/s), then at a
moderate load (p50/p99). GET pages rotate over many products, shops, prototypes and catalog pages; the vote and
add-to-cart actions are htmx POSTs from 500 signed-in users, each from its own address (through
X-Forwarded-For, as behind a proxy) so rate limits apply per user as in production.
"""
import argparse
import concurrent.futures
import gzip
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from config import database_url  # noqa: E402

SECRET = "bench-secret-key-not-for-production"
SEARCH_WORDS = ["保温杯", "陶瓷", "bamboo", "linen tote", "茶具", "notebook"]


def server(spec: str, port: int, env: dict, workers: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [os.path.join(ROOT, ".venv/bin/gunicorn"), "-c", os.path.join(ROOT, "gunicorn.conf.py"), spec],
        cwd=ROOT, env={**os.environ, **env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers),
                       "LOG_LEVEL": "warning"})
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read()
            return process
        except OSError:  # not listening yet, or still starting
            time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"{spec} did not start on port {port}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def lua(paths: list[str], *, method: str = "GET", body: str = "", sessions=(), htmx: bool = False) -> str:
    """A wrk script: each request takes a random path (and signed-in session, with its own address)."""
    quote = json.dumps
    return "\n".join([
        "local paths = {" + ",".join(quote(p) for p in paths) + "}",
        "local sessions = {" + ",".join("{%s,%s}" % (quote(c), quote(t)) for c, t in sessions) + "}",
        "local counter = 0",
        "local threads = {}",
        "setup = function(thread) table.insert(threads, thread) end",
        "hits = 0",
        "response = function(status, headers, body)",
        "  if headers['X-Page-Cache'] == 'hit' then hits = hits + 1 end",
        "end",
        "request = function()",
        "  counter = counter + 1",
        "  local headers = {}",
        f"  if {'true' if htmx else 'false'} then headers['HX-Request'] = 'true' end",
        "  if #sessions > 0 then",
        "    local i = math.random(#sessions)",
        "    headers['Cookie'] = 'session=' .. sessions[i][1]",
        "    headers['X-CSRFToken'] = sessions[i][2]",
        "    headers['X-Forwarded-For'] = '10.' .. math.floor(i / 250) .. '.' .. (i % 250) .. '.' .. math.random(1, 250)",
        "  end",
        f"  local body = {quote(body)}",
        "  if body ~= '' then headers['Content-Type'] = 'application/x-www-form-urlencoded' end",
        f"  return wrk.format({quote(method)}, paths[math.random(#paths)], headers, body ~= '' and body or nil)",
        "end",
        "done = function(summary, latency, requests)",
        "  local all_hits = 0",
        "  for _, thread in ipairs(threads) do all_hits = all_hits + thread:get('hits') end",
        "  io.write(string.format('JSON{\"requests\":%d,\"non2xx\":%d,\"errors\":%d,\"p50\":%f,\"p99\":%f,\"hits\":%d}\\n',",
        "    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read +",
        "    summary.errors.write + summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000,",
        "    all_hits))",
        "end",
    ])


def wrk(port: int, script: str, connections: int, seconds: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", file.name,
                              f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(file.name)
    result = json.loads(re.search(r"JSON(\{.*\})", out).group(1))
    result["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return result


def signed_in_sessions(url: str, count: int) -> list[tuple[str, str]]:
    """(session cookie, CSRF token) for `count` bench users, each a real server-side sign-in (accounts.sessions),
    made in-process with the server's secret key. A bare `_user_id` in the cookie is no sign-in at all."""
    from blueprints.accounts.models import User
    from blueprints.accounts.sessions import start_session
    from extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        tokens = [start_session(db.session.get(User, user_id), remember=False, ip_address="127.0.0.1",
                                user_agent="bench") for user_id in range(3_000, 3_000 + count)]
        db.session.commit()
    client = app.test_client()
    sessions = []
    for token in tokens:
        client.delete_cookie("session")
        with client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
        html = client.get("/cart").get_data(as_text=True)
        if "/logout" not in html:
            raise SystemExit("a bench user's session is not signed in: the signed-in series would measure visitors")
        sessions.append((client.get_cookie("session").value, re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)))
    return sessions


def sample_paths(url: str) -> dict:
    from blueprints.catalog.models import Product, ProductStatus
    from blueprints.codesign.models import Prototype, Stage
    from blueprints.suppliers.models import Supplier, SupplierStatus
    from blueprints.catalog.models import Category
    from blueprints.shops.models import Listing, Shop
    from extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    rng = random.Random(1)
    with app.app_context():
        products = list(db.session.scalars(
            select(Product.slug).join(Product.supplier)
            .where(Product.status == ProductStatus.ACTIVE, Supplier.status == SupplierStatus.VERIFIED).limit(50_000)))
        listing = db.session.scalars(select(Listing).limit(1)).one()
        variant_id = listing.product.variants[0].id
        listed = db.session.execute(
            select(Shop.slug, Product.slug).select_from(Listing).join(Listing.shop).join(Listing.product)
            .join(Product.supplier).where(Product.status == ProductStatus.ACTIVE,
                                          Supplier.status == SupplierStatus.VERIFIED).limit(20_000)).all()
        categories = list(db.session.scalars(select(Category.slug)))
        prototypes = list(db.session.scalars(select(Prototype.slug).where(Prototype.stage == Stage.OPEN).limit(5_000)))
        shops = [f"/shops/shop-{n}" for n in rng.sample(range(1, 1_001), 500)]
        return {
            "home": ["/"],
            "catalog": [f"/catalog?page={n}" for n in range(1, 201)] + ["/catalog"] * 50,
            "search": [f"/search?q={urllib.request.quote(word)}" for word in SEARCH_WORDS],
            "product": [f"/p/{slug}" for slug in rng.sample(products, 2_000)],
            "category": [f"/catalog?category={slug}&page={n}" for slug in categories for n in (1, 2, 3)],
            "shop": shops,
            "shop product": [f"/shops/{shop}/p/{product}" for shop, product in rng.sample(listed, 2_000)],
            "prototype": [f"/codesign/{slug}" for slug in rng.sample(prototypes, 2_000)],
            "vote": [f"/codesign/{prototypes[0]}/support"],
            "add to cart": ["/cart/add"],
            "_cart_body": f"variant_id={variant_id}&shop_id={listing.shop_id}&quantity=1",
            "_product": products[0],
        }


PAGES = ("home", "catalog", "category", "search", "product", "shop", "shop product", "prototype", "vote",
         "add to cart")
GET_PAGES = PAGES[:-2]


def cpu_seconds(master: subprocess.Popen) -> dict[str, dict[str, float]]:
    """User and system CPU seconds so far of each of the site's workers and of the database and cache servers'
    processes (by pid: a process that ends takes its count with it, so `cpu_ms_between` adds up those in both)."""
    def used(pids) -> dict[str, float]:
        seconds = {}
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
            seconds[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
        return seconds

    def found(*pgrep: str) -> list[str]:
        return subprocess.run(["pgrep", *pgrep], capture_output=True, text=True).stdout.split()

    return {"app": used(found("-P", str(master.pid))), "database": used(found("-u", "postgres")),
            "redis": used(found("redis-server"))}


def cpu_ms_between(before: dict[str, float], after: dict[str, float]) -> float:
    """CPU milliseconds used between two counts of the same processes (those started since: all of theirs)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items()) * 1000


def worker_rss_mb(master: subprocess.Popen) -> list[float]:
    """Resident memory of each gunicorn worker (the master's children), in MB."""
    found = []
    for pid in subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True).stdout.split():
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            rss_kb = int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1))
        found.append(round(rss_kb / 1024, 1))
    return found


def warm_counts(port: int, paths: dict) -> None:
    """Ask once for every count the measured pages share (the catalog's, each category's, each search's), as
    a site that has been up for a while has them: otherwise the first seconds of a measurement are a few
    requests that each count 100,000 products, whatever the code that counts."""
    shared_counts = ["/catalog"] + [path for path in paths["category"] if path.endswith("&page=1")] + paths["search"]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda path: fetch(f"http://127.0.0.1:{port}{path}"), shared_counts))


def skewed(paths: list[str], skew: float, draws: int = 20_000) -> list[str]:
    """`draws` paths drawn with Zipf weights 1/rank**skew (0: every path equally often), for a script that
    picks uniformly from the list: a shop's traffic, where a few pages get most of the visits."""
    if skew <= 0 or len(paths) < 2:
        return paths
    rng = random.Random(2)
    ranked = rng.sample(paths, len(paths))
    return rng.choices(ranked, weights=[1 / rank ** skew for rank in range(1, len(ranked) + 1)], k=draws)


def fetch(url: str, headers: dict | None = None, data: bytes | None = None) -> tuple[int, bytes, int]:
    """(status, body, bytes on the wire including the status line and headers)."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        response = urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    except TimeoutError:
        return 0, b"", 0
    body = response.read()
    head = 17 + sum(len(k) + len(v) + 4 for k, v in response.headers.items()) + 2
    return response.status, body, head + len(body)


def page_weight(port: int, product_slug: str, paths: dict, sessions) -> dict:
    base = f"http://127.0.0.1:{port}"
    _status, html, wire = fetch(f"{base}/p/{product_slug}")
    assets = re.findall(r'<(?:link rel="stylesheet"|script) (?:href|src)="([^"]+)"', html.decode())
    assets += re.findall(r'<link rel="icon" href="([^"]+)"', html.decode())
    total, total_gzip = wire, len(gzip.compress(html))
    for asset in assets:
        _status, body, asset_wire = fetch(base + asset)
        total += asset_wire
        total_gzip += len(gzip.compress(body))
    cookie, token = sessions[0]
    signed = {"Cookie": f"session={cookie}", "X-CSRFToken": token, "HX-Request": "true",
              "X-Forwarded-For": "10.9.9.9"}
    _status, _body, variant_panel = fetch(f"{base}/p/{product_slug}?variant=1", {"HX-Request": "true"})
    _status, _body, vote = fetch(base + paths["vote"][0], signed, b"")
    _status, _body, cart = fetch(base + paths["add to cart"][0],
                                 {**signed, "Content-Type": "application/x-www-form-urlencoded"},
                                 paths["_cart_body"].encode())
    return {"product page + assets (bytes)": total, "same, gzipped by a proxy (bytes)": total_gzip,
            "assets": assets, "htmx variant panel (bytes)": variant_panel, "htmx vote (bytes)": vote,
            "htmx add to cart (bytes)": cart}


def measure_ceiling(html: str, args) -> dict:
    """The bare Flask + Jinja ceiling (bench/ceiling.py) rendering the app's product page, on the next port."""
    with tempfile.TemporaryDirectory() as folder:
        page = os.path.join(folder, "product.html")
        with open(page, "w", encoding="utf-8") as file:
            file.write(html)
        title = re.search(r"<h1[^>]*>([^<]+)</h1>", html).group(1)
        with open(page + ".json", "w", encoding="utf-8") as file:
            json.dump({"title": title}, file)
        ceiling = server(f"bench.ceiling:create_app({page!r})", args.port + 1, {}, args.workers)
        try:
            cpu_before = cpu_seconds(ceiling)["app"]
            busy = wrk(args.port + 1, lua(["/"]), args.saturating, args.seconds)
            cpu_ms = round(cpu_ms_between(cpu_before, cpu_seconds(ceiling)["app"]) / max(busy["requests"], 1), 2)
            calm = wrk(args.port + 1, lua(["/"]), args.moderate, args.seconds)
        finally:
            stop(ceiling)
    print(f"{'ceiling':12} {busy['rps']} req/s, {cpu_ms} CPU ms a request")
    return {"rps": busy["rps"], "p50_ms": calm["p50"], "p99_ms": calm["p99"], "app_cpu_ms_per_request": cpu_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--saturating", type=int, default=16, help="connections for the req/s run")
    parser.add_argument("--moderate", type=int, default=2, help="connections for the latency run")
    parser.add_argument("--only", nargs="*", help="page names to run (default: all)")
    parser.add_argument("--page-cache", type=int, default=0, metavar="SECONDS",
                        help="PAGE_CACHE_SECONDS for the site: signed-out visitors share copies of pages (0: off)")
    parser.add_argument("--skew", type=float, default=0.0,
                        help="draw GET pages with Zipf weights 1/rank**SKEW (0, the default: uniformly)")
    parser.add_argument("--series", nargs="+", default=["visitor", "signed-in"], choices=["visitor", "signed-in"],
                        help="visitor: GET pages signed out (shared copies when --page-cache is set) and the "
                             "signed-in actions; signed-in: every GET page as one of 500 signed-in users sees it")
    parser.add_argument("--cold", action="store_true",
                        help="measure without first asking for each shared count once (see warm_counts)")
    parser.add_argument("--output", help="write the results as JSON here")
    args = parser.parse_args()
    url = database_url(args.database_url, "")
    env = {"DATABASE_URL": url, "SECRET_KEY": SECRET, "REDIS_URL": args.redis_url, "TRUSTED_PROXIES": "1",
           "SEARCH_RATE_LIMIT": "1000000 per minute",  # wrk sends every search from one address
           "SHELFMADE_ENV": "bench", "PAGE_CACHE_SECONDS": str(args.page_cache)}

    paths = sample_paths(url)
    sessions = signed_in_sessions(url, 500)
    results = {"database": url.split(":")[0], "workers": args.workers, "page_cache_seconds": args.page_cache,
               "skew": args.skew, "connections": [args.saturating, args.moderate],
               "load_average_before": os.getloadavg(),
               "pages": {}}

    app_server = server("app:create_app()", args.port, env, args.workers)
    ceilings = []
    try:
        html = urllib.request.urlopen(f"http://127.0.0.1:{args.port}/p/{paths['_product']}").read().decode()
        # The ceiling before and after the series: on a machine whose speed drifts, one measurement at the end
        # made every share move with the drift (452 and 729 req/s in two runs of one afternoon).
        ceilings.append(measure_ceiling(html, args))
        results["weight"] = page_weight(args.port, paths["_product"], paths, sessions)
        if not args.cold:
            started = time.monotonic()
            warm_counts(args.port, paths)
            results["warm_up_seconds"] = round(time.monotonic() - started, 1)
        for series in args.series:
            signed_in = series == "signed-in"
            measured = results["pages"] if not signed_in else results.setdefault("signed_in", {})
            for name in PAGES if not signed_in else GET_PAGES:
                if args.only and name not in args.only:
                    continue
                action = name in ("vote", "add to cart")
                script = lua(paths[name] if action else skewed(paths[name], args.skew),
                             method="POST" if action else "GET", htmx=action,
                             body=paths["_cart_body"] if name == "add to cart" else "",
                             sessions=sessions if action or signed_in else ())
                if name == "search" and (status := fetch(f"http://127.0.0.1:{args.port}{paths['search'][0]}")[0]) != 200:
                    measured[name] = ("not available (no /search in this branch)" if status == 404
                                      else f"not measured: one search took over 30 s (status {status})")
                    print(f"{series:9} {name:12} {measured[name]}")
                    continue
                cpu_before = cpu_seconds(app_server)
                busy = wrk(args.port, script, args.saturating, args.seconds)
                cpu_after = cpu_seconds(app_server)
                calm = busy if args.moderate == args.saturating else wrk(args.port, script, args.moderate, args.seconds)
                runs = [busy] if calm is busy else [busy, calm]
                measured[name] = {"rps": busy["rps"], "p50_ms": calm["p50"], "p99_ms": calm["p99"],
                                  "p99_saturated_ms": busy["p99"], "non2xx": sum(run["non2xx"] for run in runs),
                                  "errors": sum(run["errors"] for run in runs),
                                  # Requests served from a shared copy (X-Page-Cache: hit).
                                  "cache_hit_share": round(sum(run["hits"] for run in runs) /
                                                           max(sum(run["requests"] for run in runs), 1), 3),
                                  # CPU time per request of the site's workers and of PostgreSQL and Redis, in
                                  # the saturated run: unlike req/s, it holds still while the machine's speed
                                  # drifts (time stolen by neighbours is nobody's CPU time).
                                  **{f"{who}_cpu_ms_per_request": round(
                                      cpu_ms_between(cpu_before[who], cpu_after[who]) / max(busy["requests"], 1), 2)
                                     for who in cpu_after}}
                print(f"{series:9} {name:12} {measured[name]}", flush=True)
        results["worker_rss_mb"] = worker_rss_mb(app_server)
        print(f"worker RSS after the series (MB): {results['worker_rss_mb']}")
    finally:
        stop(app_server)

    ceilings.append(measure_ceiling(html, args))
    results["ceiling"] = {"rps": round(sum(run["rps"] for run in ceilings) / len(ceilings), 2),
                          "p50_ms": ceilings[-1]["p50_ms"], "p99_ms": ceilings[-1]["p99_ms"],
                          "app_cpu_ms_per_request": round(sum(run["app_cpu_ms_per_request"] for run in ceilings)
                                                          / len(ceilings), 2),
                          "before_and_after": ceilings}
    print(f"{'ceiling':12} {results['ceiling']}")
    for figures in [*results["pages"].values(), *results.get("signed_in", {}).values()]:
        if isinstance(figures, dict):
            figures["share_of_ceiling"] = round(figures["rps"] / results["ceiling"]["rps"], 3)
            # The same share by the workers' CPU time a request: what the page costs the site's own processes.
            figures["cpu_share_of_ceiling"] = round(results["ceiling"]["app_cpu_ms_per_request"] /
                                                    max(figures["app_cpu_ms_per_request"], 0.01), 3)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as file:
            json.dump(results, file, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
