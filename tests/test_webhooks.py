"""Webhooks and callbacks: the client parses and serves what the API sends; what has nothing to parse is reported."""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pydantic
import pytest

from generator.validation import validate

GOLDEN = Path(__file__).parent / "golden" / "webhooks"


@pytest.fixture
def webhooks(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(GOLDEN / "expected" / "client"))
    for module in [name for name in sys.modules if name.split(".")[0] == "posthog_experiments"]:
        monkeypatch.delitem(sys.modules, module)
    return importlib.import_module("posthog_experiments.webhooks")


def test_a_webhook_body_reads_into_its_model(webhooks: ModuleType) -> None:
    pet = webhooks.parse_new_pet_post(b'{"id": 7, "name": "Rex"}')
    assert (type(pet).__name__, pet.id, pet.name) == ("Pet", 7, "Rex")
    with pytest.raises(pydantic.ValidationError, match="name"):
        webhooks.parse_new_pet_post('{"id": 7}')


def test_a_callback_body_reads_into_its_model(webhooks: ModuleType) -> None:
    event = webhooks.parse_subscribe_on_event_post('{"kind": "created", "at": "2026-12-02T10:00:00Z"}')
    assert event.kind.value == "created"
    with pytest.raises(pydantic.ValidationError):
        webhooks.parse_subscribe_on_event_post('{"kind": "renamed"}')


def test_a_webhook_without_a_body_is_reported_where_it_is() -> None:
    (problem,) = [p for p in validate(GOLDEN / "spec.yaml").problems if p.rule == "not-rendered"]
    assert problem.pointer == "#/webhooks/newPet/delete"
    assert not problem.blocking
    assert "has no JSON body" in problem.message


class _Recorder:
    """A Receiver that keeps what it was given."""

    def __init__(self) -> None:
        self.received: list[tuple[str, Any]] = []

    async def new_pet_post(self, body: object) -> None:
        self.received.append(("new_pet_post", body))

    async def subscribe_on_event_post(self, body: object) -> None:
        if getattr(getattr(body, "kind", None), "value", None) == "deleted":
            raise pydantic.ValidationError.from_exception_data("the receiver's own check", [])
        self.received.append(("subscribe_on_event_post", body))


def _post(app: object, path: str, body: bytes, method: str = "POST") -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as client:
            return await client.request(method, path, content=body)

    return asyncio.run(call())


def test_a_receiver_app_hands_each_webhook_its_model(webhooks: ModuleType) -> None:
    recorder = _Recorder()
    app = webhooks.receiver_app(recorder)
    assert _post(app, "/new-pet-post", b'{"id": 7, "name": "Rex"}').status_code == 204
    ((name, pet),) = recorder.received
    assert (name, type(pet).__name__, pet.name) == ("new_pet_post", "Pet", "Rex")


def test_a_receiver_app_refuses_a_body_that_is_not_the_spec_s_and_calls_nothing(webhooks: ModuleType) -> None:
    recorder = _Recorder()
    answer = _post(webhooks.receiver_app(recorder), "/new-pet-post", b'{"id": "seven"}')
    assert answer.status_code == 400
    assert {tuple(error["loc"]) for error in answer.json()["detail"]} == {("id",), ("name",)}
    assert recorder.received == []


def test_a_receiver_app_answers_unknown_paths_wrong_methods_and_huge_bodies(webhooks: ModuleType) -> None:
    app = webhooks.receiver_app(_Recorder())
    assert _post(app, "/elsewhere", b"{}").status_code == 404
    wrong = _post(app, "/new-pet-post", b"{}", method="PUT")
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
    assert _post(app, "/new-pet-post", b" " * (webhooks.MAX_BODY_BYTES + 1)).status_code == 413


def test_a_receiver_app_serves_at_the_paths_you_gave_the_api(webhooks: ModuleType) -> None:
    recorder = _Recorder()
    app = webhooks.receiver_app(recorder, paths={"subscribe_on_event_post": "/hooks/events"})
    assert _post(app, "/hooks/events", b'{"kind": "created"}').status_code == 204
    assert _post(app, "/subscribe-on-event-post", b'{"kind": "created"}').status_code == 404
    assert [name for name, _ in recorder.received] == ["subscribe_on_event_post"]
    with pytest.raises(ValueError, match="no webhook or callback: new_pet"):
        webhooks.receiver_app(recorder, paths={"new_pet": "/x"})
    with pytest.raises(ValueError, match="the same path"):
        webhooks.receiver_app(recorder, paths={"new_pet_post": "/x", "subscribe_on_event_post": "/x"})


def test_an_error_of_the_receiver_itself_is_not_blamed_on_the_body(webhooks: ModuleType) -> None:
    """A ValidationError raised by your method is yours: it is not answered as a bad body (400)."""
    app = webhooks.receiver_app(_Recorder())
    with pytest.raises(pydantic.ValidationError, match="the receiver's own check"):
        _post(app, "/subscribe-on-event-post", b'{"kind": "deleted"}')
