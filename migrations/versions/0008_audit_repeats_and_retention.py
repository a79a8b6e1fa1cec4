"""audit repeats and retention: a repeated rejection counts on one row; indexes for cleanup by age

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 19:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events') as batch_op:
        batch_op.add_column(sa.Column('times', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('last_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_audit_events_created_at', ['created_at'])
        batch_op.create_index('ix_audit_events_fingerprint', ['fingerprint'], unique=True)
    with op.batch_alter_table('clients') as batch_op:
        batch_op.create_index('ix_clients_created_at', ['created_at'])


def downgrade():
    with op.batch_alter_table('clients') as batch_op:
        batch_op.drop_index('ix_clients_created_at')
    with op.batch_alter_table('audit_events') as batch_op:
        batch_op.drop_index('ix_audit_events_fingerprint')
        batch_op.drop_index('ix_audit_events_created_at')
        batch_op.drop_column('fingerprint')
        batch_op.drop_column('last_at')
        batch_op.drop_column('times')
