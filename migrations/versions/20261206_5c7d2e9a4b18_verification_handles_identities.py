"""verification handles and issuance identities: each code is checkable only with the handle its
request was given, and records the identity (lab, local part) that issuance is counted under

Codes live ten minutes and every live one needs a handle it never had, so the rows present at
the upgrade are deleted (a signer in the middle of verifying asks for a new code).

Revision ID: 5c7d2e9a4b18
Revises: 9b4e1f7a2c30
Create Date: 2026-12-06 01:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5c7d2e9a4b18'
down_revision = '9b4e1f7a2c30'
branch_labels = None
depends_on = None


def upgrade():
    op.execute('DELETE FROM verification_codes')
    with op.batch_alter_table('verification_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity', sa.LargeBinary(length=32), nullable=False))
        batch_op.add_column(sa.Column('handle_hash', sa.LargeBinary(length=32), nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_verification_codes_handle_hash'), ['handle_hash'])
        batch_op.create_check_constraint(batch_op.f('ck_verification_codes_identity_length'), 'length(identity) = 32')


def downgrade():
    op.execute('DELETE FROM verification_codes')
    with op.batch_alter_table('verification_codes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_verification_codes_identity_length'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_verification_codes_handle_hash'), type_='unique')
        batch_op.drop_column('handle_hash')
        batch_op.drop_column('identity')
