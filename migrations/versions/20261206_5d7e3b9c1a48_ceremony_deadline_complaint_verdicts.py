"""ceremony deadline and complaint verdicts: ceremony_days and the deadline set at freeze; each
complaint's answer deadline and verdict; the accused's answers; the archive of ended runs

Revision ID: 5d7e3b9c1a48
Revises: 5c7d2e9a4b18
Create Date: 2026-12-06 01:45:00.000000

"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5d7e3b9c1a48'
down_revision = '5c7d2e9a4b18'
branch_labels = None
depends_on = None


CEREMONY_DAYS_CHECK = 'ceremony_days >= 1 AND ceremony_days <= 30'


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def upgrade():
    if _sqlite():
        # Plain ALTER TABLE: a batch rebuild of campaigns would drop the table, and with foreign
        # keys on, SQLite's implicit DELETE would cascade to every row that references it.
        op.execute("ALTER TABLE campaigns ADD COLUMN ceremony_days INTEGER DEFAULT '7' NOT NULL "
                   f"CONSTRAINT ck_campaigns_ceremony_days_in_range CHECK ({CEREMONY_DAYS_CHECK})")
        op.execute("ALTER TABLE campaigns ADD COLUMN ceremony_deadline DATETIME")
    else:
        with op.batch_alter_table('campaigns', schema=None) as batch_op:
            batch_op.add_column(sa.Column('ceremony_days', sa.Integer(), server_default='7', nullable=False))
            batch_op.add_column(sa.Column('ceremony_deadline', sa.DateTime(), nullable=True))
            batch_op.create_check_constraint(op.f('ck_campaigns_ceremony_days_in_range'), CEREMONY_DAYS_CHECK)
    # A campaign frozen before this change gets the default seven days from its freeze.
    campaigns = sa.table('campaigns', sa.column('id', sa.Integer()), sa.column('frozen_at', sa.DateTime()),
                         sa.column('manifest', sa.Text()), sa.column('ceremony_deadline', sa.DateTime()))
    connection = op.get_bind()
    for row in connection.execute(sa.select(campaigns.c.id, campaigns.c.frozen_at).where(
            campaigns.c.manifest.is_not(None), campaigns.c.frozen_at.is_not(None))).all():
        connection.execute(campaigns.update().where(campaigns.c.id == row.id)
                           .values(ceremony_deadline=row.frozen_at + timedelta(days=7)))

    # Complaints resolved under the old rule belong to boards already cleared.
    op.execute("DELETE FROM ceremony_complaints WHERE resolved_at IS NOT NULL")
    with op.batch_alter_table('ceremony_complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('at_fault_seat', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('verdict', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(), nullable=True))
        batch_op.drop_column('resolved_at')
    op.execute("UPDATE ceremony_complaints SET answer_due_at = filed_at")
    with op.batch_alter_table('ceremony_complaints', schema=None) as batch_op:
        batch_op.alter_column('answer_due_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.create_unique_constraint(op.f('uq_ceremony_complaints_campaign_id_complainant_seat_accused_seat'),
                                          ['campaign_id', 'complainant_seat', 'accused_seat'])
        batch_op.create_check_constraint(op.f('ck_ceremony_complaints_not_against_oneself'), 'complainant_seat <> accused_seat')
        batch_op.create_check_constraint(op.f('ck_ceremony_complaints_verdict_complete'), '(at_fault_seat IS NULL) = (decided_at IS NULL)')

    op.create_table(
        'ceremony_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('dealer_seat', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_ceremony_answers_campaign_id_campaigns'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ceremony_answers')),
    )
    with op.batch_alter_table('ceremony_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ceremony_answers_campaign_id'), ['campaign_id'], unique=False)
    op.create_table(
        'ceremony_archives',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('ctx', sa.LargeBinary(length=32), nullable=False),
        sa.Column('package', sa.Text(), nullable=False),
        sa.Column('board', sa.Text(), nullable=False),
        sa.Column('outcome', sa.Text(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_ceremony_archives_campaign_id_campaigns'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ceremony_archives')),
    )
    with op.batch_alter_table('ceremony_archives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ceremony_archives_campaign_id'), ['campaign_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ceremony_archives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ceremony_archives_campaign_id'))
    op.drop_table('ceremony_archives')
    with op.batch_alter_table('ceremony_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ceremony_answers_campaign_id'))
    op.drop_table('ceremony_answers')
    with op.batch_alter_table('ceremony_complaints', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ceremony_complaints_verdict_complete'), type_='check')
        batch_op.drop_constraint(op.f('ck_ceremony_complaints_not_against_oneself'), type_='check')
        batch_op.drop_constraint(op.f('uq_ceremony_complaints_campaign_id_complainant_seat_accused_seat'), type_='unique')
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(), nullable=True))
        batch_op.drop_column('decided_at')
        batch_op.drop_column('verdict')
        batch_op.drop_column('at_fault_seat')
        batch_op.drop_column('answer_due_at')
    # A rebuilt campaigns table keeps its rows' references: the migration environment turns
    # SQLite's foreign keys off while migrating.
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_campaigns_ceremony_days_in_range'), type_='check')
        batch_op.drop_column('ceremony_deadline')
        batch_op.drop_column('ceremony_days')
