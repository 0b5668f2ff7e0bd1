"""indexes for the hot pages: catalog and home, storefronts, prototype deadlines

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 17:00:00

"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE INDEX needs no batch mode on SQLite.
    op.create_index('ix_products_status_created_at_id', 'products', ['status', 'created_at', 'id'])
    op.create_index('ix_listings_shop_id_position_id', 'listings', ['shop_id', 'position', 'id'])
    op.create_index('ix_shops_created_at', 'shops', ['created_at'])
    op.create_index('ix_prototypes_stage_deadline', 'prototypes', ['stage', 'deadline'])


def downgrade():
    op.drop_index('ix_prototypes_stage_deadline', table_name='prototypes')
    op.drop_index('ix_shops_created_at', table_name='shops')
    op.drop_index('ix_listings_shop_id_position_id', table_name='listings')
    op.drop_index('ix_products_status_created_at_id', table_name='products')
