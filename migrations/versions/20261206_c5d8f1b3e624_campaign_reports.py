"""campaign reports: the public may report a campaign to the site admins; a campaign taken down
during its key ceremony (never launched) may be in the taken-down state

Revision ID: c5d8f1b3e624
Revises: a1b2c3d4e517
Create Date: 2026-12-06 06:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c5d8f1b3e624'
down_revision = 'a1b2c3d4e517'
branch_labels = None
depends_on = None


LAUNCHED_WHEN_OPEN = "state IN ('draft', 'ceremony') OR launched_at IS NOT NULL"
# A campaign taken down during its key ceremony was never launched.
LAUNCHED_WHEN_OPEN_NEW = "state IN ('draft', 'ceremony', 'taken-down') OR launched_at IS NOT NULL"


def upgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_campaigns_launched_when_open'), type_='check')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_campaigns_launched_when_open'), LAUNCHED_WHEN_OPEN_NEW)
    op.create_table('campaign_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=254), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("reason IN ('misleading', 'impersonation', 'harassment', 'spam', 'other')",
                       name=op.f('ck_campaign_reports_reason_known')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_reports_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_campaign_reports_handled_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_reports'))
    )
    with op.batch_alter_table('campaign_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_reports_campaign_id'), ['campaign_id'], unique=False)


def downgrade():
    with op.batch_alter_table('campaign_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_reports_campaign_id'))
    op.drop_table('campaign_reports')
    # The older schema has no never-launched takedown: such a campaign counts as launched at its takedown.
    op.execute("UPDATE campaigns SET launched_at = taken_down_at WHERE state = 'taken-down' AND launched_at IS NULL")
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_campaigns_launched_when_open'), type_='check')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_campaigns_launched_when_open'), LAUNCHED_WHEN_OPEN)
