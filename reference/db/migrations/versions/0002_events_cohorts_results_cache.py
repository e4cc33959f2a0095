"""events, cohorts, results cache

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import reference.db.tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UtcDateTime = reference.db.tables.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=400), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("filters", JSON, nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cohorts_project_id"), ["project_id"], unique=False)

    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=200), nullable=False),
        sa.Column("distinct_id", sa.String(length=200), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("properties", JSON, nullable=False),
        sa.Column("flag_key", sa.String(length=400), nullable=True),
        sa.Column("flag_response", sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_exposure",
            ["project_id", "flag_key", "flag_response", "distinct_id", "timestamp_ms"],
            unique=False,
            sqlite_where=sa.text("flag_key IS NOT NULL"),
            postgresql_where=sa.text("flag_key IS NOT NULL"),
        )
        batch_op.create_index("ix_events_project_event_time", ["project_id", "event", "timestamp_ms"], unique=False)
        batch_op.create_index("uq_events_project_time_uuid", ["project_id", "timestamp_ms", "uuid"], unique=True)

    op.create_table(
        "event_batches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("first_ms", sa.BigInteger(), nullable=False),
        sa.Column("last_ms", sa.BigInteger(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("event_batches", schema=None) as batch_op:
        batch_op.create_index("ix_event_batches_project", ["project_id", "id"], unique=False)

    op.create_table(
        "results_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.Column("last_batch_id", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
        ),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("results_cache", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_results_cache_project_id"), ["project_id"], unique=False)

    op.create_table(
        "event_flags",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("flag_key", sa.String(length=400), nullable=False),
        sa.Column("event", sa.String(length=200), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("event_uuid", sa.String(length=36), nullable=False),
        sa.Column("variant", sa.String(length=400), nullable=False),
        sa.Column("distinct_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
        ),
        sa.PrimaryKeyConstraint("project_id", "flag_key", "event", "timestamp_ms", "event_uuid"),
    )


def downgrade() -> None:
    op.drop_table("event_flags")
    with op.batch_alter_table("results_cache", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_results_cache_project_id"))

    op.drop_table("results_cache")
    with op.batch_alter_table("event_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_event_batches_project")

    op.drop_table("event_batches")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("uq_events_project_time_uuid")
        batch_op.drop_index("ix_events_project_event_time")
        batch_op.drop_index(
            "ix_events_exposure",
            sqlite_where=sa.text("flag_key IS NOT NULL"),
            postgresql_where=sa.text("flag_key IS NOT NULL"),
        )

    op.drop_table("events")
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohorts_project_id"))

    op.drop_table("cohorts")
