"""quota per requester: each outbox row says which mailbox and which requester it counts against

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 19:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.add_column(sa.Column('quota_address', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('requester', sa.String(length=128), nullable=True))
    # Emails sent before the upgrade still count towards their address's overall cap (their
    # requester is unknown, so towards no requester's own quota).
    op.execute('UPDATE outbox SET quota_address = to_normalized')
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.create_index('ix_outbox_quota_address_created_at', ['quota_address', 'created_at'])
        batch_op.drop_index('ix_outbox_to_normalized_created_at')


def downgrade():
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.create_index('ix_outbox_to_normalized_created_at', ['to_normalized', 'created_at'])
        batch_op.drop_index('ix_outbox_quota_address_created_at')
        batch_op.drop_column('requester')
        batch_op.drop_column('quota_address')
