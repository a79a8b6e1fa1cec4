"""address quotas: a row per address emailed lately, written first to serialise its quota check

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 05:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('address_quotas',
    sa.Column('normalized', sa.String(length=320), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('normalized', name=op.f('pk_address_quotas'))
    )


def downgrade():
    op.drop_table('address_quotas')
