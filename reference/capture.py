"""The generated ``CaptureApi`` interface: events in PostHog's capture format (part 2 stores them)."""

from __future__ import annotations

from posthog_experiments_server import requests
from posthog_experiments_server import responses as r

from reference.errors import BadRequestError


class Capture:
    async def capture_batch_create(
        self, request: requests.CaptureBatchCreateRequest, identity: None
    ) -> r.CaptureBatchCreateResponse:
        return r.CaptureBatchCreate400(_not_stored().body())

    async def capture_create(self, request: requests.CaptureCreateRequest, identity: None) -> r.CaptureCreateResponse:
        return r.CaptureCreate400(_not_stored().body())

    async def capture_e_create(
        self, request: requests.CaptureECreateRequest, identity: None
    ) -> r.CaptureECreateResponse:
        return r.CaptureECreate400(_not_stored().body())


def _not_stored() -> BadRequestError:
    return BadRequestError("This server does not store events yet.", code="not_implemented")
