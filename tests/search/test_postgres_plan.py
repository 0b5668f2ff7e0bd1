"""On PostgreSQL the search uses its trigram index instead of reading every document."""
import pytest
from sqlalchemy import insert, select, text

from blueprints.search.models import DocumentKind, SearchDocument
from blueprints.search.services import _through_the_index, matches
from extensions import db

pytestmark = pytest.mark.postgresql


def test_a_selective_search_reads_the_trigram_index_not_the_whole_table(ctx):
    words = ["linen", "bamboo", "teapot", "canvas", "porcelain", "围巾", "笔记本"]
    db.session.execute(insert(SearchDocument), [
        {"kind": DocumentKind.PRODUCT, "item_id": n,
         "title": ("不锈钢保温杯 " if n % 2000 == 0 else "") + ("Porcelain Gaiwan " if n % 1500 == 7 else "")
         + f"{words[n % len(words)]} item {n}",
         "body": f"description {words[(n * 3) % len(words)]}"} for n in range(20_000)])
    db.session.commit()
    # As autovacuum would: VACUUM also brings the GIN index's own statistics up to date.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE search_documents"))
    for query in ("保温杯", "gaiwan", "GAIWAN porcelain"):
        compiled = select(matches(query, DocumentKind.PRODUCT).c.item_id).compile(db.engine)
        plan = "\n".join(row[0] for row in db.session.connection().exec_driver_sql(
            "EXPLAIN " + str(compiled), compiled.params))
        assert "ix_search_documents_text_trgm" in plan and "Seq Scan" not in plan, plan


def test_the_search_pages_candidates_of_a_common_word_come_through_the_index(ctx):
    db.session.execute(insert(SearchDocument), [
        {"kind": DocumentKind.PROTOTYPE if n % 20 == 0 else DocumentKind.PRODUCT, "item_id": n,
         "title": f"{'bamboo' if n % 10 == 0 else 'linen'} item {n}", "body": "a long description " * 12}
        for n in range(20_000)])
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE search_documents"))
    _through_the_index()
    for kind, index in ((DocumentKind.PRODUCT, "ix_search_documents_text_trgm "),
                        (DocumentKind.PROTOTYPE, "ix_search_documents_text_trgm_prototypes ")):
        compiled = select(matches("bamboo", kind, candidates=500).c.item_id).compile(db.engine)
        plan = "\n".join(row[0] for row in db.session.connection().exec_driver_sql(
            "EXPLAIN " + str(compiled), compiled.params))
        assert index in plan and "Seq Scan" not in plan, plan
