"""search documents carry their titles' normal forms (English, stems, pinyin, initials); a vocabulary of title words

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 02:50:00

The new `terms` column starts empty, so search works as before until `flask reindex` fills it (the
normal forms come from jieba, pypinyin and Snowball, which a migration must not call: its result would
change when they do).
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

COLUMNS = {"old": "title, body", "new": "title, body, terms"}


def sqlite_index(columns):
    values = ", ".join(f"new.{column.strip()}" for column in columns.split(","))
    old_values = ", ".join(f"old.{column.strip()}" for column in columns.split(","))
    op.execute(f"CREATE VIRTUAL TABLE search_fts USING fts5({columns}, content='search_documents',"
               " content_rowid='id', tokenize='trigram')")
    op.execute(f"""CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
         INSERT INTO search_fts(rowid, {columns}) VALUES (new.id, {values}); END""")
    op.execute(f"""CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
         INSERT INTO search_fts(search_fts, rowid, {columns}) VALUES ('delete', old.id, {old_values}); END""")
    op.execute(f"""CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
         INSERT INTO search_fts(search_fts, rowid, {columns}) VALUES ('delete', old.id, {old_values});
         INSERT INTO search_fts(rowid, {columns}) VALUES (new.id, {values}); END""")
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")


def drop_sqlite_index():
    for name in ('search_documents_ai', 'search_documents_ad', 'search_documents_au'):
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE search_fts")


def postgres_indexes(text):
    op.execute("DROP INDEX ix_search_documents_text_trgm")
    op.execute("DROP INDEX ix_search_documents_text_trgm_prototypes")
    op.execute(f"CREATE INDEX ix_search_documents_text_trgm ON search_documents USING gin (lower({text}) gin_trgm_ops)")
    op.execute(f"CREATE INDEX ix_search_documents_text_trgm_prototypes ON search_documents USING gin "
               f"(lower({text}) gin_trgm_ops) WHERE kind = 'prototype'")


def upgrade():
    op.create_table('search_words',
    sa.Column('word', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('word', name=op.f('pk_search_words'))
    )
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        drop_sqlite_index()
    op.add_column('search_documents', sa.Column('terms', sa.Text(), server_default='', nullable=False))
    if sqlite:
        sqlite_index(COLUMNS["new"])
    else:
        postgres_indexes("title || ' ' || body || ' ' || terms")


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        drop_sqlite_index()
    else:
        postgres_indexes("(title::text || ' ') || body")
    with op.batch_alter_table('search_documents') as batch_op:
        batch_op.drop_column('terms')
    if sqlite:
        sqlite_index(COLUMNS["old"])
    op.drop_table('search_words')
