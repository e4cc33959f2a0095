"""Webhooks and callbacks: the client parses what the API sends; what has nothing to parse is reported."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

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
