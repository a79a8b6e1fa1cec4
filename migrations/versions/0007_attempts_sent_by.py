"""attempts sent by an admin: an address verification an admin sent may be opened anywhere

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempts') as batch_op:
        batch_op.add_column(sa.Column('sent_by', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('attempts') as batch_op:
        batch_op.drop_column('sent_by')
