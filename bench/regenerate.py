"""Time a whole, cold regeneration by us and by peer generators, on the same inputs, in one run.

    python bench/regenerate.py [--runs 3] [--inputs ours synthetic github]

Each tool runs as a fresh process; the table shows the median wall time over the runs and the
peak memory of the whole process tree (our generator forks, so its tree is what counts), sampled
every 10 ms from /proc. "ours (cold)" starts from an empty model cache each run; "ours (cached)"
runs with the models of an earlier run in the cache, as a maintainer's second run after editing
something other than the schemas would. Peers are installed into `.cache/peers` on first use:
openapi-python-client and datamodel-code-generator (the same pinned version we use, formatting with
ruff, its fastest formatter).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fetch_specs
import synthetic_spec

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT / ".cache" / "peers"
PEER_PACKAGES = ["openapi-python-client==0.29.1", "datamodel-code-generator==0.89.0", "ruff==0.17.5"]


@dataclass
class Measurement:
    tool: str
    seconds: list[float]
    peak_mb: float
    ok: bool
    note: str


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--inputs", nargs="+", default=["ours", "synthetic", "github"])
    arguments = parser.parse_args()
    _install_peers()
    inputs = {
        "ours": lambda: ROOT / "spec" / "openapi.yaml",
        "synthetic": lambda: synthetic_spec.write(500, 500),
        "github": fetch_specs.github_spec,
    }
    rows = []
    for name in arguments.inputs:
        spec = inputs[name]()
        for tool, command in _tools(spec).items():
            rows.append((name, _measure(tool, command, arguments.runs)))
    _print_table(rows)


def _tools(spec: Path) -> dict[str, Callable[[Path], list[str]]]:
    peer_bin = PEERS / "bin"

    def ours(cache: str) -> Callable[[Path], list[str]]:
        return lambda out: [
            sys.executable,
            "-m",
            "generator",
            "generate",
            "--spec",
            str(spec),
            "--out",
            str(out / "generated"),
            *(["--no-cache"] if cache == "cold" else []),
        ]

    return {
        "ours (cold)": ours("cold"),
        "ours (cached)": ours("cached"),
        "datamodel-code-generator": lambda out: [
            str(peer_bin / "datamodel-codegen"),
            "--input",
            str(spec),
            "--input-file-type",
            "openapi",
            "--output",
            str(out / "models.py"),
            "--output-model-type",
            "pydantic_v2.BaseModel",
            "--disable-timestamp",
            "--formatters",
            "ruff-format",
            "ruff-check",
        ],
        "openapi-python-client": lambda out: [
            str(peer_bin / "openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--meta",
            "none",
            "--output-path",
            str(out / "client"),
            "--overwrite",
        ],
    }


def _measure(tool: str, command: Callable[[Path], list[str]], runs: int) -> Measurement:
    seconds, peaks, ok, note = [], [], True, ""
    if tool == "ours (cached)":  # prime the cache once, untimed
        with tempfile.TemporaryDirectory() as scratch:
            subprocess.run(command(Path(scratch)), cwd=ROOT, capture_output=True, check=False)
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as scratch, tempfile.TemporaryFile() as log:
            started = time.perf_counter()
            # output to a file, not a pipe: a tool that writes much would block on a full pipe
            process = subprocess.Popen(command(Path(scratch)), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            peak = _watch_peak_rss(process)
            elapsed = time.perf_counter() - started
            log.seek(0)
            output = log.read().decode(errors="replace")
            seconds.append(elapsed)
            peaks.append(peak)
            if process.returncode != 0:
                ok, note = False, f"exit {process.returncode}: {output.strip().splitlines()[-1][:80] if output else ''}"
            elif "WARNING" in output or "Warning" in output:
                note = f"{output.count('WARNING') + output.count('Warning')} warnings (skipped parts)"
    return Measurement(tool, seconds, max(peaks) / 1024, ok, note)


def _watch_peak_rss(process: subprocess.Popen[bytes]) -> float:
    """The largest total resident memory (KiB) of ``process`` and its descendants while it runs."""
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, _tree_rss(process.pid))
        time.sleep(0.01)
    return peak


def _tree_rss(pid: int) -> float:
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += float(line.split()[1])
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def _print_table(rows: list[tuple[str, Measurement]]) -> None:
    print()
    print("| input | tool | median s | runs (s) | peak MB | ok | vs fastest peer | note |")
    print("| --- | --- | ---: | --- | ---: | --- | ---: | --- |")
    for input_name in dict.fromkeys(name for name, _ in rows):
        measured = [m for name, m in rows if name == input_name]
        peers = [m for m in measured if not m.tool.startswith("ours") and m.ok]
        fastest = min((statistics.median(m.seconds) for m in peers), default=None)
        for m in measured:
            median = statistics.median(m.seconds)
            ratio = f"{median / fastest:.2f}x" if fastest else "n/a"
            runs = " ".join(f"{s:.2f}" for s in m.seconds)
            print(
                f"| {input_name} | {m.tool} | {median:.2f} | {runs} | {m.peak_mb:.0f} | {'yes' if m.ok else 'NO'} "
                f"| {ratio} | {m.note} |"
            )


def _install_peers() -> None:
    if (PEERS / "bin" / "openapi-python-client").exists() and (PEERS / "bin" / "datamodel-codegen").exists():
        return
    subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
    subprocess.run([str(PEERS / "bin" / "pip"), "install", "--quiet", *PEER_PACKAGES], check=True)
    shutil.rmtree(PEERS / "share", ignore_errors=True)


if __name__ == "__main__":
    main()
