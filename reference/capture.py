"""The generated ``CaptureApi`` interface: events in PostHog's capture format, stored at once.

The project token (``api_key`` in the body) says which project the events belong to; an unknown
token is a 401, an event that cannot be stored a 400 naming it, and in both cases nothing of the
request is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime

from posthog_experiments_server import models, requests
from posthog_experiments_server import responses as r

from reference.db.engine import Database
from reference.events.store import EventStore, InvalidPayloadError, InvalidTokenError

STORED = models.CaptureResponse(status=1)


class Capture:
    def __init__(self, database: Database) -> None:
        self._store = EventStore(database)
        self._in_thread = database.run_in_thread

    async def capture_batch_create(
        self, request: requests.CaptureBatchCreateRequest, identity: None
    ) -> r.CaptureBatchCreateResponse:
        try:
            await self._capture(request.body)
        except InvalidTokenError as error:
            return r.CaptureBatchCreate401(error.body())
        except InvalidPayloadError as error:
            return r.CaptureBatchCreate400(error.body())
        return r.CaptureBatchCreate200(STORED)

    async def capture_create(self, request: requests.CaptureCreateRequest, identity: None) -> r.CaptureCreateResponse:
        try:
            await self._capture(request.body)
        except InvalidTokenError as error:
            return r.CaptureCreate401(error.body())
        except InvalidPayloadError as error:
            return r.CaptureCreate400(error.body())
        return r.CaptureCreate200(STORED)

    async def capture_e_create(
        self, request: requests.CaptureECreateRequest, identity: None
    ) -> r.CaptureECreateResponse:
        try:
            await self._capture(request.body)
        except InvalidTokenError as error:
            return r.CaptureECreate401(error.body())
        except InvalidPayloadError as error:
            return r.CaptureECreate400(error.body())
        return r.CaptureECreate200(STORED)

    async def _capture(self, body: models.SingleCaptureRequest | models.BatchCaptureRequest) -> None:
        if isinstance(body, models.BatchCaptureRequest):
            events, label = list(body.batch), "batch"
        else:
            events, label = [body], ""
        await self._in_thread(self._store.capture, body.api_key, events, label=label, received=_now())


def _now() -> datetime:
    return datetime.now(UTC)
