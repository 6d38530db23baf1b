"""one case per submitted start form (submission_key)

Revision ID: c7d1e2f3a4b5
Revises: 92cdf3606ec2
Create Date: 2026-11-28 03:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c7d1e2f3a4b5'
down_revision = '92cdf3606ec2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_key', sa.String(length=120), nullable=True))
        batch_op.create_unique_constraint('uq_process_instance_submission_key', ['submission_key'])


def downgrade():
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_constraint('uq_process_instance_submission_key', type_='unique')
        batch_op.drop_column('submission_key')
