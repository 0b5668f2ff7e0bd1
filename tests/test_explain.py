"""Hot pages read big tables through indexes: EXPLAIN each query the pages actually issue, on PostgreSQL
with enough rows (and fresh statistics) that the planner would rather scan a table than use a useless index."""
import random
import re

import pytest
from sqlalchemy import event, select, text

from bench.seed_large import BENCH_PASSWORD, reset_sequences, seed, sizes
from blueprints.codesign.models import Prototype
from blueprints.shops.models import Listing, Shop
from extensions import db
from tests.conftest import Account, sign_in

BIG_TABLES = ("products", "variants", "listings", "prototypes", "comments", "supports", "orders", "order_lines",
              "ledger_entries", "users")

# The catalog's facet and result counts (search.services.browse) aggregate every public product on each view:
# no index avoids reading them all. They are the catalog's known cost (bench/README.md) until they are cached;
# every other query on that page, and every query on the other pages, must use an index.
CATALOG_AGGREGATES = re.compile(r"^SELECT (count\(|products\.(category|supplier)_id, count\(|CASE WHEN \(products\.)")
# Recommendations read who else took part in the items at hand (supports, votes, pledges and purchases as
# one union, bounded by NEIGHBOURS and NEIGHBOUR_ROWS; the people first, "near", then their interactions): the
# planner scans the small interaction tables of this sample rather than use their indexes. Their cost is in
# bench/README.md; trending is shared for TRENDING_SECONDS, which the test turns on as a warm site has it.
RECOMMENDATION_READS = re.compile(r"^SELECT (near|theirs|mine|everyone|recent)\.")
# The home page's only prototype query is the pool of suggestion candidates (wanted ids, or favourite
# categories, or keyword matches): on this sample's 500 prototypes a scan is the planner's cheapest way.
HOME_SUGGESTION_POOL = re.compile(r"^SELECT prototypes\.id, ")


def issued_queries(app, client, urls: list[str]) -> list[tuple[str, str, object]]:
    """(url, statement, parameters) for every query the pages run, captured as they run."""
    captured = []
    with app.app_context():
        engine = db.engine
    current = {}

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((current["url"], statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        for url in urls:
            current["url"] = url
            assert client.get(url).status_code == 200, url
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return captured


def sequential_scans(app, queries) -> list[str]:
    """The big tables each query reads with a sequential scan, as 'url: table: query'."""
    found = []
    with app.app_context():
        with db.engine.connect() as conn:
            for url, statement, parameters in queries:
                if url.startswith("/catalog") and CATALOG_AGGREGATES.match(statement.lstrip()):
                    continue
                if RECOMMENDATION_READS.match(statement.lstrip()) or (
                        url == "/" and HOME_SUGGESTION_POOL.match(statement.lstrip())):
                    continue
                plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
                for table in re.findall(r"Seq Scan on (\w+)", plan):
                    if table in BIG_TABLES:
                        found.append(f"{url}: {table}: {statement[:300]}\n{plan}")
    return found


@pytest.mark.postgresql
def test_hot_pages_use_indexes_on_big_tables(app, client):
    with app.app_context():
        # A few thousand rows per big table, loaded the fast way, then analysed like a real database.
        seed(sizes(0.1), random.Random(7))
        reset_sequences()
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        shop = db.session.scalar(select(Shop).where(Shop.id == 2))
        listing = db.session.scalar(select(Listing).where(Listing.shop_id == shop.id).limit(1))
        product_slug = listing.product.slug
        prototype_slug = db.session.get(Prototype, 3).slug
    urls = ["/", "/catalog", "/catalog?page=3", f"/p/{product_slug}", f"/shops/{shop.slug}",
            f"/shops/{shop.slug}/p/{product_slug}", f"/codesign/{prototype_slug}"]
    # The catalog's page count is counted once a minute at most (catalog_page), not on each view: count it
    # first, as a warm site has, so the pages' own queries are the ones checked.
    app.config["CATALOG_COUNT_SECONDS"] = 60
    app.config["TRENDING_SECONDS"] = 60
    issued_queries(app, client, urls)
    visitor = issued_queries(app, client, urls)
    sign_in(client, Account(400, "user400@bench.shelfmade.test", BENCH_PASSWORD, "Bench User"))
    signed_in = issued_queries(app, client, [*urls, "/cart"])
    assert sequential_scans(app, visitor + signed_in) == []
