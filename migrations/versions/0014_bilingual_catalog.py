"""a bilingual catalog: English beside the 简体中文 text of products, variants, prototypes, polls, shops, suppliers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 02:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# (table, column, type); every English column may stay empty, so existing rows need no backfill.
ENGLISH_COLUMNS = (
    ('products', 'title_en', sa.String(length=160)),
    ('products', 'description_en', sa.Text()),
    ('prototypes', 'title_en', sa.String(length=160)),
    ('prototypes', 'description_en', sa.Text()),
    ('prototypes', 'specs_en', sa.Text()),
    ('polls', 'question_en', sa.String(length=200)),
    ('poll_options', 'label_en', sa.String(length=80)),
    ('shops', 'name_en', sa.String(length=80)),
    ('shops', 'tagline_en', sa.String(length=160)),
    ('suppliers', 'name_en', sa.String(length=120)),
    ('suppliers', 'description_en', sa.Text()),
)


def upgrade():
    # add_column outside batch mode: SQLite adds a column with a constant default in place, so no table is
    # copied and no expression index is lost.
    for table, column, type_ in ENGLISH_COLUMNS:
        op.add_column(table, sa.Column(column, type_, nullable=False, server_default=''))
    op.add_column('variants', sa.Column('options_en', sa.JSON(), nullable=False, server_default='{}'))


def downgrade():
    # resolve_fks=False: do not reflect users, whose expression index SQLite reflection cannot read.
    with op.batch_alter_table('variants', schema=None, reflect_kwargs={"resolve_fks": False}) as batch_op:
        batch_op.drop_column('options_en')
    for table in dict.fromkeys(table for table, _column, _type in reversed(ENGLISH_COLUMNS)):
        with op.batch_alter_table(table, schema=None, reflect_kwargs={"resolve_fks": False}) as batch_op:
            for column in [column for t, column, _type in ENGLISH_COLUMNS if t == table]:
                batch_op.drop_column(column)
