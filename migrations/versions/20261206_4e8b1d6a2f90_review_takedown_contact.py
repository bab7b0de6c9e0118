"""review, takedown and contact: a site admin approves a campaign before it is frozen, may take
it down with a public notice; the organizer may show a contact address

Revision ID: 4e8b1d6a2f90
Revises: 5d7e3b9c1a48
Create Date: 2026-12-06 05:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '4e8b1d6a2f90'
down_revision = '5d7e3b9c1a48'
branch_labels = None
depends_on = None

OLD_STATES = "'draft', 'ceremony', 'open', 'revealed', 'closed', 'expired'"
NEW_STATES = OLD_STATES + ", 'taken-down'"


def upgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_address', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('approved_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('review_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('taken_down_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('takedown_notice', sa.Text(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_campaigns_approved_by_id_users'), 'users', ['approved_by_id'], ['id'])
        batch_op.drop_constraint(op.f('ck_campaigns_campaign_state'), type_='check')
    # Every campaign frozen before review existed counts as approved at its freeze.
    op.execute("UPDATE campaigns SET submitted_at = frozen_at, approved_at = frozen_at WHERE state <> 'draft'")
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_campaigns_campaign_state'), f"state IN ({NEW_STATES})")
        batch_op.create_check_constraint(op.f('ck_campaigns_approved_after_submitted'),
                                         'approved_at IS NULL OR submitted_at IS NOT NULL')
        batch_op.create_check_constraint(op.f('ck_campaigns_approved_before_freeze'),
                                         "state = 'draft' OR approved_at IS NOT NULL")
        batch_op.create_check_constraint(
            op.f('ck_campaigns_takedown_complete'),
            "(state = 'taken-down') = (taken_down_at IS NOT NULL AND takedown_notice IS NOT NULL)")


def downgrade():
    op.execute("UPDATE campaigns SET state = 'expired' WHERE state = 'taken-down'")
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_campaigns_takedown_complete'), type_='check')
        batch_op.drop_constraint(op.f('ck_campaigns_approved_before_freeze'), type_='check')
        batch_op.drop_constraint(op.f('ck_campaigns_approved_after_submitted'), type_='check')
        batch_op.drop_constraint(op.f('ck_campaigns_campaign_state'), type_='check')
        batch_op.drop_constraint(op.f('fk_campaigns_approved_by_id_users'), type_='foreignkey')
        batch_op.drop_column('takedown_notice')
        batch_op.drop_column('taken_down_at')
        batch_op.drop_column('review_note')
        batch_op.drop_column('approved_by_id')
        batch_op.drop_column('approved_at')
        batch_op.drop_column('submitted_at')
        batch_op.drop_column('contact_address')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_campaigns_campaign_state'), f"state IN ({OLD_STATES})")
