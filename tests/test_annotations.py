"""Schemas as Python annotations: unions name each type once, ``None`` last (ruff's RUF036)."""

from __future__ import annotations

from generator.model.annotations import annotate
from generator.render.client import or_not_given


def test_a_union_of_nullable_members_names_none_once_and_last() -> None:
    """OpenAI's ``stop``: a nullable string or a nullable list of strings."""
    schema = {
        "oneOf": [
            {"type": "string", "nullable": True},
            {"type": "array", "items": {"type": "string"}, "nullable": True},
        ]
    }
    assert annotate(schema) == "str | list[str] | None"
    assert annotate({"anyOf": [{"type": "integer"}, {"type": "null"}], "nullable": True}) == "int | None"


def test_bars_inside_brackets_are_not_split() -> None:
    schema = {
        "anyOf": [{"type": "object", "additionalProperties": {"type": "integer", "nullable": True}}, {"type": "null"}]
    }
    assert annotate(schema) == "dict[str, int | None] | None"


def test_an_optional_body_field_keeps_none_last() -> None:
    assert or_not_given("str | list[str] | None") == "str | list[str] | NotGiven | None"
    assert or_not_given("int") == "int | NotGiven"
