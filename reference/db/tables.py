"""The tables, as SQLAlchemy models. The schema itself is made by the migrations in ``migrations/``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

JsonType = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC (SQLite keeps no offset)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC)


# SQLite's AUTOINCREMENT: an id is never handed out twice, even after the newest row is deleted
# (a retried DELETE must not delete a newer experiment). PostgreSQL's sequences never reuse one.
NEVER_REUSED_IDS: dict[str, Any] = {"sqlite_autoincrement": True}


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime,
        dict[str, Any]: JsonType,
        list[Any]: JsonType,
    }


class Organization(Base):
    __tablename__ = "organizations"
    __table_args__ = NEVER_REUSED_IDS
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(default=now)


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = NEVER_REUSED_IDS
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(400))
    api_token: Mapped[str] = mapped_column(String(64), unique=True)  # public: capture takes it as api_key
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    test_account_filters: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=now)


class User(Base):
    __tablename__ = "users"
    __table_args__ = NEVER_REUSED_IDS
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(150), default="")
    last_name: Mapped[str] = mapped_column(String(150), default="")
    distinct_id: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    is_email_verified: Mapped[bool | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=now)


class Membership(Base):
    """A user's membership of an organization: it gives access to the organization's projects."""

    __tablename__ = "memberships"
    __table_args__ = (
        Index("uq_memberships_organization_user", "organization_id", "user_id", unique=True),
        NEVER_REUSED_IDS,
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)


class PersonalApiKey(Base):
    """A user's key; only its SHA-256 is stored. ``scoped_projects`` null means every project of the user."""

    __tablename__ = "personal_api_keys"
    __table_args__ = NEVER_REUSED_IDS
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    label: Mapped[str] = mapped_column(String(40), default="")
    secure_value: Mapped[str] = mapped_column(String(64), unique=True)
    mask_value: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[Any]] = mapped_column()
    scoped_projects: Mapped[list[Any] | None] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(default=now)


class FeatureFlag(Base):
    __tablename__ = "feature_flags"
    __table_args__ = (
        # One live flag per key and project; soft-deleted flags free their key. The database
        # enforces it, so two concurrent creates cannot both win.
        Index(
            "uq_feature_flags_live_key",
            "project_id",
            "key",
            unique=True,
            sqlite_where=text("deleted = 0"),
            postgresql_where=text("NOT deleted"),
        ),
        NEVER_REUSED_IDS,
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    key: Mapped[str] = mapped_column(String(400))
    name: Mapped[str] = mapped_column(Text)
    filters: Mapped[dict[str, Any]] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    ensure_experience_continuity: Mapped[bool | None] = mapped_column(default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now)


class Experiment(Base):
    __tablename__ = "experiments"
    __table_args__ = (Index("ix_experiments_project_created", "project_id", "created_at", "id"), NEVER_REUSED_IDS)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    name: Mapped[str] = mapped_column(String(400))
    description: Mapped[str | None] = mapped_column(String(400))
    start_date: Mapped[datetime | None] = mapped_column()
    end_date: Mapped[datetime | None] = mapped_column()
    feature_flag_id: Mapped[int] = mapped_column(ForeignKey("feature_flags.id"), index=True)
    exposure_cohort_id: Mapped[int | None] = mapped_column(Integer)
    parameters: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    secondary_metrics: Mapped[list[Any] | None] = mapped_column(JsonType)
    filters: Mapped[dict[str, Any]] = mapped_column()
    archived: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now)

    feature_flag: Mapped[FeatureFlag] = relationship(lazy="joined", innerjoin=True)


class ApprovalPolicy(Base):
    """Changes of ``action_key`` (``feature_flag.enable``, ``feature_flag.update``) in a project need approval."""

    __tablename__ = "approval_policies"
    __table_args__ = NEVER_REUSED_IDS
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    action_key: Mapped[str] = mapped_column(String(100))
    quorum: Mapped[int] = mapped_column(default=1)
    approver_user_ids: Mapped[list[Any]] = mapped_column(default=list)
    allow_self_approve: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=now)


