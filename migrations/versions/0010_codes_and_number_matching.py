"""a code beside every link and number matching across devices (SPEC §10)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 21:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempts') as batch_op:
        batch_op.add_column(
            sa.Column('code_failures', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(sa.Column('last_code_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('match_number', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('closed_reason', sa.String(length=20), nullable=True))
        batch_op.create_index(
            'ix_attempts_normalized_last_code_at', ['normalized', 'last_code_at'], unique=False
        )
    with op.batch_alter_table('email_links') as batch_op:
        batch_op.add_column(sa.Column('code_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('email_links') as batch_op:
        batch_op.drop_column('code_hash')
    with op.batch_alter_table('attempts') as batch_op:
        batch_op.drop_index('ix_attempts_normalized_last_code_at')
        batch_op.drop_column('closed_reason')
        batch_op.drop_column('match_number')
        batch_op.drop_column('last_code_at')
        batch_op.drop_column('code_failures')
