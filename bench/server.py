"""Requests per second of the generated adapter and the reference server against a bare FastAPI
endpoint, all in one run.

    python bench/server.py [--seconds 8] [--connections 16] [--postgres-url URL] [--only adapter|reference]

Each app runs in its own uvicorn process (one worker) on 127.0.0.1; wrk (Debian's package) makes
the load from another process. The bare endpoint serves an experiment's JSON from memory with
FastAPI; the generated adapter does the same through the generated interface (authenticating
each request); the reference server does the real work on SQLite and on PostgreSQL: key lookup,
project and scope checks, the query, serialization. Each measurement is taken twice and the
better one counts, to damp the noise of a shared machine.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from processes import served_process

from reference.db.scratch import scratch_database

FAKE_KEY = "Bearer phx_valid"
CREATE_SCRIPT = """
counter = 0
math.randomseed(os.time())
run = os.time() .. "-" .. math.random(1e9)  -- a fresh prefix for each run of wrk
request = function()
  counter = counter + 1
  local body = '{"name": "bench", "feature_flag_key": "bench-' .. counter .. '-' .. run .. '"}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "%s"}, body)
end
"""


@dataclass(frozen=True)
class Scenario:
    app: str
    operation: str
    url: str
    authorization: str
    script: str | None = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--only", choices=["adapter", "reference"])
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    rates: dict[tuple[str, str], float] = {}
    with _uvicorn("bench.server_apps:handwritten") as base:
        rates |= _run(
            [Scenario("bare FastAPI", "retrieve", f"{base}/api/projects/1/experiments/42/", FAKE_KEY)], arguments
        )
    if arguments.only != "reference":
        with _uvicorn("bench.server_apps:adapter") as base:
            url = f"{base}/api/projects/1/experiments/42/"
            rates |= _run([Scenario("generated adapter", "retrieve", url, FAKE_KEY)], arguments)
    if arguments.only != "adapter":
        with tempfile.TemporaryDirectory() as folder:
            rates |= _reference("reference, SQLite", f"sqlite:///{folder}/bench.sqlite3", arguments)
        with scratch_database(arguments.postgres_url, "bench_reference") as url:
            rates |= _reference("reference, PostgreSQL", url, arguments)
    bare = rates[("bare FastAPI", "retrieve")]
    print(f"\n{arguments.connections} connections, {arguments.seconds} s per run, best of 2\n")
    print("| app | operation | requests/s | vs bare FastAPI retrieve |")
    print("| --- | --- | ---: | ---: |")
    for (app, operation), rate in rates.items():
        print(f"| {app} | {operation} | {rate:,.0f} | {rate / bare:.2f}x |")


def _reference(app: str, database_url: str, arguments: argparse.Namespace) -> dict[tuple[str, str], float]:
    command = [sys.executable, "-m", "reference", "serve", "--database-url", database_url, "--log-level", "warning"]
    with served_process(command) as (base, process):
        made = json.loads(process.stdout.readline() if process.stdout else "{}")
        key = f"Bearer {made['personal_api_key']}"
        experiments = f"{base}/api/projects/{made['project_id']}/experiments/"
        with httpx.Client(headers={"Authorization": key}) as client:
            ids = [
                client.post(experiments, json={"name": f"seed {i}", "feature_flag_key": f"seed-{i}"}).json()["id"]
                for i in range(100)
            ]
        return _run(
            [
                Scenario(app, "retrieve", f"{experiments}{ids[50]}/", key),
                Scenario(app, "list (100 items)", f"{experiments}?limit=100", key),
                Scenario(app, "create", experiments, key, CREATE_SCRIPT % key),
            ],
            arguments,
        )


def _run(scenarios: list[Scenario], arguments: argparse.Namespace) -> dict[tuple[str, str], float]:
    best: dict[tuple[str, str], float] = {}
    for _ in range(2):
        for scenario in scenarios:
            rate = _wrk(scenario, arguments.seconds, arguments.connections)
            best[(scenario.app, scenario.operation)] = max(best.get((scenario.app, scenario.operation), 0.0), rate)
    return best


def _wrk(scenario: Scenario, seconds: int, connections: int) -> float:
    command = [
        "wrk",
        "-t",
        "1",
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "-H",
        f"Authorization: {scenario.authorization}",
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if scenario.script:
            script.write(scenario.script)
            script.flush()
            command += ["-s", script.name]
        else:
            probe = httpx.get(scenario.url, headers={"Authorization": scenario.authorization})
            assert probe.status_code == 200, probe.text[:300]
        result = subprocess.run([*command, scenario.url], capture_output=True, text=True, check=True)
    match = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    if match is None or "Non-2xx" in result.stdout or "Socket errors" in result.stdout:
        raise RuntimeError(f"{scenario}: {result.stdout}")
    return float(match.group(1))


@contextmanager
def _uvicorn(app: str) -> Iterator[str]:
    command = [sys.executable, "-m", "uvicorn", app, "--log-level", "warning", "--no-access-log"]
    with served_process(command) as (base, _):
        yield base


if __name__ == "__main__":
    main()
