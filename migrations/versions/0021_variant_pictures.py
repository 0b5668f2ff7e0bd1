"""a variant may point at its product's picture of it, shown first when a buyer chooses that variant

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 03:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


# resolve_fks=False: do not reflect users, whose expression index SQLite reflection cannot read.
def upgrade():
    with op.batch_alter_table('variants', schema=None, reflect_kwargs={"resolve_fks": False}) as batch_op:
        batch_op.add_column(sa.Column('image_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_variants_image_id_product_images'), 'product_images',
                                    ['image_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('variants', schema=None, reflect_kwargs={"resolve_fks": False}) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_variants_image_id_product_images'), type_='foreignkey')
        batch_op.drop_column('image_id')
