"""Every generated file, as text, keyed by its path under the output folder."""

from __future__ import annotations

import ast
import html
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2

from generator import naming
from generator.model.api import Api, Parameter, Response
from generator.render import client
from generator.render.header import header
from generator.render.lazy_package import split_into_package
from generator.render.models import render_models
from generator.settings import Settings

# (template under templates/, output path under generated/); "{client}" and "{server}" are package names.
PLAN: tuple[tuple[str, str], ...] = (
    ("README.md.jinja", "README.md"),
    ("ruff.toml.jinja", "ruff.toml"),
    ("client/pyproject.toml.jinja", "client/pyproject.toml"),
    ("client/README.md.jinja", "client/README.md"),
    ("client/__init__.py.jinja", "client/{client}/__init__.py"),
    ("client/_errors.py.jinja", "client/{client}/_errors.py"),
    ("client/_base.py.jinja", "client/{client}/_base.py"),
    ("client/_auth.py.jinja", "client/{client}/_auth.py"),
    ("client/_pages.py.jinja", "client/{client}/_pages.py"),
    ("client/_styles.py.jinja", "client/{client}/_styles.py"),
    ("client/_client.py.jinja", "client/{client}/_client.py"),
    ("client/resources/__init__.py.jinja", "client/{client}/resources/__init__.py"),
    ("client/resources/tag.py.jinja", "client/{client}/resources/{tag}.py"),
    ("client/webhooks.py.jinja", "client/{client}/webhooks.py"),
    ("server/__init__.py.jinja", "server/{server}/__init__.py"),
    ("server/_runtime.py.jinja", "server/{server}/_runtime.py"),
    ("server/requests.py.jinja", "server/{server}/requests.py"),
    ("server/responses.py.jinja", "server/{server}/responses.py"),
    ("server/interfaces.py.jinja", "server/{server}/interfaces.py"),
    ("server/app.py.jinja", "server/{server}/app.py"),
    ("server/security.py.jinja", "server/{server}/security.py"),
    ("server/_styles.py.jinja", "server/{server}/_styles.py"),
    ("_formats.py.jinja", "client/{client}/_formats.py"),
    ("_formats.py.jinja", "server/{server}/_formats.py"),
    ("_schema_model.py.jinja", "client/{client}/_schema_model.py"),
    ("_schema_model.py.jinja", "server/{server}/_schema_model.py"),
)
FORMATS_TEMPLATE = "_formats.py.jinja"  # rendered only when a schema uses one of the generator's formats
WEBHOOKS_TEMPLATE = "client/webhooks.py.jinja"  # rendered only when the API has webhooks or callbacks to parse
SPEC_COPIES = ("server/{server}/openapi.yaml", "server/{server}/openapi.json")  # what the server serves
MODELS_PACKAGES = ("client/{client}/models", "server/{server}/models")  # one module per model, see lazy_package
SPLIT_MODULES = ("server/{server}/requests.py",)  # rendered as one module, written as a lazy package
MARKERS = ("client/{client}/py.typed", "server/{server}/py.typed")  # PEP 561 markers stay empty


def render_tree(api: Api, document: dict[str, Any], spec: Spec, settings: Settings) -> dict[PurePosixPath, str]:
    environment = _environment(settings.templates)
    names = {"client": settings.client_package, "server": settings.server_package}
    context = {"api": api, "settings": settings, "error_classes": client.error_classes(api, document, settings)}
    environment.globals["client_parameter"] = lambda parameter: client.client_parameter(parameter, settings)
    files: dict[PurePosixPath, str] = {}
    for template_name, output in PLAN:
        if template_name == FORMATS_TEMPLATE and not api.formats:
            continue
        if template_name == WEBHOOKS_TEMPLATE and not any(received.body for received in api.received):
            continue
        template = environment.get_template(template_name)
        for tag in api.tags if "{tag}" in output else [None]:
            path = PurePosixPath(output.format(**names, tag=tag.python_name if tag else ""))
            files[path] = template.render(**context, tag=tag, header=header(api, path.suffix))
    models = render_models(document, header(api, ".py"), api.schema_names, api.model_base, settings.cache)
    modules = split_into_package(models, header(api, ".py"), "The API's models.")
    for output in MODELS_PACKAGES:
        folder = PurePosixPath(output.format(**names))
        files.update({folder / name: text for name, text in modules.items()})
    for output in SPLIT_MODULES:
        module = PurePosixPath(output.format(**names))
        code = files.pop(module)
        about = ast.get_docstring(ast.parse(code)) or ""
        parts = split_into_package(code, header(api, ".py"), about)
        files.update({module.with_suffix("") / name: text for name, text in parts.items()})
    for output in MARKERS:
        files[PurePosixPath(output.format(**names))] = ""
    yaml_copy, json_copy = (PurePosixPath(output.format(**names)) for output in SPEC_COPIES)
    files[yaml_copy] = header(api, ".yaml") + spec.yaml_text
    files[json_copy] = json.dumps(spec.data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return dict(sorted(files.items()))


@dataclass(frozen=True)
class Spec:
    """The spec as the server serves it: its own text when it is one file, else the bundled document."""

    yaml_text: str
    data: dict[str, Any]


def _environment(templates: Path) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # noqa: S701 - the output is Python and Markdown, not HTML
    )
    environment.filters.update(
        first_line=_first_line,
        snake=naming.snake_name,
        tuple_literal=lambda value: repr(tuple(value)),
        security_literal=repr,
        call_security=lambda security: repr(tuple(tuple(name for name, _ in alternative) for alternative in security)),
        builtin_safe=client.builtin_safe,
        or_none=client.or_none,
        or_not_given=client.or_not_given,
        format_model=lambda name: f"`{name}`",
        set_literal=lambda values: "{" + ", ".join(json.dumps(value) for value in values) + "}" if values else "set()",
        inline=_inline,
        string_literal=lambda text: json.dumps(text, ensure_ascii=False),  # for Python and TOML alike
        html=html.escape,
        package_version=naming.package_version,
    )
    environment.globals.update(
        field_default=_field_default,
        status_name=_status_name,
        response_fields=_response_fields,
        body_kind=client.body_kind,
        body_content_type=client.body_content_type,
        body_dict=client.body_dict,
        wire_value=client.wire_value,
    )
    return environment


def _first_line(text: str) -> str:
    """The first sentence of a description, on one line, safe inside a triple-quoted docstring."""
    paragraph = " ".join(text.strip().split("\n\n", 1)[0].split())
    sentence = paragraph.split(". ", 1)[0]
    sentence = sentence if sentence.endswith(".") or sentence == paragraph else sentence + "."
    return _inline(sentence)


def _inline(text: str) -> str:
    """Any text (a title, a version) on one line, safe inside a docstring."""
    return " ".join(text.split()).replace("\\", "\\\\").replace('"', "'")


def _status_name(response: Response) -> str:
    return response.status.upper() if response.status.isalnum() and response.status != "default" else "Default"


def _response_fields(response: Response) -> list[tuple[str, str, str]]:
    """A response class's fields: (name, annotation, default), those with a default last."""
    fields = [] if response.fixed_status else [("status_code", "int", "")]
    if response.body_annotation is not None:
        fields.append(("body", response.body_annotation, ""))
    for declared in sorted(response.headers, key=lambda each: not each.required):
        fields.append((declared.python_name, declared.annotation, "" if declared.required else " | None = None"))
    return fields


def _field_default(parameter: Parameter) -> str:
    """What follows a request field's annotation: its default, if it has one or is optional."""
    if parameter.default is not None:
        return f" = {parameter.default}"
    return "" if parameter.required else " = None"
