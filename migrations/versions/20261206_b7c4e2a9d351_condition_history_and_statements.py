"""condition history and statements: every judgement of a condition at a lab is kept and
published as a condition leaf; revealed signers' signed statements wait for the next batch

Revision ID: b7c4e2a9d351
Revises: c5d8f1b3e624
Create Date: 2026-12-06 05:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7c4e2a9d351'
down_revision = 'c5d8f1b3e624'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('condition_judgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('condition_id', sa.Integer(), nullable=False),
    sa.Column('lab_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('evidence_url', sa.String(length=500), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('leaf_index', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('met', 'not-met', 'partly')", name=op.f('ck_condition_judgements_judgement_status')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_condition_judgements_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['condition_id'], ['conditions.id'], name=op.f('fk_condition_judgements_condition_id_conditions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lab_id'], ['labs.id'], name=op.f('fk_condition_judgements_lab_id_labs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_condition_judgements'))
    )
    with op.batch_alter_table('condition_judgements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_condition_judgements_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('nullifier', sa.LargeBinary(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('stance', sa.String(length=16), nullable=False),
    sa.Column('signature', sa.LargeBinary(length=64), nullable=False),
    sa.Column('leaf_index', sa.Integer(), nullable=True),
    sa.CheckConstraint("stance IN ('withholding', 'stopped')", name=op.f('ck_statements_statement_stance')),
    sa.CheckConstraint('seq >= 0', name=op.f('ck_statements_statement_seq_nonnegative')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_statements_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statements')),
    sa.UniqueConstraint('campaign_id', 'nullifier', 'seq', name=op.f('uq_statements_campaign_id_nullifier_seq'))
    )
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statements_campaign_id'), ['campaign_id'], unique=False)

    # Every status recorded so far becomes the first judgement of its history, published with
    # the next batch like any other.
    op.execute(
        "INSERT INTO condition_judgements (campaign_id, condition_id, lab_id, status, decided_on, evidence_url, note) "
        "SELECT campaign_id, condition_id, lab_id, CASE WHEN met THEN 'met' ELSE 'not-met' END, decided_on, "
        "evidence_url, '' FROM condition_statuses ORDER BY campaign_id, condition_id, lab_id")
    op.drop_table('condition_statuses')


def downgrade():
    op.create_table('condition_statuses',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('condition_id', sa.Integer(), nullable=False),
    sa.Column('lab_id', sa.Integer(), nullable=False),
    sa.Column('met', sa.Boolean(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('evidence_url', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_condition_statuses_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['condition_id'], ['conditions.id'], name=op.f('fk_condition_statuses_condition_id_conditions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lab_id'], ['labs.id'], name=op.f('fk_condition_statuses_lab_id_labs')),
    sa.PrimaryKeyConstraint('campaign_id', 'condition_id', 'lab_id', name=op.f('pk_condition_statuses'))
    )
    # The latest judgement of each condition at each lab ("partly" reads as not met).
    op.execute(
        "INSERT INTO condition_statuses (campaign_id, condition_id, lab_id, met, decided_on, evidence_url) "
        "SELECT j.campaign_id, j.condition_id, j.lab_id, j.status = 'met', j.decided_on, j.evidence_url "
        "FROM condition_judgements j WHERE j.id = (SELECT MAX(k.id) FROM condition_judgements k "
        "WHERE k.campaign_id = j.campaign_id AND k.condition_id = j.condition_id AND k.lab_id = j.lab_id)")
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statements_campaign_id'))
    op.drop_table('statements')
    with op.batch_alter_table('condition_judgements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_condition_judgements_campaign_id'))
    op.drop_table('condition_judgements')
