"""Where the generator reads and writes and what it names, from flags or ``[tool.experiments-codegen]``.

The table belongs to its project's spec: for another spec (``--spec``) it is not read, and the
names come from that spec's title, so that no project's names leak into another API's packages.
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

TABLE = "experiments-codegen"
_NAME_WORDS = 4  # a title's first words name the packages: enough to tell APIs apart, short enough to type
# the generator's own templates, found from the generator itself whatever folder it runs in
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class Settings:
    spec: Path = Path("spec/openapi.yaml")
    out: Path = Path("generated")
    templates: Path = TEMPLATES
    # Names left empty are derived from the spec's title (``named_for``).
    client_package: str = ""
    client_distribution: str = ""
    server_package: str = ""
    # where generated models are kept between runs, keyed by what they depend on; None: no cache
    cache: Path | None = Path(".cache/experiments-codegen")
    # The client: environment variables it reads (None: derived from the title; "": none), path
    # parameters with a default from the environment, and error classes for declared error bodies of
    # a schema (schema -> class name).
    client_base_url_env: str | None = None
    client_api_key_env: str | None = None
    client_env_prefix: str | None = None  # of the variables named after each security scheme
    client_parameter_env: dict[str, str] = field(default_factory=dict)
    client_error_classes: dict[str, str] = field(default_factory=dict)

    def named_for(self, title: str) -> Settings:
        """These settings, with every name left unset derived from the API's ``title``.

        ``Swagger Petstore API`` gives the packages ``swagger_petstore_client`` and
        ``swagger_petstore_server``, the distribution ``swagger-petstore-client`` and the variables
        ``SWAGGER_PETSTORE_API_KEY`` and ``SWAGGER_PETSTORE_BASE_URL``. The suffixes keep a package
        from shadowing a module of the same name (an API titled "Email", or the vendor's own SDK).
        """
        # split at spaces and punctuation only (GitHub stays one word), without a possessive or a final "API"
        plain = unicodedata.normalize("NFKD", title.replace("\u2019", "'"))  # Élan -> E + accent
        plain = plain.encode("ascii", "ignore").decode()
        words = [word.lower() for word in re.findall(r"[A-Za-z0-9]+", re.sub(r"'s\b", "", plain))]
        if len(words) > 1 and words[-1] == "api":
            words.pop()
        stem = "_".join(words[:_NAME_WORDS]) or "api"
        stem = f"n{stem}" if stem[0].isdigit() else stem
        prefix = stem.upper()
        return replace(
            self,
            client_package=self.client_package or f"{stem}_client",
            client_distribution=self.client_distribution or f"{stem}_client".replace("_", "-"),
            server_package=self.server_package or f"{stem}_server",
            client_api_key_env=f"{prefix}_API_KEY" if self.client_api_key_env is None else self.client_api_key_env,
            client_base_url_env=f"{prefix}_BASE_URL" if self.client_base_url_env is None else self.client_base_url_env,
            client_env_prefix=prefix if self.client_env_prefix is None else self.client_env_prefix,
        )

    @classmethod
    def load(cls, root: Path | None = None, *, writing: bool = False, **overrides: Any) -> Settings:
        """Defaults, then the project's ``pyproject.toml`` table, then ``overrides`` (None means unset).

        ``writing``: the caller writes the output folder, which must then be named for a spec that
        is not the project's, lest the project's own output be replaced.
        """
        root = root or _project_root(Path.cwd())
        table = _pyproject_table(root)
        unknown = sorted(set(table) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown settings in [tool.{TABLE}]: {', '.join(unknown)}")
        if table and not _is_the_projects_spec(root, table, overrides.get("spec")):
            if writing and overrides.get("out") is None:
                raise ValueError(
                    f"--out is needed: {overrides['spec']} is not this project's spec, whose output folder it "
                    "would otherwise replace"
                )
            table = {}
        settings = replace(cls(), **table)
        # Paths of the table are relative to the project; paths given on the command line, to where it runs.
        if not (root / "pyproject.toml").is_file() and "cache" not in table:
            settings = replace(settings, cache=_user_cache())  # no project: nothing is written where it runs
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


def _is_the_projects_spec(root: Path, table: dict[str, Any], given: Any) -> bool:
    if given is None:
        return True
    own = _anchor(root, Path(table.get("spec", Settings.spec)))
    return Path(given).absolute().resolve() == own.resolve()


def _user_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "experiments-codegen"


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
