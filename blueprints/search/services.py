"""One search service, two engines: SQLite FTS5 with the trigram tokenizer (it needs no word splitter,
so `保温杯` finds `不锈钢保温杯`) and PostgreSQL pg_trgm for matching with ts_rank for ranking.
Every product and prototype is indexed whatever its state; what the public may see is filtered when
searching, so hiding a supplier needs no reindex."""
import difflib
import hashlib
import re
from dataclasses import asdict, dataclass

from flask import current_app
from sqlalchemy import Float, Integer, bindparam, case, delete, event, func, inspect, or_, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload, selectinload

from blueprints.cache import remembered
from blueprints.catalog.models import Category, Product, Variant
from blueprints.catalog.services import in_category, public_product_conditions
from blueprints.codesign.models import Prototype
from blueprints.codesign.queries import public_prototype_conditions
from blueprints.orders.queries import units_sold_by_product
from blueprints.search.models import DocumentKind, SearchDocument, SearchWord
from blueprints.search.normal_forms import (alternatives, chinese_substrings, cut_into_known_words,
                                            document_forms, query_pieces)
from blueprints.shops.services import lowest_listing_price_sql
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
    """The words of a query, lower-cased and split where a shopper might have put a space (`cast-iron`,
    `保温杯500ml`); control characters (which no engine accepts) are spaces."""
    words = TERM_SPLIT.split(CONTROL_CHARACTERS.sub(" ", query or ""))
    return [piece for word in words if word for piece in query_pieces(word.lower())][:MAX_TERMS]


