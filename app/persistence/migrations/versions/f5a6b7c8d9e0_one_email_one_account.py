"""one e-mail address belongs to one account (unique index on lower(email))

Revision ID: f5a6b7c8d9e0
Revises: e4f5a6b7c8d9
Create Date: 2026-12-05 13:00:00

An existing database that already holds one address on several accounts cannot take the index:
the upgrade stops and names the addresses, so an administrator decides which account keeps each.
"""
from alembic import op
import sqlalchemy as sa


revision = 'f5a6b7c8d9e0'
down_revision = 'e4f5a6b7c8d9'
branch_labels = None
depends_on = None


def upgrade():
    shared = op.get_bind().execute(sa.text(
        "SELECT lower(email) FROM app_user WHERE email IS NOT NULL GROUP BY lower(email) HAVING count(*) > 1"
    )).scalars().all()
    if shared:
        raise RuntimeError(
            "These e-mail addresses are used by more than one account; give each account its own address "
            "(or none) in /admin/pengguna, then upgrade again: " + ", ".join(sorted(shared)))
    op.create_index('uq_app_user_email_lower', 'app_user', [sa.text('lower(email)')], unique=True)


def downgrade():
    op.drop_index('uq_app_user_email_lower', table_name='app_user')
