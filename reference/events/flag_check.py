"""``requires_flag_implementation``: do recent events of a metric carry any ``$feature/...`` property?

As PostHog does, it looks at up to ``limit`` events of each of the metric's event names from the
last 7 days; ``true`` (the flag still needs implementing) when none of them carries one.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from reference.db import tables
from reference.db.engine import Database
from reference.errors import BadRequestError
from reference.events.store import FLAG_PREFIX, epoch_ms
from reference.identity.auth import Caller
from reference.results.metrics import ACTIONS_UNSUPPORTED

LOOKBACK = timedelta(days=7)


class FlagCheck:
    def __init__(self, database: Database) -> None:
        self._database = database

    def requires_flag_implementation(self, caller: Caller, events: list[str], *, actions: bool, limit: int) -> bool:
        if actions:
            raise BadRequestError(ACTIONS_UNSUPPORTED)
        since = epoch_ms(tables.now() - LOOKBACK)
        with self._database.read() as session:
            for name in sorted(set(events)):
                recent = (
                    select(tables.Event.properties)
                    .where(
                        tables.Event.project_id == caller.project_id,
                        tables.Event.event == name,
                        tables.Event.timestamp_ms >= since,
                    )
                    .order_by(tables.Event.timestamp_ms.desc())
                    .limit(limit)
                )
                if any(key.startswith(FLAG_PREFIX) for properties in session.scalars(recent) for key in properties):
                    return False
        return True
