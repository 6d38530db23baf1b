"""a process version's DMN files and the deployed versions its call activities call

Revision ID: d9e0f1a2b3c4
Revises: c8d9e0f1a2b3
Create Date: 2026-12-05 23:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd9e0f1a2b3c4'
down_revision = 'c8d9e0f1a2b3'
branch_labels = None
depends_on = None


# Plain ALTER TABLE (nullable columns): versions stored before have neither (None reads as none).
def upgrade():
    op.add_column('process_version', sa.Column('decisions', sa.JSON(), nullable=True))
    op.add_column('process_version', sa.Column('called_versions', sa.JSON(), nullable=True))


def downgrade():
    op.execute("ALTER TABLE process_version DROP COLUMN called_versions")
    op.execute("ALTER TABLE process_version DROP COLUMN decisions")
