"""head cosignatures: witnesses' cosignatures over signed tree heads

Revision ID: 7c1e5a9b3d42
Revises: ed0c2877913a
Create Date: 2026-12-05 13:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c1e5a9b3d42'
down_revision = 'ed0c2877913a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('head_cosignatures',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('batch', sa.Integer(), nullable=False),
    sa.Column('witness_key', sa.LargeBinary(length=32), nullable=False),
    sa.Column('signature', sa.LargeBinary(length=64), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_head_cosignatures_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['campaign_id', 'batch'], ['tree_heads.campaign_id', 'tree_heads.batch'], name=op.f('fk_head_cosignatures_campaign_id_tree_heads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'batch', 'witness_key', name=op.f('pk_head_cosignatures'))
    )


def downgrade():
    op.drop_table('head_cosignatures')
