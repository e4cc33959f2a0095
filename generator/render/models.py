"""Pydantic models of the spec's schemas, by datamodel-code-generator used as a library.

Models depend only on the schemas (everything a model needs has been hoisted into
``components/schemas``) and on how datamodel-code-generator is called. Its output is therefore
cached under a key made of exactly those, so that a change elsewhere in the spec (an operation, a
description of a path) does not pay for it again. The header, which names the whole spec, is put
on afterwards.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import json
import os
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from datamodel_code_generator import PythonVersion, generate
from datamodel_code_generator.enums import DataModelType, InputFileType, NamingStrategy, OpenAPIScope

_HEADER_PLACEHOLDER = "# (header)"
_OPTIONS: dict[str, Any] = {
    "input_file_type": InputFileType.OpenAPI,
    "output_model_type": DataModelType.PydanticV2BaseModel,
    "target_python_version": PythonVersion.PY_311,
    "openapi_scopes": [OpenAPIScope.Schemas],
    "naming_strategy": NamingStrategy.ParentPrefixed,
    "custom_file_header": _HEADER_PLACEHOLDER,
    "disable_timestamp": True,
    "formatters": [],  # the whole output tree is formatted once, with ruff, afterwards
    "use_annotated": True,
    "field_constraints": True,
    "use_schema_description": True,
    "use_field_description": True,
    "use_double_quotes": True,
    "strict_nullable": True,
    "keep_model_order": False,  # models in dependency order: enum defaults need their enum first
    "use_subclass_enum": True,
    "set_default_enum_member": True,
    "use_type_alias": True,
    "type_mappings": ["string+email=string", "string+idn-email=string", "string+uri=string"],
}


class ModelsError(Exception):
    """datamodel-code-generator failed, or did not name a model as the normalized spec does."""


def render_models(document: dict[str, Any], header: str, expected_names: tuple[str, ...], cache: Path | None) -> str:
    """The models module for the normalized ``document``; each schema becomes the class of its name."""
    if not expected_names:
        return header + '"""This API declares no schemas."""\n'
    key = _cache_key(document)
    cached = cache / f"models-{key}.py" if cache else None
    if cached is not None and cached.is_file():
        code = cached.read_text(encoding="utf-8")
    else:
        code = _generate(document)
        missing = sorted(set(expected_names) - _top_level_names(code))
        if missing:
            raise ModelsError(f"datamodel-code-generator did not produce these models: {', '.join(missing)}")
        if cached is not None:
            _store(cached, code)
    return code.replace(_HEADER_PLACEHOLDER, header.rstrip("\n"), 1)


def _generate(document: dict[str, Any]) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its notices about defaults changing in future releases
        try:
            code = generate(document, **_OPTIONS)
        except Exception as error:
            raise ModelsError(f"datamodel-code-generator failed: {type(error).__name__}: {error}") from error
    if not isinstance(code, str):
        raise ModelsError("datamodel-code-generator returned several modules where one was expected")
    return code


def _cache_key(document: dict[str, Any]) -> str:
    """Everything the models depend on, and nothing else."""
    inputs = {
        "openapi": document.get("openapi"),
        "schemas": document.get("components", {}).get("schemas", {}),
        "options": repr(sorted(_OPTIONS.items())),
        "datamodel-code-generator": importlib.metadata.version("datamodel-code-generator"),
        "pydantic": importlib.metadata.version("pydantic"),
        "python": sys.version_info[:2],
    }
    canonical = json.dumps(inputs, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _store(path: Path, code: str) -> None:
    """Write the cache entry whole or not at all, so that a concurrent run never reads half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".models-", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(code)
    os.replace(temporary, path)


def _top_level_names(code: str) -> set[str]:
    names = set()
    for node in ast.parse(code).body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names
