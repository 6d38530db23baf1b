"""incidents: steps that failed at run time, listed for process owners and retried after a fix

Revision ID: c8d9e0f1a2b3
Revises: b7c8d9e0f1a2
Create Date: 2026-12-05 23:30:00

"""
from alembic import op
import sqlalchemy as sa

from app.persistence.models import UtcDateTime


revision = 'c8d9e0f1a2b3'
down_revision = 'b7c8d9e0f1a2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('incident',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('instance_id', sa.Integer(), nullable=True),
                    sa.Column('registration_number', sa.String(length=40), nullable=True),
                    sa.Column('process_id', sa.String(length=100), nullable=False),
                    sa.Column('version_id', sa.Integer(), nullable=True),
                    sa.Column('kind', sa.String(length=20), nullable=False),
                    sa.Column('element_id', sa.String(length=100), nullable=True),
                    sa.Column('element_name', sa.String(length=200), nullable=True),
                    sa.Column('error', sa.Text(), nullable=False),
                    sa.Column('detail', sa.Text(), nullable=False),
                    sa.Column('actor_id', sa.Integer(), nullable=True),
                    sa.Column('actor_name', sa.String(length=200), nullable=False),
                    sa.Column('occurred_at', UtcDateTime(), nullable=False),
                    sa.Column('last_occurred_at', UtcDateTime(), nullable=False),
                    sa.Column('occurrences', sa.Integer(), nullable=False),
                    sa.Column('status', sa.String(length=10), nullable=False),
                    sa.Column('resolved_at', UtcDateTime(), nullable=True),
                    sa.Column('resolved_by', sa.String(length=200), nullable=True),
                    sa.Column('resolution', sa.Text(), nullable=True),
                    sa.Column('retry_count', sa.Integer(), nullable=False),
                    sa.Column('last_retry_error', sa.Text(), nullable=True),
                    sa.Column('retry_data', sa.JSON(), nullable=True),
                    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id']),
                    sa.ForeignKeyConstraint(['version_id'], ['process_version.id']),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_status'))
        batch_op.drop_index(batch_op.f('ix_incident_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_incident_instance_id'))
    op.drop_table('incident')
