"""Formats on the wire: each value a model reads is sent back as the API sent it (golden ``formats``)."""

from __future__ import annotations

import base64
import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import ValidationError

CLIENT = Path(__file__).parent / "golden" / "formats" / "expected" / "client"


@pytest.fixture
def models(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(CLIENT))
    for name in [name for name in sys.modules if name.startswith("posthog_experiments")]:
        monkeypatch.delitem(sys.modules, name)
    return importlib.import_module("posthog_experiments.models")


def test_a_password_is_sent_as_given_not_masked(models: ModuleType) -> None:
    record = models.Record(id="01ARZ3NDEKTSV4RRFFQ69G5FAV", secret="hunter2")  # noqa: S106 - a value to send
    assert record.model_dump(mode="json", exclude_unset=True) == {
        "id": "01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "secret": "hunter2",
    }


def test_base64_of_binary_content_reads_and_round_trips(models: ModuleType) -> None:
    jpeg_start = base64.b64encode(bytes([0xFF, 0xD8, 0xFF, 0xE0])).decode()
    record = models.Record.model_validate({"id": "x", "thumbnail": jpeg_start})
    assert record.thumbnail == jpeg_start
    assert base64.b64decode(record.thumbnail) == bytes([0xFF, 0xD8, 0xFF, 0xE0])
    assert record.model_dump(mode="json", exclude_unset=True)["thumbnail"] == jpeg_start


@pytest.mark.parametrize("text", ["not base64!", "abc", "ab=c"])
def test_text_that_is_not_base64_is_refused_where_the_format_is_byte(models: ModuleType, text: str) -> None:
    with pytest.raises(ValidationError, match="thumbnail"):
        models.Record.model_validate({"id": "x", "thumbnail": text})


def test_formats_that_need_another_package_are_read_as_text(models: ModuleType) -> None:
    """ulid and email would import python-ulid and email-validator, which the client does not need."""
    record = models.Record.model_validate({"id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "owner": "a@example.com"})
    assert (record.id, record.owner) == ("01ARZ3NDEKTSV4RRFFQ69G5FAV", "a@example.com")
    source = (CLIENT / "posthog_experiments" / "models" / "record.py").read_text()
    assert "ulid" not in source.split("class Record")[0]
