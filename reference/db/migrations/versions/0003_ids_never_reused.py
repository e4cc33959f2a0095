"""ids never reused on SQLite (AUTOINCREMENT)

Revision ID: 0003
Revises: 0002

SQLite hands out the largest id plus one, so deleting the newest row made its id come back; with
AUTOINCREMENT it never does. A table cannot gain AUTOINCREMENT in place: each is rebuilt (copied
into a new table, then renamed), with foreign keys checked once afterwards (``reference.db.migrate``).
PostgreSQL's sequences never reuse an id: nothing to do there.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = (
    "organizations",
    "projects",
    "users",
    "memberships",
    "personal_api_keys",
    "feature_flags",
    "experiments",
    "approval_policies",
    "cohorts",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": False}):
            pass
