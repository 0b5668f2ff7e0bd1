"""One search service, two engines: SQLite FTS5 with the trigram tokenizer (it needs no word splitter,
so `保温杯` finds `不锈钢保温杯`) and PostgreSQL pg_trgm for matching with ts_rank for ranking.
Every product and prototype is indexed whatever its state; what the public may see is filtered when
searching, so hiding a supplier needs no reindex."""
import hashlib
import re
from dataclasses import asdict, dataclass

from flask import current_app
from sqlalchemy import Float, Integer, bindparam, case, delete, event, func, inspect, or_, select, text
from sqlalchemy.orm import Session, joinedload, selectinload

from blueprints.cache import remembered
from blueprints.catalog.models import Category, Product, Variant
from blueprints.catalog.services import in_category, public_product_conditions
from blueprints.codesign.models import Prototype
from blueprints.codesign.queries import public_prototype_conditions
from blueprints.orders.queries import units_sold_by_product
from blueprints.search.models import DocumentKind, SearchDocument
from blueprints.suppliers.models import Supplier
from extensions import db

MAX_TERMS = 8
TRIGRAM = 3  # the trigram index cannot match shorter terms; those are matched with LIKE
TERM_SPLIT = re.compile(r"[\s,，。;；:：!！?？\"“”'‘’()（）\[\]【】]+")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

# Two Chinese characters are a common query but shorter than a trigram. Each document also carries its
# character pairs, marked (保温 becomes 保温‖), so a two-character term is a three-character one the index
# finds. Migration 0006 writes the same pairs.
PAIR_MARK = "\u2016"
CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")


def cjk_pairs(text: str) -> str:
    pairs = dict.fromkeys(run[i:i + 2] + PAIR_MARK for run in CJK_RUN.findall(text) for i in range(len(run) - 1))
    return " ".join(pairs)


def _indexed_term(term: str) -> str:
    return term + PAIR_MARK if len(term) == 2 and CJK_RUN.fullmatch(term) else term


def terms_of(query: str) -> list[str]:
    """The words of a query, lower-cased; control characters (which no engine accepts) are spaces."""
    words = TERM_SPLIT.split(CONTROL_CHARACTERS.sub(" ", query or ""))
    return [word.lower() for word in words if word][:MAX_TERMS]


def _like_pattern(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# Keeping the index in step: products and prototypes changed in a transaction are indexed before it commits.

def product_text(product: Product) -> tuple[str, str]:
    options = " ".join(str(value) for variant in product.variants for value in (variant.options or {}).values())
    category = product.category
    body = " ".join(filter(None, [product.description, category.name_en, category.name_zh, product.supplier.name,
                                  options]))
    return product.title, f"{body} {cjk_pairs(product.title + ' ' + body)}".strip()


def prototype_text(prototype: Prototype) -> tuple[str, str]:
    category = prototype.category
    body = " ".join(filter(None, [prototype.description, prototype.specs, category.name_en, category.name_zh,
                                  prototype.supplier.name]))
    return prototype.title, f"{body} {cjk_pairs(prototype.title + ' ' + body)}".strip()


def index_items(kind: DocumentKind, items: list) -> None:
    if not items:
        return
    existing = {document.item_id: document for document in db.session.scalars(
        select(SearchDocument).where(SearchDocument.kind == kind,
                                     SearchDocument.item_id.in_([item.id for item in items])))}
    text_of = product_text if kind == DocumentKind.PRODUCT else prototype_text
    for item in items:
        title, body = text_of(item)
        document = existing.get(item.id)
        if document is None:
            db.session.add(SearchDocument(kind=kind, item_id=item.id, title=title, body=body))
        elif (document.title, document.body) != (title, body):
            document.title, document.body = title, body


def forget_items(kind: DocumentKind, item_ids: list[int]) -> None:
    if item_ids:
        db.session.execute(delete(SearchDocument).where(SearchDocument.kind == kind,
                                                        SearchDocument.item_id.in_(item_ids)))


def reindex_all(batch: int = 500) -> int:
    db.session.execute(delete(SearchDocument))
    count = 0
    for model, kind in ((Product, DocumentKind.PRODUCT), (Prototype, DocumentKind.PROTOTYPE)):
        last_id = 0
        while True:
            loaders = [selectinload(model.category), selectinload(model.supplier)]
            if model is Product:
                loaders.append(selectinload(Product.variants))
            items = list(db.session.scalars(select(model).where(model.id > last_id).order_by(model.id)
                                            .limit(batch).options(*loaders)))
            if not items:
                break
            index_items(kind, items)
            db.session.flush()
            count += len(items)
            last_id = items[-1].id
    return count


_PENDING = "search_pending"

# The fields each document is made from; a change to any of them reindexes the items concerned.
SEARCHED_FIELDS = {Product: ("title", "description", "category_id", "supplier_id"),
                   Prototype: ("title", "description", "specs", "category_id", "supplier_id"),
                   Variant: ("options",), Supplier: ("name",), Category: ("name_en", "name_zh")}


def _text_changed(instance) -> bool:
    state = inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in SEARCHED_FIELDS[type(instance)])


