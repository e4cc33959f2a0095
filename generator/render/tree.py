"""Every generated file, as text, keyed by its path under the output folder."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import jinja2

from generator.model.api import Api
from generator.render.header import header, header_lines
from generator.render.models import render_models
from generator.settings import Settings

# (template under templates/, output path under generated/); "{client}" and "{server}" are package names.
PLAN: tuple[tuple[str, str], ...] = (
    ("README.md.jinja", "README.md"),
    ("ruff.toml.jinja", "ruff.toml"),
    ("client/__init__.py.jinja", "client/{client}/__init__.py"),
    ("server/__init__.py.jinja", "server/{server}/__init__.py"),
)
MODELS_MODULES = ("client/{client}/models.py", "server/{server}/models.py")
MARKERS = ("client/{client}/py.typed", "server/{server}/py.typed")  # PEP 561 markers stay empty


def render_tree(api: Api, document: dict[str, Any], settings: Settings) -> dict[PurePosixPath, str]:
    environment = _environment(settings.templates)
    names = {"client": settings.client_package, "server": settings.server_package}
    files: dict[PurePosixPath, str] = {}
    for template_name, output in PLAN:
        path = PurePosixPath(output.format(**names))
        template = environment.get_template(template_name)
        files[path] = template.render(
            api=api, settings=settings, header=header(api, path.suffix), header_lines=header_lines(api)
        )
    models = render_models(document, header(api, ".py"), api.schema_names, settings.cache)
    for output in MODELS_MODULES:
        files[PurePosixPath(output.format(**names))] = models
    for output in MARKERS:
        files[PurePosixPath(output.format(**names))] = ""
    return dict(sorted(files.items()))


def _environment(templates: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # noqa: S701 - the output is Python and Markdown, not HTML
    )
