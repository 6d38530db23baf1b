"""a finished task's id is never handed to a later task (SQLite AUTOINCREMENT on human_task)

Revision ID: e4f5a6b7c8d9
Revises: d8e9f0a1b2c3
Create Date: 2026-12-05 12:30:00

PostgreSQL sequences never reuse a value; SQLite without AUTOINCREMENT reuses the largest
freed rowid. The table is rebuilt on SQLite only, keeping its rows and indexes.
"""
from alembic import op


revision = 'e4f5a6b7c8d9'
down_revision = 'd8e9f0a1b2c3'
branch_labels = None
depends_on = None


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table('human_task', recreate='always',
                              table_kwargs={'sqlite_autoincrement': autoincrement}):
        pass


def upgrade():
    _rebuild(True)


def downgrade():
    _rebuild(False)
