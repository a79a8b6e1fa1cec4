"""sessions by client and status: ending a browser's active session reads only that row

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 08:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sessions') as batch_op:
        batch_op.create_index('ix_sessions_client_id_status', ['client_id', 'status'])
        batch_op.drop_index('ix_sessions_client_id')


def downgrade():
    with op.batch_alter_table('sessions') as batch_op:
        batch_op.create_index('ix_sessions_client_id', ['client_id'])
        batch_op.drop_index('ix_sessions_client_id_status')
