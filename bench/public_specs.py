"""Generate from public specs nobody here wrote, and report what ruff and mypy --strict say (client and server).

    python bench/public_specs.py [--no-github]

For each spec: did generation succeed, how long it took, do the models import, ruff's verdict,
and the number of mypy --strict errors (with the most common kinds).
"""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fetch_specs

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "specs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-github", action="store_true")
    arguments = parser.parse_args()
    specs = sorted(SHARED.glob("*.yaml")) if SHARED.is_dir() else []
    if not arguments.no_github:
        specs.append(fetch_specs.github_spec())
    print("| spec | generate | s | imports | ruff | mypy --strict errors | most common |")
    print("| --- | --- | ---: | --- | --- | ---: | --- |")
    for spec in specs:
        print(_report(spec), flush=True)


def _report(spec: Path) -> str:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "generated"
        started = time.perf_counter()
        generated = _run(
            [sys.executable, "-m", "generator", "generate", "--no-cache", "--spec", str(spec), "--out", str(out)]
        )
        seconds = time.perf_counter() - started
        if generated.returncode != 0:
            return f"| {spec.name} | FAILED | {seconds:.1f} | | | | {generated.stdout.strip()[-80:]} |"
        client = out / "client"
        imported = _run([sys.executable, "-c", "import posthog_experiments.models"], cwd=client)
        ruff = _run([sys.executable, "-m", "ruff", "check", "--no-cache", str(out)])
        packages = [str(client / "posthog_experiments"), str(out / "server" / "posthog_experiments_server")]
        mypy = _run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", *packages])
        errors = re.findall(r"error: .*\[([a-z-]+)\]$", mypy.stdout, re.M)
        common = ", ".join(f"{kind} {count}" for kind, count in collections.Counter(errors).most_common(3))
        return (
            f"| {spec.name} | ok | {seconds:.1f} | {'yes' if imported.returncode == 0 else 'NO'} "
            f"| {'clean' if ruff.returncode == 0 else 'FINDINGS'} | {len(errors)} | {common} |"
        )


def _run(command: list[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


if __name__ == "__main__":
    main()
