"""Requests per second of the generated adapter against a hand-written FastAPI endpoint, in one run.

    python bench/server.py [--seconds 10] [--connections 16]

Both serve GET /api/projects/1/experiments/42/ with the same JSON body from memory, each in its
own uvicorn process (one worker) on 127.0.0.1; wrk (Debian's package) makes the load from another
process. Each is measured twice, alternating, and the better run counts, to damp the noise of a
shared machine. The adapter's requests are authenticated (a bearer header checked per request).
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATH = "/api/projects/1/experiments/42/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    best: dict[str, float] = {}
    for _ in range(2):
        for name in ("handwritten", "adapter"):
            rate = _measure(name, arguments.seconds, arguments.connections)
            best[name] = max(best.get(name, 0.0), rate)
    print("| app | requests/s (best of 2) | vs hand-written |")
    print("| --- | ---: | ---: |")
    for name in ("handwritten", "adapter"):
        print(f"| {name} | {best[name]:.0f} | {best[name] / best['handwritten']:.2f}x |")


def _measure(app: str, seconds: int, connections: int) -> float:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            f"bench.server_apps:{app}",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
    )
    try:
        _wait_for(port)
        url = f"http://127.0.0.1:{port}{PATH}"
        check = subprocess.run(
            ["curl", "-s", "-H", "Authorization: Bearer phx_valid", url],
            capture_output=True,
            text=True,
            check=True,
        )
        assert '"feature_flag_key":"new-checkout-button"' in check.stdout, check.stdout[:200]
        result = subprocess.run(
            [
                "wrk",
                "-t",
                "1",
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "-H",
                "Authorization: Bearer phx_valid",
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        match = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
        if match is None or "Non-2xx" in result.stdout:
            raise RuntimeError(result.stdout)
        return float(match.group(1))
    finally:
        server.terminate()
        server.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


if __name__ == "__main__":
    main()
