"""Captured events: checked one by one, then stored all at once or not at all.

Each event row keeps the person (``distinct_id``), the name, the time in epoch milliseconds and
the properties; ``$feature/<flag key>`` properties become ``event_flags`` rows, and
``$feature_flag_called`` events carry their flag and response in columns, so that results read
indexes instead of JSON. An event sent again with the same ``uuid`` is stored once.
"""

from __future__ import annotations

import json
import uuid as uuids
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from posthog_experiments_server import models
from sqlalchemy import Connection, Table, select, text

from reference.db import tables
from reference.db.engine import Database
from reference.db.prepared import PreparedInsert
from reference.errors import ApiError

EXPOSURE_EVENT = "$feature_flag_called"
FLAG_PREFIX = "$feature/"
_MAX_DISTINCT_ID = 200
BATCH_ORDER_LOCK = 0x45564E54  # PostgreSQL advisory lock that orders capture batches ("EVNT")
_MAX_FLAG_TEXT = 400


class InvalidPayloadError(ApiError):
    """400: an event cannot be stored; nothing of its request is."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"Invalid payload: {detail}", code="invalid_payload")


class InvalidTokenError(ApiError):
    default_type = models.ErrorType.authentication_error

    def __init__(self) -> None:
        super().__init__(
            "Project API key invalid. You can find your project API key in PostHog project settings.",
            code="invalid_api_key",
        )


EVENT_COLUMNS = (
    "project_id",
    "uuid",
    "event",
    "distinct_id",
    "timestamp_ms",
    "properties",
    "flag_key",
    "flag_response",
)
FLAG_COLUMNS = ("project_id", "flag_key", "event", "timestamp_ms", "event_uuid", "variant", "distinct_id")


@dataclass(frozen=True)
class _Row:
    """One event's values, in ``EVENT_COLUMNS`` order but the project; its flags in ``FLAG_COLUMNS`` order."""

    uuid: str
    timestamp_ms: int
    event: tuple[Any, ...]
    flags: list[tuple[Any, ...]]


def epoch_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


class EventStore:
    def __init__(self, database: Database) -> None:
        self._database = database
        dialect = database.engine.dialect
        events, flags = tables.Event.__table__, tables.EventFlag.__table__
        assert isinstance(events, Table)
        assert isinstance(flags, Table)
        self._insert_events = PreparedInsert(events, EVENT_COLUMNS, ["project_id", "timestamp_ms", "uuid"], dialect)
        flag_key = ["project_id", "flag_key", "event", "timestamp_ms", "event_uuid"]
        self._insert_flags = PreparedInsert(flags, FLAG_COLUMNS, flag_key, dialect)

    def capture(self, token: str, events: Sequence[models.CaptureEvent], *, label: str, received: datetime) -> None:
        """Store ``events`` for the project whose token is ``token``; events already stored are left as they are."""
        rows: dict[tuple[int, str], _Row] = {}
        received_ms = epoch_ms(received)
        for index, event in enumerate(events):
            row = _row(event, f"{label}[{index}]" if label else "the event", received_ms)
            rows.setdefault((row.timestamp_ms, row.uuid), row)  # the first of repeated events counts
        with self._database.write() as session:
            project_id = session.scalar(select(tables.Project.id).where(tables.Project.api_token == token))
            if project_id is None:
                raise InvalidTokenError()
            event_rows = [(project_id, *row.event) for row in rows.values()]
            flag_rows = [(project_id, *flag) for row in rows.values() for flag in row.flags]
            self.insert_rows(session.connection(), event_rows, flag_rows)
            times = [row.timestamp_ms for row in rows.values()]
            if not self._database.is_sqlite:
                # Batches commit in the order of their ids (SQLite has one writer at a time anyway): a
                # computation that saw batch N has seen every batch before it, which the results cache
                # relies on. Taken last, the lock is held only for the batch row and the commit.
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": BATCH_ORDER_LOCK})
            session.add(tables.EventBatch(project_id=project_id, first_ms=min(times), last_ms=max(times)))

    def insert_rows(
        self, connection: Connection, events: Sequence[tuple[Any, ...]], flags: Sequence[tuple[Any, ...]]
    ) -> None:
        """Rows in ``EVENT_COLUMNS`` and ``FLAG_COLUMNS`` order, in the caller's transaction."""
        self._insert_events.run(connection, events)
        self._insert_flags.run(connection, flags)


def _row(event: models.CaptureEvent, where: str, received_ms: int) -> _Row:
    properties = event.properties or {}
    person = event.distinct_id if event.distinct_id is not None else properties.get("distinct_id")
    if isinstance(person, bool) or not isinstance(person, str | int) or str(person).strip() == "":
        raise InvalidPayloadError(f"{where} has no distinct_id.")
    distinct_id = str(person)
    if len(distinct_id) > _MAX_DISTINCT_ID:
        raise InvalidPayloadError(f"{where} has a distinct_id longer than {_MAX_DISTINCT_ID} characters.")
    event_uuid = str(event.uuid or uuids.uuid4())
    timestamp_ms = epoch_ms(event.timestamp) if event.timestamp is not None else received_ms
    flags = []
    for name, value in properties.items():
        if name.startswith(FLAG_PREFIX):
            key, variant = name.removeprefix(FLAG_PREFIX), _flag_text(value)
            if variant is not None and 0 < len(key) <= _MAX_FLAG_TEXT:
                flags.append((key, event.event, timestamp_ms, event_uuid, variant, distinct_id))
    flag_key: str | None = None
    flag_response: str | None = None
    if event.event == EXPOSURE_EVENT:
        flag_key = _flag_text(properties.get("$feature_flag"))
        flag_response = _flag_text(properties.get("$feature_flag_response"))
    values = (event_uuid, event.event, distinct_id, timestamp_ms, json.dumps(properties), flag_key, flag_response)
    return _Row(event_uuid, timestamp_ms, values, flags)


def _flag_text(value: Any) -> str | None:
    """A flag key or response as text: variants are strings, boolean flags answer true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int) and 0 < len(str(value)) <= _MAX_FLAG_TEXT:
        return str(value)
    return None
