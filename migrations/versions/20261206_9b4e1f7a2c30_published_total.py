"""published total: the live entries of the last published batch, republished after round 1
froze (the per-lab counts are not)

Revision ID: 9b4e1f7a2c30
Revises: 3f8a2c6d1e07
Create Date: 2026-12-05 18:35:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9b4e1f7a2c30'
down_revision = '3f8a2c6d1e07'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_total', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('published_total')
