"""process owners' drafts made in the modeler (process_draft)

Revision ID: c9d0e1f2a3b4
Revises: b3c4d5e6f7a8
Create Date: 2026-12-06 09:00:00

"""
from alembic import op
import sqlalchemy as sa

from app.persistence.models import UtcDateTime


revision = 'c9d0e1f2a3b4'
down_revision = 'b3c4d5e6f7a8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('process_draft',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('process_id', sa.String(length=100), nullable=False),
                    sa.Column('owner_id', sa.Integer(), nullable=False),
                    sa.Column('title', sa.String(length=200), nullable=False),
                    sa.Column('base_version_id', sa.Integer(), nullable=True),
                    sa.Column('bpmn_xml', sa.LargeBinary(), nullable=False),
                    sa.Column('forms', sa.JSON(), nullable=False),
                    sa.Column('created_at', UtcDateTime(), nullable=False),
                    sa.Column('updated_at', UtcDateTime(), nullable=False),
                    sa.Column('checked', sa.JSON(), nullable=True),
                    sa.Column('deployed_version_id', sa.Integer(), nullable=True),
                    sa.ForeignKeyConstraint(['owner_id'], ['app_user.id'], ondelete='CASCADE'),
                    sa.ForeignKeyConstraint(['base_version_id'], ['process_version.id'], ondelete='SET NULL'),
                    sa.ForeignKeyConstraint(['deployed_version_id'], ['process_version.id'], ondelete='SET NULL'),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_process_draft_owner', 'process_draft', ['owner_id', 'process_id'], unique=False)


def downgrade():
    op.drop_index('ix_process_draft_owner', table_name='process_draft')
    op.drop_table('process_draft')
