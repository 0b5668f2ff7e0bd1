import enum
from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from blueprints.columns import UTCDateTime, string_enum, utcnow
from extensions import db


class DocumentKind(enum.StrEnum):
    PRODUCT = "product"
    PROTOTYPE = "prototype"


class SearchDocument(db.Model):
    """The searchable text of one public product or prototype. SQLite indexes it with an FTS5
    trigram table kept in step by triggers; PostgreSQL with pg_trgm and a tsvector (migration 0006)."""
    __tablename__ = "search_documents"
    __table_args__ = (UniqueConstraint("kind", "item_id", name="uq_search_documents_kind_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(string_enum(DocumentKind, "document_kind"))
    item_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text)
    # The titles' other forms (their English, stems, pinyin and initials): matched like the title, ranked near it.
    terms: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SearchWord(db.Model):
    """A word of some indexed title: what a Chinese query is cut into, and what a search that finds
    nothing suggests instead. Words are only added; a stale one is harmless, since a suggestion is
    offered only when it finds something."""
    __tablename__ = "search_words"

    word: Mapped[str] = mapped_column(String(64), primary_key=True)


# The engine-specific index (migration 0006) lives outside the models; autogenerate must not drop it.
INDEX_OBJECTS_OUTSIDE_MODELS = ("search_fts", "ix_search_documents_text_trgm", "ix_search_documents_tsv")


def described_by_models(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object hook."""
    return not (reflected and name and name.startswith(INDEX_OBJECTS_OUTSIDE_MODELS))
