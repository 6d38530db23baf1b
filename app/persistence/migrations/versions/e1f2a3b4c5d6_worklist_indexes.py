"""the worklist reads one page by index (issue 16 item 5)

Each lane (or lane and OPD) is read in the worklist's default order, due date then id, and the branches
are merged, so the first page reads about as many rows as it shows: `ix_human_task_lane_due`, and
`ix_human_task_lane_opd_due` and `ix_human_task_applicant` with the sort's columns (SQLite took the lane's
index for an applicant's branch and read the whole lane). The filter choices skip through the distinct titles and
statuses of a lane and probe them per OPD: `ix_human_task_lane_title`, `ix_human_task_lane_status`.
Every row of human_task is an open task (a finished task's row is deleted), so none is partial.

Revision ID: e1f2a3b4c5d6
Revises: d0e1f2a3b4c5
Create Date: 2026-12-08 09:00:00

"""
from alembic import op


revision = 'e1f2a3b4c5d6'
down_revision = 'd0e1f2a3b4c5'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_human_task_applicant', table_name='human_task')
    op.create_index('ix_human_task_applicant', 'human_task', ['applicant_id', 'lane', 'due_at', 'id'], unique=False)
    op.drop_index('ix_human_task_lane_opd_due', table_name='human_task')
    op.create_index('ix_human_task_lane_opd_due', 'human_task', ['lane', 'opd_code', 'due_at', 'id'], unique=False)
    op.create_index('ix_human_task_lane_due', 'human_task', ['lane', 'due_at', 'id'], unique=False)
    op.create_index('ix_human_task_lane_title', 'human_task', ['lane', 'title', 'opd_code'], unique=False)
    op.create_index('ix_human_task_lane_status', 'human_task', ['lane', 'case_status', 'opd_code'], unique=False)


def downgrade():
    op.drop_index('ix_human_task_lane_status', table_name='human_task')
    op.drop_index('ix_human_task_lane_title', table_name='human_task')
    op.drop_index('ix_human_task_lane_due', table_name='human_task')
    op.drop_index('ix_human_task_lane_opd_due', table_name='human_task')
    op.create_index('ix_human_task_lane_opd_due', 'human_task', ['lane', 'opd_code', 'due_at'], unique=False)
    op.drop_index('ix_human_task_applicant', table_name='human_task')
    op.create_index('ix_human_task_applicant', 'human_task', ['applicant_id'], unique=False)