def _pending(session) -> dict[str, set]:
    return session.info.setdefault(_PENDING, {"products": set(), "prototypes": set(), "suppliers": set(),
                                              "categories": set(), "forget_products": set(),
                                              "forget_prototypes": set()})


def _note_changed_items(session, _flush_context):
    """Notes what to reindex before the commit; stock and price changes (every checkout) are not noted."""
    pending = _pending(session)
    for instance in session.new | session.dirty:
        if type(instance) not in SEARCHED_FIELDS or (instance not in session.new and not _text_changed(instance)):
            continue
        if isinstance(instance, Variant):
            pending["products"].add(instance.product_id)
        elif isinstance(instance, Product):
            pending["products"].add(instance.id)
        elif isinstance(instance, Prototype):
            pending["prototypes"].add(instance.id)
        elif instance not in session.new:  # a renamed supplier or category: its items' text changed
            pending["suppliers" if isinstance(instance, Supplier) else "categories"].add(instance.id)
    for instance in session.deleted:
        if isinstance(instance, Product):
            pending["forget_products"].add(instance.id)
        elif isinstance(instance, Prototype):
            pending["forget_prototypes"].add(instance.id)


def _index_changed_items(session):
    pending = session.info.pop(_PENDING, None)
    if not pending or not any(pending.values()):
        return
    for model, kind, ids in ((Product, DocumentKind.PRODUCT, pending["products"]),
                             (Prototype, DocumentKind.PROTOTYPE, pending["prototypes"])):
        wanted = [model.id.in_(ids), model.supplier_id.in_(pending["suppliers"]),
                  model.category_id.in_(pending["categories"])]
        if ids or pending["suppliers"] or pending["categories"]:
            loaders = [selectinload(model.category), selectinload(model.supplier)]
            if model is Product:
                loaders.append(selectinload(Product.variants))
            items = list(session.scalars(select(model).where(or_(*wanted)).options(*loaders)))
            index_items(kind, items)
    forget_items(DocumentKind.PRODUCT, list(pending["forget_products"]))
    forget_items(DocumentKind.PROTOTYPE, list(pending["forget_prototypes"]))
    session.flush()
    session.info.pop(_PENDING, None)  # the flush above noted the documents' own items again


def _drop_pending(session):
    session.info.pop(_PENDING, None)


_INDEX_LISTENERS = (("after_flush", _note_changed_items), ("before_commit", _index_changed_items),
                    ("after_rollback", _drop_pending))


def keep_index_in_step() -> None:
    """Every session's edits reindex their items as they commit (create_app calls this; safe to call again)."""
    for name, listener in _INDEX_LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


# Searching

@dataclass(frozen=True)
class Match:
    item_id: int
    rank: float  # higher is better


