"""Bodies by media type, both ways (golden ``media_types``): what the generated client sends, the
generated server reads as the same value, and what the server answers, the client reads back."""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

EXPECTED = Path(__file__).parent / "golden" / "media_types" / "expected"


class Implementation:
    """Keeps each request; answers what ``answers`` holds for the operation."""

    def __init__(self, responses: ModuleType) -> None:
        self.responses = responses
        self.requests: dict[str, Any] = {}
        self.answers: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Callable[[Any, Any], Coroutine[Any, Any, Any]]:
        async def operation(request: Any, identity: Any) -> Any:
            self.requests[name] = request
            return self.answers[name]

        return operation


@dataclass
class Wire:
    responses: ModuleType  # the server's
    models: ModuleType  # the server's
    implementation: Implementation
    sdk: Any  # the client, calling the server's app


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Wire:
    monkeypatch.syspath_prepend(str(EXPECTED / "client"))
    monkeypatch.syspath_prepend(str(EXPECTED / "server"))
    for name in [name for name in sys.modules if name.startswith("posthog_experiments")]:
        monkeypatch.delitem(sys.modules, name)
    client = importlib.import_module("posthog_experiments")
    responses = importlib.import_module("posthog_experiments_server.responses")
    server_models = importlib.import_module("posthog_experiments_server.models")
    implementation = Implementation(responses)
    app = importlib.import_module("posthog_experiments_server.app").create_app(default=implementation)
    transport = httpx.ASGITransport(app=app)
    sdk = client.AsyncClient(base_url="http://server", http_client=httpx.AsyncClient(transport=transport))
    return Wire(responses, server_models, implementation, sdk)


def run(call: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(call)


def test_text_goes_as_text_and_comes_back_as_str(wire: Wire) -> None:
    wire.implementation.answers["add_note"] = wire.responses.AddNote200("# Hello")
    assert run(wire.sdk.default.add_note(body="Hello **world**")) == "# Hello"
    assert wire.implementation.requests["add_note"].body == "Hello **world**"


def test_bytes_go_as_they_are_and_come_back_as_bytes(wire: Wire) -> None:
    wire.implementation.answers["upload_file"] = wire.responses.UploadFile204()
    wire.implementation.answers["download_file"] = wire.responses.DownloadFile200(b"%PDF-1.7\x00\xff")
    run(wire.sdk.default.upload_file(name="a.bin", body=b"\x00\x01abc"))
    assert wire.implementation.requests["upload_file"].body == b"\x00\x01abc"
    assert run(wire.sdk.default.download_file(name="a.pdf")) == b"%PDF-1.7\x00\xff"


def test_several_declared_media_types_are_read_by_the_answer_s_content_type(wire: Wire) -> None:
    wire.implementation.answers["get_report"] = wire.responses.GetReport200(wire.models.Report(rows=3))
    report = run(wire.sdk.default.get_report())
    assert (type(report).__name__, report.rows) == ("Report", 3)
    wire.implementation.answers["get_report"] = wire.responses.GetReport200("rows\n3\n")
    assert run(wire.sdk.default.get_report()) == "rows\n3\n"


def test_a_json_list_of_models_is_answered(wire: Wire) -> None:
    """A body that is a list of models, not a model, was a 500 (it has no model_dump_json)."""
    wire.implementation.answers["list_shelves"] = wire.responses.ListShelves200([wire.models.Report(rows=1)])
    (shelf,) = run(wire.sdk.default.list_shelves())
    assert (shelf.rows, shelf.note) == (1, None)


def test_multipart_files_go_as_files_not_as_their_repr(wire: Wire) -> None:
    wire.implementation.answers["add_photos"] = wire.responses.AddPhotos204()
    run(wire.sdk.default.add_photos(title="Trip", photos=[b"\x00\x01abc", b"\xff\xd8"]))
    body = wire.implementation.requests["add_photos"].body
    assert (body.title, body.photos) == ("Trip", [b"\x00\x01abc", b"\xff\xd8"])
