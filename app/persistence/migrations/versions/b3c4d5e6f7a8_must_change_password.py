"""a password issued by an administrator or the first start must be changed at first sign-in

Revision ID: b3c4d5e6f7a8
Revises: a2b3c4d5e6f7
Create Date: 2026-12-06 03:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b3c4d5e6f7a8'
down_revision = 'a2b3c4d5e6f7'
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN (SQLite takes it with a constant default): a batch copy of app_user would
    # lose the expression index uq_app_user_email_lower, which SQLite cannot reflect
    op.add_column('app_user', sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                        nullable=False))


def downgrade():
    op.drop_index('uq_app_user_email_lower', table_name='app_user')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    op.create_index('uq_app_user_email_lower', 'app_user', [sa.text('lower(email)')], unique=True)
