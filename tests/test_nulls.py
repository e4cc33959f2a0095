"""Which optional properties refuse null: read from the schemas, never guessed."""

from __future__ import annotations

from typing import Any

import pytest

from generator.model.nulls import admits_null, base_class_name, refused_nulls

SCHEMAS: dict[str, Any] = {
    "Nullable": {"type": ["string", "null"]},
    "Plain": {"type": "string"},
    "Loop": {"$ref": "#/components/schemas/Loop"},
    "Parent": {
        "type": "object",
        "required": ["kept"],
        "properties": {"kept": {"type": "string"}, "up": {"type": "integer"}},
    },
    "Child": {
        "allOf": [
            {"$ref": "#/components/schemas/Parent"},
            {
                "type": "object",
                "properties": {
                    "own": {"type": "boolean"},
                    "maybe": {"$ref": "#/components/schemas/Nullable"},
                    "plain": {"$ref": "#/components/schemas/Plain"},
                    "defaulted": {"type": "integer", "default": 3},
                    "anything": {},
                },
            },
        ]
    },
}


@pytest.mark.parametrize(
    ("schema", "admits"),
    [
        ({"type": "string"}, False),
        ({"type": ["string", "null"]}, True),
        ({"type": "string", "nullable": True}, True),
        ({"enum": ["a", None]}, True),
        ({"enum": ["a"]}, False),
        ({"const": None}, True),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, True),
        ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, False),
        ({"allOf": [{"type": ["string", "null"]}, {"$ref": "#/components/schemas/Plain"}]}, False),
        ({"$ref": "#/components/schemas/Nullable"}, True),
        ({"$ref": "#/components/schemas/Plain"}, False),
        ({"$ref": "#/components/schemas/Loop"}, True),  # unsure: nothing valid is refused
        ({"$ref": "other.yaml#/Thing"}, True),
        ({}, True),
        (True, True),
        (False, False),
    ],
)
def test_admits_null(schema: Any, admits: bool) -> None:
    assert admits_null(schema, SCHEMAS) is admits


def test_the_table_holds_optional_properties_that_refuse_null_inherited_ones_included() -> None:
    assert refused_nulls(SCHEMAS) == (("Child", ("own", "plain", "up")), ("Parent", ("up",)))


def test_the_base_class_takes_a_name_no_schema_has() -> None:
    assert base_class_name(("Error",)) == "SchemaModel"
    assert base_class_name(("SchemaModel", "SchemaModelBase")) == "SchemaModelBaseBase"
