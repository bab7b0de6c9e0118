"""entry openings: each entry's lab opening, kept sealed until its reveal

Revision ID: 3f8a2c6d1e07
Revises: 7c1e5a9b3d42
Create Date: 2026-12-05 17:45:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3f8a2c6d1e07'
down_revision = '7c1e5a9b3d42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opening', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('entries', schema=None) as batch_op:
        batch_op.drop_column('opening')
