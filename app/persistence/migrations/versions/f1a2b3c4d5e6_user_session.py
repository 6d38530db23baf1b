"""server-side sign-in sessions: ended by sign-out, password change, deactivation and time limits

Revision ID: f1a2b3c4d5e6
Revises: e0f1a2b3c4d5
Create Date: 2026-12-06 00:30:00

"""
from alembic import op
import sqlalchemy as sa

from app.persistence.models import UtcDateTime


revision = 'f1a2b3c4d5e6'
down_revision = 'e0f1a2b3c4d5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session',
                    sa.Column('id', sa.String(length=64), nullable=False),
                    sa.Column('user_id', sa.Integer(), nullable=False),
                    sa.Column('created_at', UtcDateTime(), nullable=False),
                    sa.Column('last_seen_at', UtcDateTime(), nullable=False),
                    sa.Column('ended_at', UtcDateTime(), nullable=True),
                    sa.Column('ended_reason', sa.String(length=40), nullable=True),
                    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
    op.drop_table('user_session')
