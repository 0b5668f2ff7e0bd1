"""accounts: server-side sign-ins, single-use email tokens, time zones, default addresses, account emails

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 22:47:16.026680

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

KINDS = ('order_updates', 'replies', 'supported', 'keywords', 'shop_news', 'recommended', 'digest')
WITH_ACCOUNT = KINDS + ('account',)


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
    op.create_table('account_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('new_email', sa.String(length=254), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_account_tokens_token_hash'))
    )
    with op.batch_alter_table('account_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('auth_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('remember', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auth_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_auth_sessions_token_hash'))
    )
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_sessions_user_id'), ['user_id'], unique=False)

    # Plain ADD COLUMN works on SQLite too, without rebuilding (and reflecting) the tables.
    op.add_column('addresses', sa.Column('is_default', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('users', sa.Column('time_zone', sa.String(length=64), nullable=True))
    op.add_column('users', sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))

    change_kinds(KINDS, WITH_ACCOUNT)


def downgrade():
    op.execute("DELETE FROM outbox_emails WHERE kind = 'account'")
    change_kinds(WITH_ACCOUNT, KINDS)
    # SQLite 3.35+ drops a plain column in place.
    op.drop_column('users', 'deleted_at')
    op.drop_column('users', 'time_zone')
    op.drop_column('addresses', 'is_default')

    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_sessions_user_id'))

    op.drop_table('auth_sessions')
    with op.batch_alter_table('account_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_tokens_user_id'))

    op.drop_table('account_tokens')