def _like_pattern(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# Keeping the index in step: products and prototypes changed in a transaction are indexed before it commits.

def _document(titles: list[str], others: list[str]) -> tuple[str, str, str, set[str]]:
    """(title, body, terms, words) of a document: the Chinese title is the title; the English title and
    every title's normal forms are its terms; everything else, with its normal forms, the body."""
    title_forms, other_forms, words = document_forms(titles, others)
    body = " ".join(filter(None, others))
    pairs = cjk_pairs(" ".join(filter(None, titles + others)))
    return (titles[0], " ".join(filter(None, [body, pairs, other_forms])),
            " ".join(filter(None, titles[1:] + [title_forms])), words)


def _options(options: dict | None) -> list[str]:
    return [str(value) for value in (options or {}).values()]


def product_text(product: Product) -> tuple[str, str, str]:
    return _product_document(product)[:3]


def _product_document(product: Product):
    category, supplier = product.category, product.supplier
    options = [value for variant in product.variants
               for value in _options(variant.options) + _options(variant.options_en)]
    return _document([product.title, product.title_en, category.name_zh, category.name_en],
                     [product.description, product.description_en, supplier.name, supplier.name_en,
                      " ".join(dict.fromkeys(options))])


def prototype_text(prototype: Prototype) -> tuple[str, str, str]:
    return _prototype_document(prototype)[:3]


def _prototype_document(prototype: Prototype):
    category, supplier = prototype.category, prototype.supplier
    return _document([prototype.title, prototype.title_en, category.name_zh, category.name_en],
                     [prototype.description, prototype.description_en, prototype.specs, prototype.specs_en,
                      supplier.name, supplier.name_en])


def remember_words(words: set[str]) -> None:
    """Adds the words the vocabulary lacks; two transactions adding the same word do not collide."""
    if not words:
        return
    dialect = db.engine.dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    rows = [{"word": word} for word in sorted(words)]
    for start in range(0, len(rows), 1000):
        db.session.execute(insert(SearchWord).on_conflict_do_nothing(), rows[start:start + 1000])


def index_items(kind: DocumentKind, items: list) -> None:
    if not items:
        return
    existing = {document.item_id: document for document in db.session.scalars(
        select(SearchDocument).where(SearchDocument.kind == kind,
                                     SearchDocument.item_id.in_([item.id for item in items])))}
    document_of = _product_document if kind == DocumentKind.PRODUCT else _prototype_document
    words: set[str] = set()
    for item in items:
        title, body, terms, item_words = document_of(item)
        words |= item_words
        document = existing.get(item.id)
        if document is None:
            db.session.add(SearchDocument(kind=kind, item_id=item.id, title=title, body=body, terms=terms))
        elif (document.title, document.body, document.terms) != (title, body, terms):
            document.title, document.body, document.terms = title, body, terms
    remember_words(words)


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
SEARCHED_FIELDS = {Product: ("title", "title_en", "description", "description_en", "category_id", "supplier_id"),
                   Prototype: ("title", "title_en", "description", "description_en", "specs", "specs_en",
                               "category_id", "supplier_id"),
                   Variant: ("options", "options_en"), Supplier: ("name", "name_en"),
                   Category: ("name_en", "name_zh")}


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


def query_groups(query: str) -> list[list[list[str]]]:
    """The query as groups that must all match; a group matches when any of its alternatives does, and
    an alternative when all its fragments do: `batteries 西湖龙井` is [[[batteri]],
    [[西湖龙井], [西湖‖, 龙井‖]]]. A Chinese word run is also cut into words the index holds, so
    `不锈钢保温杯` finds "保温杯 不锈钢"."""
    pieces = terms_of(query)
    long_runs = [piece for piece in pieces if CJK_RUN.fullmatch(piece) and len(piece) >= 4]
    known = set(db.session.scalars(select(SearchWord.word).where(SearchWord.word.in_(
        [word for run in long_runs for word in chinese_substrings(run)])))) if long_runs else set()
    groups = []
    for piece in pieces:
        if CJK_RUN.fullmatch(piece):
            group = [[_indexed_term(piece)]]
            words = cut_into_known_words(piece, known) if piece in long_runs else [piece]
            if len(words) > 1:
                group.append([_indexed_term(word) for word in words])
        else:
            group = [[alternative] for alternative in alternatives(piece)]
        groups.append(group)
    return groups


def matches(query: str, kind: DocumentKind, *, candidates: int | None = None):
    """A subquery of (item_id, rank) for the items whose text matches every group of `query` (see
    `query_groups`); None when the query has no terms. With `candidates`, only that many matches, the
    first the index finds, are ranked: a common word's thousands of matches cost most of a search to
    rank, and a page showing the best few does not need all of them (counts and further pages use the
    whole set)."""
    groups = query_groups(query)
    if not groups:
        return None
    if db.engine.dialect.name == "postgresql":
        sql, params = _postgres_matches(groups, kind)
    else:
        sql, params = _sqlite_matches(groups, kind)
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


def _any_of(group: list[list[str]], fragment_sql) -> str:
    return "(" + " OR ".join("(" + " AND ".join(fragment_sql(fragment) for fragment in alternative) + ")"
                             for alternative in group) + ")"


def _sqlite_matches(groups: list[list[list[str]]], kind: DocumentKind) -> tuple[str, dict]:
    params = {"kind": kind.value}

    def like(fragment: str) -> str:
        name = f"t{len(params)}"
        params[name] = _like_pattern(fragment)
        # SQLite's LIKE ignores ASCII case by itself; leaving out lower() and the concatenation halves a scan.
        return " OR ".join(f"d.{column} LIKE :{name} ESCAPE '\\'" for column in ("title", "body", "terms"))

    def phrase(fragment: str) -> str:
        return '"' + fragment.replace('"', '""') + '"'

    indexed = [group for group in groups if all(len(fragment) >= TRIGRAM for alt in group for fragment in alt)]
    scanned = [group for group in groups if group not in indexed]
    if indexed:
        params["match"] = " AND ".join(_any_of(group, phrase) for group in indexed)
        # bm25 is smaller for better matches; a title match weighs ten times a body match, the terms five.
        sql = ("SELECT d.item_id AS item_id, -bm25(search_fts, 10.0, 1.0, 5.0) AS rank FROM search_fts"
               " JOIN search_documents d ON d.id = search_fts.rowid"
               " WHERE search_fts MATCH :match AND d.kind = :kind")
    else:
        params["title"] = _like_pattern(" ".join(group[0][0] for group in groups))
        sql = ("SELECT d.item_id AS item_id, CASE WHEN d.title LIKE :title ESCAPE '\\' THEN 2.0 ELSE 1.0 END"
               " AS rank FROM search_documents d WHERE d.kind = :kind")
    sql += "".join(f" AND {_any_of(group, lambda fragment: '(' + like(fragment) + ')')}" for group in scanned)
    return sql, params


def _postgres_matches(groups: list[list[list[str]]], kind: DocumentKind) -> tuple[str, dict]:
    plain = " ".join(fragment for group in groups for fragment in group[0])
    params = {"kind": kind.value, "query": plain.replace(PAIR_MARK, "")}

    def like(fragment: str) -> str:
        name = f"t{len(params)}"
        params[name] = _like_pattern(fragment)
        # Written out so the expression is exactly that of the indexes in migration 0015.
        return f"lower(d.title || ' ' || d.body || ' ' || d.terms) LIKE :{name}"

    sql = ("SELECT d.item_id AS item_id,"
           # Ranked on the titles alone: a tsvector of every matching body costs most of a common word's search,
           # and one of the terms (pinyin and all) doubled the cost of ranking; finding the query there is cheap.
           " ts_rank(to_tsvector('simple', d.title), plainto_tsquery('simple', :query))"
           " + similarity(lower(d.title), :query) * 2"
           " + CASE WHEN strpos(lower(d.terms), :query) > 0 THEN 0.5 ELSE 0 END AS rank"
           " FROM search_documents d WHERE d.kind = :kind AND " + " AND ".join(_any_of(group, like) for group in groups))
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


def shown_price():
    """SQL: the price a product's card shows, its lowest price in any shop when below the suggested one."""
    lowest = lowest_listing_price_sql()
    return case((lowest < Product.suggested_price, lowest), else_=Product.suggested_price)


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
        "price-low": [shown_price().asc()],
        "price-high": [shown_price().desc()],
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


# When a search finds nothing

SPELLING_CANDIDATES = 2000
MAX_SPELLINGS = 3


def _close_words(piece: str) -> list[str]:
    """Vocabulary words spelt like `piece`, closest first. Only words of about its length starting with
    its first character are compared: a slip of the first letter is rare."""
    if piece in known_words([piece]):
        return [piece]
    candidates = list(db.session.scalars(
        select(SearchWord.word).where(SearchWord.word.startswith(piece[0], autoescape=True),
                                      func.length(SearchWord.word).between(len(piece) - 2, len(piece) + 2))
        .limit(SPELLING_CANDIDATES)))
    cutoff = 0.6 if CJK_RUN.fullmatch(piece) else 0.75
    return difflib.get_close_matches(piece, candidates, n=MAX_SPELLINGS, cutoff=cutoff)


def known_words(words: list[str]) -> set[str]:
    return set(db.session.scalars(select(SearchWord.word).where(SearchWord.word.in_(words))))


def did_you_mean(query: str) -> list[str]:
    """Up to three queries spelt like `query` from words of indexed titles, each of which finds something
    the public may see."""
    pieces = terms_of(query)
    if not pieces or any(len(piece) < 2 for piece in pieces):
        return []
    choices = [_close_words(piece) or [piece] for piece in pieces]
    spellings = []
    for rank in range(MAX_SPELLINGS):
        spelling = " ".join(words[min(rank, len(words) - 1)] for words in choices)
        if spelling not in spellings and spelling != " ".join(pieces):
            spellings.append(spelling)
    return [spelling for spelling in spellings if _finds_something(spelling)]


def _finds_something(query: str) -> bool:
    """Whether the public may see one of the first matches the index finds (enough for a suggestion)."""
    found = matches(query, DocumentKind.PRODUCT, candidates=50)
    product = db.session.scalar(select(Product.id).join(found, found.c.item_id == Product.id)
                                .join(Product.supplier).where(*public_product_conditions()).limit(1))
    return product is not None or bool(search_prototypes(query, limit=1, candidates=50))


def popular_categories(limit: int = 6) -> list[Category]:
    """The top-level categories with the most products the public may see (the catalog's own counts)."""
    everything = CatalogFilters()
    counts = Facets.from_json(remembered(f"catalog-facets:{everything.cache_key()}",
                                         current_app.config["CATALOG_COUNT_SECONDS"],
                                         lambda: _facets(everything, None).to_json())).categories
    tops = db.session.scalars(select(Category).where(Category.parent_id.is_(None), Category.id.in_(counts)))
    return sorted(tops, key=lambda category: (-counts[category.id], category.position, category.id))[:limit]
