"""Write a large synthetic OpenAPI 3.1 spec: many schemas that refer to each other, many operations.

    python bench/synthetic_spec.py [--schemas 500] [--operations 500]   # prints the file's path

The spec is the same on every run (a fixed seed), so timings compare like with like.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Any

import yaml

CACHE = Path(__file__).resolve().parent.parent / ".cache" / "specs"
SCALARS: list[dict[str, Any]] = [
    {"type": "string"},
    {"type": "string", "maxLength": 200},
    {"type": "string", "format": "date-time"},
    {"type": "string", "format": "uuid"},
    {"type": "integer", "minimum": 0},
    {"type": "number"},
    {"type": "boolean"},
    {"type": ["string", "null"]},
    {"type": "string", "enum": ["red", "green", "blue"]},
    {"type": "array", "items": {"type": "string"}},
    {"type": "object", "additionalProperties": {"type": "integer"}},
]


def build(schemas: int, operations: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 - a reproducible spec, not a secret
    names = [f"Resource{index:04d}" for index in range(schemas)]
    components: dict[str, Any] = {}
    for index, name in enumerate(names):
        properties: dict[str, Any] = {"id": {"type": "integer", "readOnly": True}}
        for field in range(rng.randint(4, 12)):
            properties[f"field_{field}"] = dict(rng.choice(SCALARS))
        for link in range(rng.randint(0, 3)):
            if index:  # refer to earlier schemas only: a realistic, acyclic graph
                target = names[rng.randrange(index)]
                ref = {"$ref": f"#/components/schemas/{target}"}
                properties[f"link_{link}"] = ref if rng.random() < 0.7 else {"type": "array", "items": ref}
        components[name] = {
            "type": "object",
            "description": f"A synthetic resource, number {index}.",
            "required": ["id", "field_0"],
            "properties": properties,
        }
    paths: dict[str, Any] = {}
    for index in range(operations // 2):
        name = names[index % schemas]
        ref = {"$ref": f"#/components/schemas/{name}"}
        paths[f"/resources{index:04d}/{{item_id}}"] = {
            "parameters": [{"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {
                "operationId": f"get_resource{index:04d}",
                "parameters": [{"name": "expand", "in": "query", "schema": {"type": "boolean"}}],
                "responses": {"200": {"description": "Found.", "content": {"application/json": {"schema": ref}}}},
            },
            "put": {
                "operationId": f"put_resource{index:04d}",
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref}}},
                "responses": {
                    "200": {"description": "Stored.", "content": {"application/json": {"schema": ref}}},
                    "404": {"description": "Not found."},
                },
            },
        }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Synthetic", "version": "1.0.0"},
        "paths": paths,
        "components": {"schemas": components},
    }


def write(schemas: int = 500, operations: int = 500) -> Path:
    path = CACHE / f"synthetic-{schemas}-{operations}.yaml"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(build(schemas, operations), sort_keys=False))
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schemas", type=int, default=500)
    parser.add_argument("--operations", type=int, default=500)
    arguments = parser.parse_args()
    print(write(arguments.schemas, arguments.operations))
