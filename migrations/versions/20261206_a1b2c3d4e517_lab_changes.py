"""lab changes: the registry's audit trail (who added or edited a lab, when, and what changed)

Revision ID: a1b2c3d4e517
Revises: 4e8b1d6a2f90
Create Date: 2026-12-06 05:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a1b2c3d4e517'
down_revision = '4e8b1d6a2f90'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lab_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lab_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('change', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_lab_changes_actor_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['lab_id'], ['labs.id'], name=op.f('fk_lab_changes_lab_id_labs'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lab_changes')),
    )
    with op.batch_alter_table('lab_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lab_changes_lab_id'), ['lab_id'], unique=False)


def downgrade():
    with op.batch_alter_table('lab_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lab_changes_lab_id'))
    op.drop_table('lab_changes')
