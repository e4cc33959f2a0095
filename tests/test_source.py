"""Reading a spec file: YAML as OpenAPI means it (1.2's core schema), so JSON and YAML agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import source

SCALARS = [
    ("on", "on"),  # YAML 1.1 reads these as booleans: a property `on` would be renamed `True`
    ("yes", "yes"),
    ("off", "off"),
    ("1:30", "1:30"),  # 1.1: sexagesimal 90
    ("012", 12),  # 1.1: octal 10
    ("0o17", 15),
    ("0x1F", 31),
    ("1_000", "1_000"),
    ("1e3", 1000.0),  # 1.1: a string
    ("-.5", -0.5),
    ("true", True),
    ("False", False),
    ("null", None),
    ("2021-12-01", "2021-12-01"),  # dates stay strings, as JSON has them
    ("2021-12-01T10:23:00Z", "2021-12-01T10:23:00Z"),
]


@pytest.mark.parametrize(("text", "value"), SCALARS)
def test_plain_scalars_read_as_yaml_1_2_core_schema(tmp_path: Path, text: str, value: object) -> None:
    document = source.parse(tmp_path / "spec.yaml", f"value: {text}\n")
    assert document.data["value"] == value
    assert type(document.data["value"]) is type(value)


def test_a_property_named_on_keeps_its_name_and_is_located(tmp_path: Path) -> None:
    text = "type: object\nproperties:\n  on:\n    type: string\n"
    document = source.parse(tmp_path / "spec.yaml", text)
    assert list(document.data["properties"]) == ["on"]
    position = document.position("/properties/on")
    assert position is not None
    assert position.line == 4  # the schema under `on`
