"""co-design that keeps its promises: my-activity notifications, one poll per variant option, closed polls,
goal reached and void pledges

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 23:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

OLD_KINDS = ('order_updates', 'replies', 'supported', 'keywords', 'shop_news', 'recommended', 'digest', 'account')
NEW_KINDS = OLD_KINDS + ('activity',)


def kind_type(kinds):
    return sa.Enum(*kinds, name='notification_kind', native_enum=False, create_constraint=True, length=16)


def change_kinds(kinds_from, kinds_to):
    """The notification kinds are a CHECK constraint; SQLite rebuilds the tables, PostgreSQL swaps the constraint."""
    for table in ('notifications', 'notification_preferences', 'outbox_emails'):
        if op.get_bind().dialect.name == 'sqlite':
            with op.batch_alter_table(table, reflect_kwargs={"resolve_fks": False}) as batch_op:
                batch_op.alter_column('kind', existing_type=kind_type(kinds_from), type_=kind_type(kinds_to))
        else:
            op.drop_constraint(op.f(f'ck_{table}_notification_kind'), table, type_='check')
            op.create_check_constraint('notification_kind', table, sa.column('kind').in_(kinds_to))


def upgrade():
    change_kinds(OLD_KINDS, NEW_KINDS)
    with op.batch_alter_table('prototypes', reflect_kwargs={"resolve_fks": False}) as batch_op:
        batch_op.add_column(sa.Column('goal_reached_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pledges_voided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pledge_reminder_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('support_goals', sa.String(length=100), server_default='', nullable=False))
    with op.batch_alter_table('polls', reflect_kwargs={"resolve_fks": False}) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('asks', reflect_kwargs={"resolve_fks": False}) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_asks_merged_into_id', ['merged_into_id'])
        batch_op.create_foreign_key('fk_asks_merged_into_id_asks', 'asks', ['merged_into_id'], ['id'])
    # Before this, a second poll on the same option was allowed (and launch kept the last): keep the first.
    op.execute("UPDATE polls SET variant_option = NULL WHERE variant_option IS NOT NULL AND EXISTS ("
               "SELECT 1 FROM polls AS earlier WHERE earlier.prototype_id = polls.prototype_id"
               " AND earlier.variant_option = polls.variant_option AND earlier.id < polls.id)")
    op.create_index('uq_polls_prototype_variant_option', 'polls', ['prototype_id', 'variant_option'], unique=True,
                    sqlite_where=sa.text('variant_option IS NOT NULL'),
                    postgresql_where=sa.text('variant_option IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('asks', reflect_kwargs={"resolve_fks": False}) as batch_op:
        batch_op.drop_constraint('fk_asks_merged_into_id_asks', type_='foreignkey')
        batch_op.drop_index('ix_asks_merged_into_id')
        batch_op.drop_column('merged_into_id')
    op.drop_index('uq_polls_prototype_variant_option', table_name='polls')
    with op.batch_alter_table('polls', reflect_kwargs={"resolve_fks": False}) as batch_op:
        batch_op.drop_column('closed_at')
    with op.batch_alter_table('prototypes', reflect_kwargs={"resolve_fks": False}) as batch_op:
        batch_op.drop_column('support_goals')
        batch_op.drop_column('pledge_reminder_sent_at')
        batch_op.drop_column('pledges_voided_at')
        batch_op.drop_column('goal_reached_at')
    op.execute("DELETE FROM notifications WHERE kind = 'activity'")
    op.execute("DELETE FROM notification_preferences WHERE kind = 'activity'")
    op.execute("DELETE FROM outbox_emails WHERE kind = 'activity'")
    change_kinds(NEW_KINDS, OLD_KINDS)
