"""Parameters by style and explode (golden ``parameter_styles``): the client spells each as
OpenAPI's style table does, and the generated server reads the same values back."""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import httpx
import pytest

EXPECTED = Path(__file__).parent / "golden" / "parameter_styles" / "expected"


class Recorder:
    def __init__(self, responses: Any) -> None:
        self.responses = responses
        self.requests: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Callable[[Any, Any], Coroutine[Any, Any, Any]]:
        async def operation(request: Any, identity: Any) -> Any:
            self.requests[name] = request
            return getattr(self.responses, "".join(part.title() for part in name.split("_")) + "204")()

        return operation


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Recorder, list[httpx.Request]]:
    monkeypatch.syspath_prepend(str(EXPECTED / "client"))
    monkeypatch.syspath_prepend(str(EXPECTED / "server"))
    for name in [name for name in sys.modules if name.startswith("posthog_experiments")]:
        monkeypatch.delitem(sys.modules, name)
    client = importlib.import_module("posthog_experiments")
    recorder = Recorder(importlib.import_module("posthog_experiments_server.responses"))
    app = importlib.import_module("posthog_experiments_server.app").create_app(default=recorder)
    sent: list[httpx.Request] = []
    asgi = httpx.ASGITransport(app=app)

    async def record(request: httpx.Request) -> None:
        sent.append(request)

    http = httpx.AsyncClient(transport=asgi, event_hooks={"request": [record]})
    return client.AsyncClient(base_url="http://server", http_client=http), recorder, sent


def test_query_and_header_styles_are_spelled_as_the_table_says_and_read_back(wire: Any) -> None:
    sdk, recorder, sent = wire
    asyncio.run(
        sdk.default.search(
            tags=["a", "b"],
            ids=[3, 4],
            words=["big", "red"],
            colours=["blue", "black"],
            address={"city": "Paris", "zip": "75001"},
            point={"x": 1, "y": 2},
            x_ids=[5, 6],
            x_point={"x": 7, "y": 8},
        )
    )
    query = unquote_plus(sent[0].url.query.decode())
    assert query.split("&") == [
        "address[city]=Paris",
        "address[zip]=75001",
        "colours=blue|black",
        "ids=3,4",
        "point=x,1,y,2",
        "tags=a",
        "tags=b",
        "words=big red",
    ]
    assert (sent[0].headers["x-ids"], sent[0].headers["x-point"]) == ("5,6", "x=7,y=8")
    request = recorder.requests["search"]
    assert (request.tags, request.ids, request.words, request.colours) == (
        ["a", "b"],
        [3, 4],
        ["big", "red"],
        ["blue", "black"],
    )
    assert (request.address.city, request.address.zip, request.point.x, request.point.y) == ("Paris", "75001", 1, 2)
    assert (request.x_ids, request.x_point.x, request.x_point.y) == ([5, 6], 7, 8)


def test_path_styles_are_spelled_as_the_table_says_and_read_back(wire: Any) -> None:
    sdk, recorder, sent = wire

    async def calls() -> None:
        await sdk.default.by_label(values=["a", "b c"])
        await sdk.default.by_matrix(values=["a", "b"])
        await sdk.default.by_point(point={"x": 1, "y": 2})

    asyncio.run(calls())
    assert [request.url.raw_path.decode() for request in sent] == [
        "/label/.a,b%20c",
        "/matrix/;values=a;values=b",
        "/simple/x,1,y,2",
    ]
    assert recorder.requests["by_label"].values == ["a", "b c"]
    assert recorder.requests["by_matrix"].values == ["a", "b"]
    assert (recorder.requests["by_point"].point.x, recorder.requests["by_point"].point.y) == (1, 2)
