"""an account's roles as rows (user_role) and an OPD's officers by index (issue 16 item 6)

The holders of a role were found with LIKE over every account's `roles` text: a read of every account for
each mail to a role, each OPD choice list and each worklist check for stranded tasks.

Revision ID: d0e1f2a3b4c5
Revises: c9d0e1f2a3b4
Create Date: 2026-12-07 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd0e1f2a3b4c5'
down_revision = 'c9d0e1f2a3b4'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('user_role',
                            sa.Column('user_id', sa.Integer(), nullable=False),
                            sa.Column('role_key', sa.String(length=60), nullable=False),
                            sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE'),
                            sa.PrimaryKeyConstraint('user_id', 'role_key'))
    op.create_index('ix_user_role_role_key', 'user_role', ['role_key', 'user_id'], unique=False)
    op.create_index('ix_user_opd_opd_code', 'user_opd', ['opd_code', 'user_id'], unique=False)
    accounts = op.get_bind().execute(sa.text("SELECT id, roles FROM app_user")).all()
    rows = [{"user_id": user_id, "role_key": key} for user_id, roles in accounts
            for key in dict.fromkeys((roles or "").split())]
    if rows:
        op.bulk_insert(table, rows)


def downgrade():
    op.drop_index('ix_user_opd_opd_code', table_name='user_opd')
    op.drop_index('ix_user_role_role_key', table_name='user_role')
    op.drop_table('user_role')
