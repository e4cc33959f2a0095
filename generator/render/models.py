"""Pydantic models of the spec's schemas, by datamodel-code-generator used as a library."""

from __future__ import annotations

import ast
import warnings
from typing import Any

from datamodel_code_generator import PythonVersion, generate
from datamodel_code_generator.enums import DataModelType, InputFileType, NamingStrategy, OpenAPIScope


class ModelsError(Exception):
    """datamodel-code-generator failed, or did not name a model as the normalized spec does."""


def render_models(document: dict[str, Any], header: str, expected_names: tuple[str, ...]) -> str:
    """The models module for the normalized ``document``; each schema becomes the class of its name."""
    if not expected_names:
        return header + '"""This API declares no schemas."""\n'
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its notices about defaults changing in future releases
        code = generate(
            document,
            input_file_type=InputFileType.OpenAPI,
            output_model_type=DataModelType.PydanticV2BaseModel,
            target_python_version=PythonVersion.PY_311,
            openapi_scopes=[OpenAPIScope.Schemas],
            naming_strategy=NamingStrategy.ParentPrefixed,
            custom_file_header=header.rstrip("\n"),
            disable_timestamp=True,
            formatters=[],  # the whole output tree is formatted once, with ruff, afterwards
            use_annotated=True,
            field_constraints=True,
            use_schema_description=True,
            use_field_description=True,
            use_double_quotes=True,
            strict_nullable=True,
            keep_model_order=True,
            use_subclass_enum=True,
            use_type_alias=True,
            type_mappings=["string+email=string", "string+idn-email=string", "string+uri=string"],
        )
    if not isinstance(code, str):
        raise ModelsError("datamodel-code-generator returned several modules where one was expected")
    missing = sorted(set(expected_names) - _top_level_names(code))
    if missing:
        raise ModelsError(f"datamodel-code-generator did not produce these models: {', '.join(missing)}")
    return code


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
