"""personal data access log: who saw a case's personal data in full, when, what (UU 27/2022)

Revision ID: a2b3c4d5e6f7
Revises: f1a2b3c4d5e6
Create Date: 2026-12-06 02:30:00

"""
from alembic import op
import sqlalchemy as sa

from app.persistence.models import UtcDateTime


revision = 'a2b3c4d5e6f7'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('personal_data_access',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('at', UtcDateTime(), nullable=False),
                    sa.Column('user_id', sa.Integer(), nullable=True),
                    sa.Column('username', sa.String(length=80), nullable=False),
                    sa.Column('role', sa.String(length=60), nullable=False),
                    sa.Column('instance_id', sa.Integer(), nullable=True),
                    sa.Column('registration_number', sa.String(length=40), nullable=True),
                    sa.Column('kind', sa.String(length=12), nullable=False),
                    sa.Column('what', sa.String(length=500), nullable=False),
                    sa.Column('path', sa.String(length=500), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('personal_data_access', schema=None) as batch_op:
        batch_op.create_index('ix_personal_data_access_case', ['instance_id', 'at'], unique=False)
        batch_op.create_index('ix_personal_data_access_user', ['username', 'at'], unique=False)
        batch_op.create_index('ix_personal_data_access_at', ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('personal_data_access', schema=None) as batch_op:
        batch_op.drop_index('ix_personal_data_access_at')
        batch_op.drop_index('ix_personal_data_access_user')
        batch_op.drop_index('ix_personal_data_access_case')
    op.drop_table('personal_data_access')
