"""a trigram index of prototypes alone, for searching prototypes on PostgreSQL

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 20:55:00

"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Prototypes are one document in twenty: through the index of every document, a common word's product
# matches are all read and thrown away to find them. SQLite's FTS5 table has no partial form; it keeps one.
INDEX = "ix_search_documents_text_trgm_prototypes"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX {INDEX} ON search_documents USING gin "
                   "(lower((title::text || ' ') || body) gin_trgm_ops) WHERE kind = 'prototype'")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX {INDEX}")
