"""The yardstick: ours, datamodel-code-generator and openapi-python-client on real specs, in one run.

    python bench/corpus.py [--sample N] [--seed S] [--examples] [--mypy N] [--tools ours,dcg,opc] [--jobs 2]
                           [--record FILE] [--documents NAME ...]

Documents come from ``corpus_fetch`` (the APIs.guru directory, or ``--examples`` for
``@readme/oas-examples``). Each tool runs in its own process with a time limit. Printed: one table
(generated and imported, refused with a genuine problem, refused falsely, crashed, timed out,
operations dropped), then our failures grouped by reason. A refusal is genuine when every blocking
problem is located and openapi-spec-validator also refuses the document; any other is false.

With ``--record FILE``, every finished document is appended to a JSON-lines file, and a later run
with the same file runs only what is missing: the peers' results are kept (their versions are
pinned), ours only when recorded at the same, clean commit.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, it imports its sibling as the tests do

from bench import corpus_fetch  # noqa: E402

TIMEOUT = 300  # seconds per tool and document
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
OUTCOMES = ("ok", "refused (genuine)", "refused (false)", "crashed", "timed out", "import failed")


@dataclass
class Result:
    outcome: str
    reason: str = ""
    operations_out: int | None = None
    mypy_errors: int | None = None
    seconds: float = 0.0
    commit: str = ""  # of this project when the tool ran: our results are only reused from the same one


@dataclass
class Row:
    document: str
    valid: bool
    operations_in: int
    results: dict[str, Result] = field(default_factory=dict)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, help="this many documents, chosen by --seed (default: all)")
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--examples", action="store_true", help="@readme/oas-examples instead of the directory")
    parser.add_argument("--mypy", type=int, default=0, help="run mypy --strict on our output for the first N")
    parser.add_argument("--tools", default="ours,dcg,opc")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--record", type=Path, help="JSON-lines file of finished rows: appended to, resumed from")
    parser.add_argument(
        "--documents", nargs="+", metavar="NAME", help="only the documents whose name contains one of these"
    )
    arguments = parser.parse_args()
    documents = corpus_fetch.examples() if arguments.examples else corpus_fetch.directory()
    chosen = corpus_fetch.sample(documents, arguments.sample, arguments.seed)
    if arguments.documents:
        chosen = [path for path in chosen if any(part in corpus_fetch.name(path) for part in arguments.documents)]
        if not chosen:
            parser.error(f"no document's name contains any of {arguments.documents}")
    tools = arguments.tools.split(",")
    commit = _commit()
    recorded = _recorded(arguments.record, commit)

    def run(item: tuple[int, Path]) -> Row:
        index, path = item
        row = recorded.get(corpus_fetch.name(path))
        missing = [tool for tool in tools if row is None or tool not in row.results]
        if missing:
            row = run_document(path, missing, index < arguments.mypy, row, commit)
            if arguments.record is not None:
                _record(arguments.record, row)
        assert row is not None
        return row

    with ThreadPoolExecutor(arguments.jobs) as pool:
        rows = list(pool.map(run, enumerate(chosen)))
    print_table(rows, tools)
    print_reasons(rows)


def run_document(document: Path, tools: list[str], with_mypy: bool, row: Row | None = None, commit: str = "") -> Row:
    """``row`` with the results of ``tools`` added; a new row when the document has none recorded."""
    if row is None:
        data = json.loads(document.read_text(encoding="utf-8"))
        row = Row(corpus_fetch.name(document), _spec_validator_accepts(document), _operations(data))
    with tempfile.TemporaryDirectory() as scratch:
        for tool in tools:
            started = time.perf_counter()
            result = RUNNERS[tool](document, Path(scratch) / tool, row, with_mypy)
            result.seconds = round(time.perf_counter() - started, 2)
            result.commit = commit
            row.results[tool] = result
    print(
        f"{row.document}: " + ", ".join(f"{tool} {result.outcome}" for tool, result in row.results.items()),
        file=sys.stderr,
        flush=True,
    )
    return row


def run_ours(document: Path, out: Path, row: Row, with_mypy: bool) -> Result:
    command = [sys.executable, "-m", "generator", "generate", "--no-cache", "--format", "json"]
    ran = _run([*command, "--spec", str(document), "--out", str(out)], cwd=out.parent)
    if ran is None:
        return Result("timed out")
    if ran.returncode == 1 and ran.stdout.strip().startswith("{"):
        problems = json.loads(ran.stdout)["problems"]
        blocking = [problem for problem in problems if problem["blocking"]] or problems
        first = blocking[0]
        reason = f"{first['rule']}: {_shape(first['message'])}"
        genuine = not row.valid and all(problem.get("pointer") is not None for problem in blocking)
        return Result("refused (genuine)" if genuine else "refused (false)", reason)
    if ran.returncode != 0:
        return Result("crashed", _last_line(ran.stderr))
    counted = re.search(r"(\d+) operations, (\d+) webhooks and callbacks", ran.stderr)
    packages = [path.parent for side in ("client", "server") for path in (out / side).glob("*/__init__.py")]
    imported = _imports(packages)
    if imported:
        return Result("import failed", imported, _sum(counted))
    mypy_errors = _mypy(packages) if with_mypy else None
    return Result("ok", operations_out=_sum(counted), mypy_errors=mypy_errors)


def run_dcg(document: Path, out: Path, row: Row, with_mypy: bool) -> Result:
    out.mkdir(parents=True)
    command = [sys.executable, "-m", "datamodel_code_generator", "--input", str(document)]
    ran = _run([*command, "--input-file-type", "openapi", "--output", str(out / "models.py")], cwd=out)
    if ran is None:
        return Result("timed out")
    if ran.returncode != 0:
        return Result("crashed", _last_line(ran.stderr))
    imported = _run([sys.executable, "-c", "import models"], cwd=out)
    if imported is None or imported.returncode != 0:
        return Result("import failed", _last_line(imported.stderr if imported else "timed out"))
    return Result("ok", operations_out=None)


def run_opc(document: Path, out: Path, row: Row, with_mypy: bool) -> Result:
    command = [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(document)]
    ran = _run([*command, "--output-path", str(out), "--meta", "none"], cwd=out.parent)
    if ran is None:
        return Result("timed out")
    if ran.returncode != 0 or not out.is_dir():
        return Result("crashed", _last_line(ran.stdout + ran.stderr))
    operations = sum(path.read_text(encoding="utf-8").count("def sync_detailed(") for path in out.rglob("*.py"))
    imported = _run([sys.executable, "-c", f"import {out.name}.models"], cwd=out.parent)
    if imported is None or imported.returncode != 0:
        return Result("import failed", _last_line(imported.stderr if imported else "timed out"), operations)
    return Result("ok", operations_out=operations)


RUNNERS = {"ours": run_ours, "dcg": run_dcg, "opc": run_opc}


_RECORD_LOCK = threading.Lock()


def _record(record: Path, row: Row) -> None:
    line = json.dumps(asdict(row), sort_keys=True)
    with _RECORD_LOCK, record.open("a", encoding="utf-8") as file:
        file.write(line + "\n")


def _recorded(record: Path | None, commit: str) -> dict[str, Row]:
    """Each document's recorded results, the latest per tool; ours only when they ran at ``commit``.

    The peers are pinned, so their results hold whatever our commit; ours change with every commit.
    """
    rows: dict[str, Row] = {}
    if record is None or not record.exists():
        return rows
    for line in record.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        row = rows.setdefault(data["document"], Row(data["document"], data["valid"], data["operations_in"]))
        for tool, result in data["results"].items():
            if tool != "ours" or (result.get("commit") == commit and not commit.endswith("-dirty")):
                row.results[tool] = Result(**result)
    return rows


def _commit() -> str:
    ran = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    return ran.stdout.strip()


def print_table(rows: list[Row], tools: list[str]) -> None:
    valid = sum(row.valid for row in rows)
    print(f"\n{len(rows)} documents, {valid} accepted by openapi-spec-validator\n")
    print("| tool | " + " | ".join(OUTCOMES) + " | ok of valid | operations dropped (documents) | mypy errors |")
    print("| --- |" + " ---: |" * (len(OUTCOMES) + 3))
    for tool in tools:
        results = [(row, row.results[tool]) for row in rows]
        counts = collections.Counter(result.outcome for _, result in results)
        ok_valid = sum(1 for row, result in results if row.valid and result.outcome == "ok")
        dropped = [
            row.operations_in - result.operations_out
            for row, result in results
            if result.operations_out is not None and row.operations_in > result.operations_out
        ]
        checked = [result.mypy_errors for _, result in results if result.mypy_errors is not None]
        mypy = f"{sum(checked)} in {sum(1 for n in checked if n)} of {len(checked)}" if checked else ""
        cells = " | ".join(str(counts[outcome]) for outcome in OUTCOMES)
        share = f"{100 * ok_valid / valid:.1f} %" if valid else ""
        print(f"| {tool} | {cells} | {ok_valid}/{valid} ({share}) | {sum(dropped)} ({len(dropped)}) | {mypy} |")


def print_reasons(rows: list[Row]) -> None:
    reasons = collections.Counter(
        f"{result.outcome}: {result.reason}"
        for row in rows
        if (result := row.results.get("ours")) is not None and result.outcome != "ok"
    )
    if reasons:
        print("\nOur failures by reason:\n")
        for reason, count in reasons.most_common():
            print(f"- {count} x {reason}")


def _operations(data: dict) -> int:  # type: ignore[type-arg]
    """Operations of the document: under ``paths``, ``webhooks`` (3.1) and each operation's callbacks."""
    count = 0
    for group in ("paths", "webhooks"):
        for item in (data.get(group) or {}).values():
            for operation in _methods(item):
                count += 1
                for callback in (operation.get("callbacks") or {}).values() if group == "paths" else ():
                    count += sum(len(_methods(path_item)) for path_item in (callback or {}).values())
    return count


