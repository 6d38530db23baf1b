"""what was typed into a form whose session had ended, kept briefly (form_stash)

Revision ID: a6b7c8d9e0f1
Revises: f5a6b7c8d9e0
Create Date: 2026-12-05 13:10:00

"""
from alembic import op
import sqlalchemy as sa

from app.persistence.models import UtcDateTime


revision = 'a6b7c8d9e0f1'
down_revision = 'f5a6b7c8d9e0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_stash',
                    sa.Column('key', sa.String(length=64), nullable=False),
                    sa.Column('path', sa.String(length=500), nullable=False),
                    sa.Column('pairs', sa.Text(), nullable=False),
                    sa.Column('created_at', UtcDateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('key'))
    with op.batch_alter_table('form_stash', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_stash_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('form_stash', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_stash_created_at'))
    op.drop_table('form_stash')