class ChangeRequest(Base):
    __tablename__ = "change_requests"
    __table_args__ = (
        # At most one pending request per action and resource: the second identical request is refused.
        Index(
            "uq_change_requests_pending",
            "project_id",
            "action_key",
            "resource_type",
            "resource_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    action_key: Mapped[str] = mapped_column(String(100))
    action_version: Mapped[int] = mapped_column(default=1)
    resource_type: Mapped[str] = mapped_column(String(100))
    resource_id: Mapped[str | None] = mapped_column(String(100))
    intent: Mapped[dict[str, Any]] = mapped_column()
    intent_display: Mapped[dict[str, Any]] = mapped_column()
    policy_snapshot: Mapped[dict[str, Any]] = mapped_column()
    validation_status: Mapped[str] = mapped_column(String(20), default="valid")
    validation_errors: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    validated_at: Mapped[datetime | None] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default="pending")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime] = mapped_column()
    applied_at: Mapped[datetime | None] = mapped_column()
    apply_error: Mapped[str | None] = mapped_column(Text)
    result_data: Mapped[dict[str, Any] | None] = mapped_column(JsonType)

    approvals: Mapped[list[Approval]] = relationship(order_by="Approval.created_at", lazy="selectin")


class Approval(Base):
    __tablename__ = "approvals"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    change_request_id: Mapped[str] = mapped_column(ForeignKey("change_requests.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now)


class Event(Base):
    """A captured event. ``flag_key``/``flag_response`` copy ``$feature_flag``/``$feature_flag_response``
    of ``$feature_flag_called`` events, so that exposure counts read an index, not JSON."""

    __tablename__ = "events"
    __table_args__ = (
        # An event is the same event when its time and uuid are (as PostHog deduplicates); the time
        # leads so that inserts land at the end of the index, not all over it as random uuids would.
        Index("uq_events_project_time_uuid", "project_id", "timestamp_ms", "uuid", unique=True),
        Index("ix_events_project_event_time", "project_id", "event", "timestamp_ms"),
        Index(
            "ix_events_exposure",
            "project_id",
            "flag_key",
            "flag_response",
            "distinct_id",
            "timestamp_ms",
            sqlite_where=text("flag_key IS NOT NULL"),  # only exposure events: the others skip this index
            postgresql_where=text("flag_key IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    uuid: Mapped[str] = mapped_column(String(36))
    event: Mapped[str] = mapped_column(String(200))
    distinct_id: Mapped[str] = mapped_column(String(200))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)  # milliseconds since the epoch, UTC
    properties: Mapped[dict[str, Any]] = mapped_column()
    flag_key: Mapped[str | None] = mapped_column(String(400))
    flag_response: Mapped[str | None] = mapped_column(String(400))


class EventFlag(Base):
    """One ``$feature/<flag key>`` property of an event: the variant its person saw. The event's name,
    person and time are copied here, and the key orders rows by flag, event and time, so that a
    metric broken down by variant reads one range of one B-tree (and inserts append to it)."""

    __tablename__ = "event_flags"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    flag_key: Mapped[str] = mapped_column(String(400), primary_key=True)
    event: Mapped[str] = mapped_column(String(200), primary_key=True)
    timestamp_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    variant: Mapped[str] = mapped_column(String(400))
    distinct_id: Mapped[str] = mapped_column(String(200))


class EventBatch(Base):
    """One capture request's events: when they happened, from the first to the last. Cached results
    compare the batches newer than themselves with their window instead of reading events."""

    __tablename__ = "event_batches"
    __table_args__ = (Index("ix_event_batches_project", "project_id", "id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    first_ms: Mapped[int] = mapped_column(BigInteger)
    last_ms: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(default=now)


class Cohort(Base):
    """A dynamic cohort; its members are computed from events by its behavioural filter."""

    __tablename__ = "cohorts"
    __table_args__ = NEVER_REUSED_IDS
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(String(400))
    description: Mapped[str] = mapped_column(String(1000), default="")
    filters: Mapped[dict[str, Any]] = mapped_column()
    deleted: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)


class ResultsCache(Base):
    """A computed results answer. ``key`` hashes everything the answer depends on; ``last_batch_id``
    is the project's newest capture batch when it was computed, so that newer events in the window
    drop it."""

    __tablename__ = "results_cache"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    result: Mapped[dict[str, Any]] = mapped_column()
    last_batch_id: Mapped[int] = mapped_column(BigInteger)
    computed_at: Mapped[datetime] = mapped_column()
