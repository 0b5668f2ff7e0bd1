"""share links remember the language they were made in, for their link previews

Revision ID: 0020
Revises: 0013
Create Date: 2026-12-01 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0015'
branch_labels = None
depends_on = None


# resolve_fks=False: do not reflect users, whose expression index SQLite reflection cannot read.
def upgrade():
    with op.batch_alter_table('share_links', schema=None, reflect_kwargs={"resolve_fks": False}) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('share_links', schema=None, reflect_kwargs={"resolve_fks": False}) as batch_op:
        batch_op.drop_column('locale')
