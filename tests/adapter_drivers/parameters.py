"""Drives the server generated from tests/golden/parameters: every parameter place, and response headers.

Run with that package first on the path; prints one JSON line with what it saw.
"""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from posthog_experiments_server import models, requests, responses
from posthog_experiments_server.app import create_app

seen: dict[str, object] = {}


class Items:
    async def get_item(self, request: requests.GetItemRequest, identity: None) -> responses.GetItemResponse:
        seen.update(request.model_dump(mode="json"))
        return responses.GetItem200(body=models.Item(name="lamp"), x_rate_limit_remaining=41)


client = TestClient(create_app(default=Items()))
ok = client.get(
    "/stores/s1/items/7/?fields=a,b&verbose=true&filter=%7B%22colour%22%3A%22red%22%7D",
    headers={"X-Request-Id": "0190f5c4-3b6e-7a51-9d0e-2f4c1b8a7e21"},
    cookies={"session": "abc"},
)
missing_header = client.get("/stores/s1/items/7")
bad_uuid = client.get("/stores/s1/items/7", headers={"X-Request-Id": "nope"})
print(
    json.dumps(
        {
            "status": ok.status_code,
            "body": ok.json(),
            "rate_limit": ok.headers.get("x-rate-limit-remaining"),
            "seen": seen,
            "missing_header": [missing_header.status_code, missing_header.json()],
            "bad_uuid": [bad_uuid.status_code, bad_uuid.json()["attr"]],
        }
    )
)
