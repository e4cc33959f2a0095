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

from generator import walk
from generator.model import formats

_HEADER_PLACEHOLDER = "# (header)"
# The package of the generator's own formats and of the models' base class, named for
# datamodel-code-generator (which writes only absolute imports) and made relative afterwards: the
# client and the server share one models module.
_PACKAGE_PLACEHOLDER = "experiments_codegen_package"
BASE_MODULE = "_schema_model"
_FORMAT_TYPE = f"{_PACKAGE_PLACEHOLDER}.{formats.MODULE}.{formats.PYTHON_NAME}"
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
    # Formats read as plain text: their types would need a package the generated code does not
    # depend on (email, ulid), read more strictly than the spec (uri), hide the value when sent
    # (password: SecretStr serializes as asterisks) or decode it (byte: see formats.BASE64_PATTERN).
    "type_mappings": [f"string+{name}=string" for name in ("email", "idn-email", "uri", "ulid", "password", "byte")],
}


class ModelsError(Exception):
    """datamodel-code-generator failed, or did not name a model as the normalized spec does."""


def render_models(
    document: dict[str, Any], header: str, expected_names: tuple[str, ...], base_class: str, cache: Path | None
) -> str:
    """The models module for the normalized ``document``; each schema becomes the class of its name,
    and each object model derives from ``base_class`` of the package's ``_schema_model`` module."""
    if not expected_names:
        return header + '"""This API declares no schemas."""\n'
    document = _with_format_types(document)
    options = {**_OPTIONS, "base_class": f"{_PACKAGE_PLACEHOLDER}.{BASE_MODULE}.{base_class}"}
    key = _cache_key(document, options)
    cached = cache / f"models-{key}.py" if cache else None
    if cached is not None and cached.is_file():
        code = cached.read_text(encoding="utf-8")
    else:
        code = _generate(document, options)
        missing = sorted(set(expected_names) - _top_level_names(code))
        if missing:
            raise ModelsError(f"datamodel-code-generator did not produce these models: {', '.join(missing)}")
        if cached is not None:
            _store(cached, code)
    # datamodel-code-generator's own output is what is cached; what is done to it here is not
    code = _with_base_class(code.replace(f"from {_PACKAGE_PLACEHOLDER}.", "from ."), base_class)
    return code.replace(_HEADER_PLACEHOLDER, header.rstrip("\n"), 1)


def _generate(document: dict[str, Any], options: dict[str, Any]) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its notices about defaults changing in future releases
        try:
            code = generate(document, **options)
        except Exception as error:
            raise ModelsError(f"datamodel-code-generator failed: {type(error).__name__}: {error}") from error
    if not isinstance(code, str):
        raise ModelsError("datamodel-code-generator returned several modules where one was expected")
    return code


def _with_base_class(code: str, name: str) -> str:
    """``code`` with the models' base class defined in it, after the imports, in place of its import.

    Defined here, it derives from pydantic's ``BaseModel`` where tools see it (ruff knows then that
    a list default of a model is no shared class attribute); its logic lives in ``_schema_model``.
    """
    imported = f"from .{BASE_MODULE} import {name}\n"
    if imported not in code:
        return code  # no model derives from it
    code = code.replace(imported, "", 1)
    imports_end = max(
        node.end_lineno or node.lineno for node in ast.parse(code).body if isinstance(node, ast.Import | ast.ImportFrom)
    )
    lines = code.splitlines(keepends=True)
    definition = _BASE_CLASS.format(name=name, module=BASE_MODULE)
    return "".join(lines[:imports_end]) + definition + "".join(lines[imports_end:])


_BASE_CLASS = '''from typing import Any
from pydantic import BaseModel, ValidationInfo, model_validator
from .{module} import refuse_null


class {name}(BaseModel):
    """The base of the models: an explicit null is refused where the schema refuses it ({module})."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_null(cls, data: Any, info: ValidationInfo) -> Any:
        return refuse_null(cls.__name__, data, info)

'''


def _with_format_types(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with each schema of the generator's own formats naming its Python type, and
    each ``byte`` string checked as base64 text.

    The validation rules have made sure such a schema constrains its text by nothing but the
    format's own grammar, which the type enforces; a nullable one becomes "the type or null", the
    spelling datamodel-code-generator reads ``x-python-type`` in.
    """
    schemas = document.get("components", {}).get("schemas", {})
    rewritten = _rewrite_map(schemas)
    if rewritten is schemas:
        return document
    return {**document, "components": {**document["components"], "schemas": rewritten}}


def _rewrite_formats(value: Any) -> Any:
    """``value`` with its format schemas rewritten; the same object when it holds none."""
    if isinstance(value, list):
        items = [_rewrite_formats(item) for item in value]
        return value if all(new is old for new, old in zip(items, value, strict=True)) else items
    if not isinstance(value, dict):
        return value
    if value.get("format") == formats.LENIENT_DATETIME:
        return _format_type(value)
    if value.get("format") == "byte" and "pattern" not in value:
        return {**value, "pattern": formats.BASE64_PATTERN}
    changed = {
        key: _rewrite_formats(item) if key not in walk.SCHEMA_MAP else _rewrite_map(item)
        for key, item in value.items()
        if key not in walk.DATA_KEYS and not key.startswith("x-")
    }
    if all(changed[key] is value[key] for key in changed):
        return value
    return {**value, **changed}


def _rewrite_map(value: Any) -> Any:
    """A map of schemas (``properties``, ...): every value is a schema, whatever its name."""
    if not isinstance(value, dict):
        return value
    changed = {name: _rewrite_formats(item) for name, item in value.items()}
    return value if all(changed[name] is value[name] for name in value) else changed


def _format_type(schema: dict[str, Any]) -> dict[str, Any]:
    types = schema.get("type")
    nullable = schema.get("nullable") is True or (isinstance(types, list) and "null" in types)
    kept = {
        key: item
        for key, item in schema.items()
        if key not in ("type", "format", "nullable", *formats.TEXT_CONSTRAINTS)
    }
    typed = {"type": "string", "x-python-type": _FORMAT_TYPE}
    return {**kept, "anyOf": [typed, {"type": "null"}]} if nullable else {**kept, **typed}


def _cache_key(document: dict[str, Any], options: dict[str, Any]) -> str:
    """Everything the models depend on, and nothing else."""
    inputs = {
        "openapi": document.get("openapi"),
        "schemas": document.get("components", {}).get("schemas", {}),
        "options": repr(sorted(options.items())),
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
