"""Where the generator reads and writes, from flags or from ``[tool.experiments-codegen]``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

TABLE = "experiments-codegen"


@dataclass(frozen=True)
class Settings:
    spec: Path = Path("spec/openapi.yaml")
    out: Path = Path("generated")
    templates: Path = Path("templates")
    client_package: str = "posthog_experiments"
    client_distribution: str = "posthog-experiments"
    server_package: str = "posthog_experiments_server"
    # where generated models are kept between runs, keyed by what they depend on; None: no cache
    cache: Path | None = Path(".cache/experiments-codegen")
    # The client: environment variables it reads (empty: none), path parameters with a default from
    # the environment, and error classes for declared error bodies of a schema (schema -> class name).
    client_base_url_env: str = ""
    client_api_key_env: str = ""
    client_parameter_env: dict[str, str] = field(default_factory=dict)
    client_error_classes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path | None = None, **overrides: Any) -> Settings:
        """Defaults, then the project's ``pyproject.toml`` table, then ``overrides`` (None means unset)."""
        root = root or _project_root(Path.cwd())
        table = _pyproject_table(root)
        unknown = sorted(set(table) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown settings in [tool.{TABLE}]: {', '.join(unknown)}")
        settings = replace(cls(), **table)
        # Paths of the table are relative to the project; paths given on the command line, to where it runs.
        anchored: dict[str, Any] = {
            name: _anchor(root, Path(getattr(settings, name))) for name in _PATHS if getattr(settings, name) is not None
        }
        given: dict[str, Any] = {
            key: Path(value).absolute() if key in _PATHS else value
            for key, value in overrides.items()
            if value is not None
        }
        return replace(replace(settings, **anchored), **given)


_PATHS = ("spec", "out", "templates", "cache")


def _anchor(root: Path, path: Path) -> Path:
    return path if path.is_absolute() else root / path


def _project_root(start: Path) -> Path:
    for directory in (start, *start.parents):
        if (directory / "pyproject.toml").is_file():
            return directory
    return start


def _pyproject_table(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        table: dict[str, Any] = tomllib.load(handle).get("tool", {}).get(TABLE, {})
    return table
