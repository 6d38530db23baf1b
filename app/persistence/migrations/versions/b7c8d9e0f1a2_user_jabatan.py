"""an account's position (jabatan), printed under its name on the letters it signs

Revision ID: b7c8d9e0f1a2
Revises: a6b7c8d9e0f1
Create Date: 2026-12-05 18:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7c8d9e0f1a2'
down_revision = 'a6b7c8d9e0f1'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batch mode: rebuilding app_user on SQLite would lose the expression index
# uq_app_user_email_lower (SQLite cannot reflect it). SQLite adds and (since 3.35) drops columns itself.
def upgrade():
    op.add_column('app_user', sa.Column('jabatan', sa.String(length=200), nullable=True))


def downgrade():
    op.execute("ALTER TABLE app_user DROP COLUMN jabatan")