def _methods(item: object) -> list[dict]:  # type: ignore[type-arg]
    return [item[method] for method in METHODS if isinstance(item, dict) and isinstance(item.get(method), dict)]


def _sum(counted: re.Match[str] | None) -> int | None:
    """Operations, webhooks and callbacks that came out: each rendered, or reported as skipped."""
    return int(counted.group(1)) + int(counted.group(2)) if counted else None


def _spec_validator_accepts(document: Path) -> bool:
    code = (
        "import json, sys; from openapi_spec_validator import validate; "
        "validate(json.load(open(sys.argv[1], encoding='utf-8')))"
    )
    ran = _run([sys.executable, "-c", code, str(document)], cwd=ROOT)
    return ran is not None and ran.returncode == 0


def _imports(packages: list[Path]) -> str:
    """The error that importing the generated packages, every model of them included, gives; empty when they import."""
    for package in packages:
        statements = [f"import {package.name}"]
        if (package / "models" / "__init__.py").exists():  # each model is imported on first use: use them all
            statements.append(f"import {package.name}.models as m; [getattr(m, name) for name in m.__all__]")
        if (package / "_client.py").exists():
            statements.append(f"import {package.name}._client")
        if package.parent.name == "server":
            statements.append(f"import {package.name}.app")
        ran = _run([sys.executable, "-c", "; ".join(statements)], cwd=package.parent)
        if ran is None:
            return "import timed out"
        if ran.returncode != 0:
            return _last_line(ran.stderr)
    return ""


def _mypy(packages: list[Path]) -> int:
    errors = 0
    for package in packages:
        ran = _run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(package)], cwd=package.parent)
        errors += len(re.findall(r": error: ", ran.stdout)) if ran else 1
    return errors


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str] | None:
    cwd.mkdir(parents=True, exist_ok=True)
    try:
        return subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False, env=_environment()
        )
    except subprocess.TimeoutExpired:
        return None


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _shape(message: str) -> str:
    """A message with its particulars (quoted names, numbers) blanked, so that alike failures group."""
    return re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "…", message)[:160]


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return _shape(lines[-1]) if lines else "(no output)"


if __name__ == "__main__":
    main()