def _through_the_index() -> None:
    """For the rest of this transaction, PostgreSQL finds a search's first candidates through the trigram
    index. Left to itself, it reads the table in order when a word is common, expecting to meet enough
    matches soon; but testing each document's text costs several times what it assumes (35 ms against 5)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))


def matches(query: str, kind: DocumentKind, *, candidates: int | None = None):
    """A subquery of (item_id, rank) for the items whose text has every term of `query`; None when
    the query has no terms. With `candidates`, only that many matches, the first the index finds, are
    ranked: a common word's thousands of matches cost most of a search to rank, and a page showing the
    best few does not need all of them (counts and further pages use the whole set)."""
    terms = [_indexed_term(term) for term in terms_of(query)]
    if not terms:
        return None
    if db.engine.dialect.name == "postgresql":
        sql, params = _postgres_matches(terms, kind)
    else:
        sql, params = _sqlite_matches(terms, kind)
    if candidates is not None:
        sql += " LIMIT :candidates"
        params["candidates"] = candidates
    # unique=True: one statement may hold several searches (a user's keywords), each with its own values.
    found = (text(sql).bindparams(*(bindparam(name, value, unique=True) for name, value in params.items()))
             .columns(item_id=Integer, rank=Float))
    if candidates is None:
        return found.subquery()
    # Planned on its own: inside the page's join, PostgreSQL would read the table in order for the first
    # matches rather than through the trigram index, which for a common word is several times slower.
    return found.cte(f"candidates_{kind.value}").prefix_with("MATERIALIZED")


def _sqlite_matches(terms: list[str], kind: DocumentKind) -> tuple[str, dict]:
    params = {"kind": kind.value}
    long_terms = [term for term in terms if len(term) >= TRIGRAM]
    short_terms = [term for term in terms if len(term) < TRIGRAM]
    likes = []
    for number, term in enumerate(short_terms):
        params[f"t{number}"] = _like_pattern(term)
        # SQLite's LIKE ignores ASCII case by itself; leaving out lower() and the concatenation halves a scan.
        likes.append(f"(d.title LIKE :t{number} ESCAPE '\\' OR d.body LIKE :t{number} ESCAPE '\\')")
    if long_terms:
        params["match"] = " ".join('"' + term.replace('"', '""') + '"' for term in long_terms)
        # bm25 is smaller for better matches; a title match weighs ten times a body match.
        sql = ("SELECT d.item_id AS item_id, -bm25(search_fts, 10.0, 1.0) AS rank FROM search_fts"
               " JOIN search_documents d ON d.id = search_fts.rowid"
               " WHERE search_fts MATCH :match AND d.kind = :kind")
    else:
        params["title"] = _like_pattern(" ".join(short_terms))
        sql = ("SELECT d.item_id AS item_id, CASE WHEN d.title LIKE :title ESCAPE '\\' THEN 2.0 ELSE 1.0 END"
               " AS rank FROM search_documents d WHERE d.kind = :kind")
    sql += "".join(f" AND {like}" for like in likes)
    return sql, params


def _postgres_matches(terms: list[str], kind: DocumentKind) -> tuple[str, dict]:
    # Written out so the expressions are exactly those of the indexes in migration 0006.
    params = {"kind": kind.value, "query": " ".join(terms).replace(PAIR_MARK, "")}
    likes = []
    for number, term in enumerate(terms):
        params[f"t{number}"] = _like_pattern(term)
        likes.append(f"lower(d.title || ' ' || d.body) LIKE :t{number}")
    sql = ("SELECT d.item_id AS item_id,"
           # Ranked on the title alone: a tsvector of every matching body costs most of a common word's search.
           " ts_rank(to_tsvector('simple', d.title), plainto_tsquery('simple', :query))"
           " + similarity(lower(d.title), :query) * 2 AS rank"
           " FROM search_documents d WHERE d.kind = :kind AND " + " AND ".join(likes))
    return sql, params


# The catalog with facets

PRICE_BUCKETS = {  # fen; the upper bound is excluded
    "under-50": (0, 5000),
    "50-100": (5000, 10000),
    "100-200": (10000, 20000),
    "200-up": (20000, None),
}
RARE_COUNT_LIMIT = 1000
SORTS = ("relevance", "newest", "price-low", "price-high", "popular")


@dataclass
class CatalogFilters:
    query: str = ""
    category: Category | None = None
    supplier_id: int | None = None
    price: str | None = None
    in_stock: bool = False
    codesigned: bool = False
    sort: str = "newest"
    page: int = 1

    def __post_init__(self):
        if self.price not in PRICE_BUCKETS:
            self.price = None
        if self.sort not in SORTS:
            self.sort = "relevance"

    def is_common(self) -> bool:
        """A category and at most one more choice: the pages people browse, whose counts are worth keeping."""
        chosen = [bool(terms_of(self.query)), self.supplier_id, self.price, self.in_stock, self.codesigned]
        return sum(1 for choice in chosen if choice) <= 1

    def cache_key(self) -> str:
        """Everything but the page and the order: what the counts depend on."""
        chosen = [" ".join(terms_of(self.query)), self.category.id if self.category else "", self.supplier_id or "",
                  self.price or "", self.in_stock, self.codesigned]
        return hashlib.sha1(repr(chosen).encode()).hexdigest()

    @property
    def order(self) -> str:
        """Best match needs words to match; without them it means newest first."""
        return "newest" if self.sort == "relevance" and not terms_of(self.query) else self.sort


@dataclass
class Facets:
    categories: dict[int, int]  # category id → products in it or its children
    suppliers: list[tuple[int, str, int]]  # id, name, count
    prices: dict[str, int]
    in_stock: int
    codesigned: int

    def to_json(self) -> dict:
        return {**asdict(self), "categories": list(self.categories.items())}

    @classmethod
    def from_json(cls, data: dict) -> "Facets":
        return cls(categories=dict((int(k), n) for k, n in data["categories"]),
                   suppliers=[tuple(s) for s in data["suppliers"]], prices=data["prices"],
                   in_stock=data["in_stock"], codesigned=data["codesigned"])


def _in_stock():
    return select(Variant.id).where(Variant.product_id == Product.id, Variant.stock_on_hand > 0).exists()


def _codesigned():
    return select(Prototype.id).where(Prototype.product_id == Product.id).exists()


def _filtered(filters: CatalogFilters, matched, columns, *, skip: str | None = None):
    query = select(*columns).select_from(Product).join(Product.supplier).where(*public_product_conditions())
    if matched is not None:
        query = query.join(matched, matched.c.item_id == Product.id)
    if filters.category and skip != "category":
        query = query.where(in_category(Product.category_id, filters.category))
    if filters.supplier_id and skip != "supplier":
        query = query.where(Product.supplier_id == filters.supplier_id)
    if filters.price and skip != "price":
        low, high = PRICE_BUCKETS[filters.price]
        query = query.where(Product.suggested_price >= low)
        if high is not None:
            query = query.where(Product.suggested_price < high)
    if filters.in_stock and skip != "in_stock":
        query = query.where(_in_stock())
    if filters.codesigned and skip != "codesigned":
        query = query.where(_codesigned())
    return query


def _price_bucket():
    return case(*[(Product.suggested_price < high, key) for key, (_low, high) in PRICE_BUCKETS.items() if high],
                else_="200-up")


def browse(filters: CatalogFilters, per_page: int = 24, *, with_facets: bool = True,
           candidates: int | None = None):
    """The page of products for `filters`, and the facet counts under the same query: each facet is
    counted with every other filter applied but its own, so its counts say what choosing it would give.
    `candidates` caps the matches ranked for the page (see `matches`); the counts always take them all."""
    if candidates is not None:
        _through_the_index()
    matched = matches(filters.query, DocumentKind.PRODUCT, candidates=candidates)
    every = matches(filters.query, DocumentKind.PRODUCT) if candidates is not None else matched
    sold = units_sold_by_product()
    order = {
        "relevance": [matched.c.rank.desc()] if matched is not None else [],
        "newest": [],  # the tie-break below is the newest order, and the index's
        "price-low": [Product.suggested_price.asc()],
        "price-high": [Product.suggested_price.desc()],
        "popular": [func.coalesce(sold.c.units, 0).desc()],
    }[filters.order]
    query = _filtered(filters, matched, [Product])
    if filters.order == "popular":
        query = query.outerjoin(sold, sold.c.product_id == Product.id)
    query = query.options(selectinload(Product.images), selectinload(Product.variants),
                          joinedload(Product.supplier), joinedload(Product.category))
    page = db.paginate(query.order_by(*order, Product.created_at.desc(), Product.id.desc()),
                       page=filters.page, per_page=per_page, error_out=False, count=False)
    # Counting reads every match; the total and the facets may be a little stale (CATALOG_COUNT_SECONDS).
    seconds, key = current_app.config["CATALOG_COUNT_SECONDS"], filters.cache_key()
    if not filters.is_common():
        # A crawler can follow every combination of facets: each rare one is counted among its first
        # RARE_COUNT_LIMIT matches only, and never kept, so it costs about a page and evicts nothing.
        first = _filtered(filters, every, [Product.id.label("item_id")]).limit(RARE_COUNT_LIMIT).subquery()
        page.total = db.session.scalar(select(func.count()).select_from(first))
        return page, _facets(filters, first) if with_facets else None
    page.total = remembered(f"catalog-total:{key}", seconds, lambda: db.session.scalar(
        _filtered(filters, every, [func.count(Product.id)])))
    if not with_facets:
        return page, None
    return page, Facets.from_json(remembered(f"catalog-facets:{key}", seconds,
                                             lambda: _facets(filters, every).to_json()))


def _facets(filters: CatalogFilters, matched) -> "Facets":
    def counts(skip, key):
        rows = _filtered(filters, matched, [key, func.count(Product.id)], skip=skip)
        return dict(db.session.execute(rows.group_by(key)).all())

    by_category = counts("category", Product.category_id)
    parents = dict(db.session.execute(select(Category.id, Category.parent_id)).all())
    categories: dict[int, int] = {}
    for category_id, count in by_category.items():
        categories[category_id] = categories.get(category_id, 0) + count
        if parents.get(category_id):
            categories[parents[category_id]] = categories.get(parents[category_id], 0) + count
    supplier_counts = counts("supplier", Product.supplier_id)
    names = dict(db.session.execute(select(Supplier.id, Supplier.name).where(Supplier.id.in_(supplier_counts))).all())
    def count_where(skip, condition):
        return db.session.scalar(_filtered(filters, matched, [func.count(Product.id)], skip=skip).where(condition))

    return Facets(
        categories=categories,
        suppliers=sorted(((sid, names[sid], n) for sid, n in supplier_counts.items()), key=lambda s: (-s[2], s[1])),
        prices=counts("price", _price_bucket()),
        in_stock=count_where("in_stock", _in_stock()),
        codesigned=count_where("codesigned", _codesigned()),
    )


def search_prototypes(query: str, limit: int = 6, *, candidates: int | None = None) -> list[Prototype]:
    """Prototypes the public may see whose text matches, best first (among `candidates`, see `matches`)."""
    if candidates is not None:
        _through_the_index()
    matched = matches(query, DocumentKind.PROTOTYPE, candidates=candidates)
    if matched is None:
        return []
    return list(db.session.scalars(
        select(Prototype).join(matched, matched.c.item_id == Prototype.id).join(Prototype.supplier)
        .where(*public_prototype_conditions())
        .options(selectinload(Prototype.images), joinedload(Prototype.supplier))
        .order_by(matched.c.rank.desc(), Prototype.id.desc()).limit(limit)))
