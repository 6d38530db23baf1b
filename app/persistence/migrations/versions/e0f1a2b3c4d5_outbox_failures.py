"""the outbox records when a mail was last tried and when delivery gave up

Revision ID: e0f1a2b3c4d5
Revises: d9e0f1a2b3c4
Create Date: 2026-12-06 00:30:00

A row that already used up its attempts under the old rule (8 attempts) is marked as given up.
"""
from alembic import op
import sqlalchemy as sa

from app.persistence.models import UtcDateTime


revision = 'e0f1a2b3c4d5'
down_revision = 'd9e0f1a2b3c4'
branch_labels = None
depends_on = None


# Plain ALTER TABLE (nullable columns): rows stored before have neither.
def upgrade():
    op.add_column('outbox', sa.Column('last_attempt_at', UtcDateTime(), nullable=True))
    op.add_column('outbox', sa.Column('failed_at', UtcDateTime(), nullable=True))
    op.execute("UPDATE outbox SET failed_at = next_attempt_at WHERE sent_at IS NULL AND attempts >= 8")


def downgrade():
    op.execute("ALTER TABLE outbox DROP COLUMN failed_at")
    op.execute("ALTER TABLE outbox DROP COLUMN last_attempt_at")
