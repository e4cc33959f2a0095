"""Import and first call of a large API's client: ours against the peers, in one run.

    python bench/import_speed.py [--runs 5] [--tools ours,ours-server,dcg,opc]

The API is GitHub's REST description (``bench/fetch_specs.py`` caches it; 1,335 schemas). Each tool
generates into a scratch folder, which is then compiled as ``pip install`` would. Each figure is the
median of ``--runs`` fresh interpreters, from start to the parsed result of one call,
``GET /repos/{owner}/{repo}`` answered by a stub transport, httpx's own import included:

- ours: import the client package, make a ``Client`` and call ``client.repos.get``;
- ours (server): import the server's ``app``, create the application with an implementation whose
  ``repos_get`` answers the repository, and call it through httpx's ASGI transport;
- openapi-python-client: import its client and the operation's module, call ``sync``;
- datamodel-code-generator: it makes models only, so ``import models`` and validating the answer.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import fetch_specs  # noqa: E402

# Run in a fresh interpreter, in the folder that holds the generated package; prints seconds.
_PRELUDE = """
import time
started = time.perf_counter()
import json, httpx
answer = json.loads(open({answer!r}, encoding="utf-8").read())
transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))
"""
_CALLS = {
    "ours": """
import {package} as api
client = api.Client(api_key="k", http_client=httpx.Client(transport=transport, base_url="https://api.github.com"))
result = client.repos.get(owner="octocat", repo="Hello-World")
""",
    "ours-server": """
import asyncio
from {package} import app as server, models, responses

class Implementation:
    async def repos_get(self, request, identity):
        return responses.ReposGet200(models.FullRepository.model_validate(answer))

    def __getattr__(self, name):  # every other operation: never called here
        async def unexpected(request, identity):
            raise AssertionError(name)
        return unexpected

parameters = server.create_app.__kwdefaults__ or {{}}
tags = [name for name in server.create_app.__annotations__ if name not in parameters and name != "return"]
application = server.create_app(**{{tag: Implementation() for tag in tags}})

async def call():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://test") as http:
        response = await http.get("/repos/octocat/Hello-World")
    response.raise_for_status()
    return models.FullRepository.model_validate(response.json())

result = asyncio.run(call())
""",
    "opc": """
import importlib
from {package} import Client
operation = importlib.import_module("{module}")
client = Client(base_url="https://api.github.com", httpx_args={{"transport": transport}})
result = operation.sync(owner="octocat", repo="Hello-World", client=client)
""",
    "dcg": """
import models
result = models.FullRepository.model_validate(answer)
""",
}
_REPORT = """
print(type(result).__name__)
print(time.perf_counter() - started)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tools", default="ours,ours-server,dcg,opc")
    arguments = parser.parse_args()
    spec = fetch_specs.github_spec()
    with tempfile.TemporaryDirectory() as scratch:
        answer = Path(scratch) / "repository.json"
        answer.write_text(json.dumps(_repository(spec)), encoding="utf-8")
        rows = []
        for tool in arguments.tools.split(","):
            folder, package = GENERATORS[tool](spec, Path(scratch) / tool)
            compileall.compile_dir(folder, quiet=1, workers=2)
            call = _CALLS[tool].format(package=package, module=_opc_module(folder) if tool == "opc" else "")
            code = _PRELUDE.format(answer=str(answer)) + call + _REPORT
            runs = [_timed(code, folder) for _ in range(arguments.runs)]
            times = [seconds for seconds, _ in runs]
            rows.append((tool, statistics.median(times), min(times), max(times), runs[-1][1]))
    print(f"\nImport and first call, GitHub's description, median of {arguments.runs} fresh interpreters\n")
    print("| tool | median s | min s | max s | vs ours | the call answered |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    ours = next((median for tool, median, *_ in rows if tool == "ours"), None)
    for tool, median, low, high, answered in rows:
        ratio = f"{median / ours:.1f}x" if ours else ""
        said = answered if answered == "FullRepository" else f"{answered} (the tool dropped the 200 response's model)"
        print(f"| {tool} | {median:.2f} | {low:.2f} | {high:.2f} | {ratio} | {said} |")


def _ours(spec: Path, out: Path, side: str = "client") -> tuple[Path, str]:
    if not out.is_dir():  # the client and the server come from one run
        _run([sys.executable, "-m", "generator", "generate", "--spec", str(spec), "--out", str(out)], cwd=ROOT)
    (package,) = (path.parent.name for path in (out / side).glob("*/__init__.py"))
    return out / side, package


def _ours_server(spec: Path, out: Path) -> tuple[Path, str]:
    return _ours(spec, out.with_name("ours"), "server")


def _dcg(spec: Path, out: Path) -> tuple[Path, str]:
    out.mkdir(parents=True)
    command = [sys.executable, "-m", "datamodel_code_generator", "--input", str(spec), "--input-file-type", "openapi"]
    options = ["--output-model-type", "pydantic_v2.BaseModel", "--strict-nullable"]  # as ours calls it
    _run([*command, *options, "--output", str(out / "models.py")], cwd=out)
    return out, "models"


def _opc(spec: Path, out: Path) -> tuple[Path, str]:
    command = [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(spec)]
    _run([*command, "--output-path", str(out / "client"), "--meta", "none"], cwd=out.parent)
    return out, "client"


def _opc_module(folder: Path) -> str:
    """The module openapi-python-client made for ``GET /repos/{owner}/{repo}``, whatever it named it."""
    for path in sorted((folder / "client" / "api").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        # an f-string or "...".format(...), by version: the path's text ends at {repo}
        if '"method": "get"' in text and '"/repos/{owner}/{repo}"' in text.replace('f"/', '"/'):
            return ".".join(path.relative_to(folder).with_suffix("").parts)
    raise SystemExit("openapi-python-client made no module for GET /repos/{owner}/{repo}")


GENERATORS = {"ours": _ours, "ours-server": _ours_server, "dcg": _dcg, "opc": _opc}


def _repository(spec: Path) -> dict[str, object]:
    """GitHub's own example of a repository, with the fields its example leaves out but its schema requires."""
    data = json.loads(spec.read_text(encoding="utf-8"))
    example: dict[str, object] = data["components"]["examples"]["full-repository-default-response"]["value"]
    for repository in (example, example.get("source"), example.get("parent")):
        if isinstance(repository, dict):
            repository.setdefault("language", None)
    return example


def _timed(code: str, folder: Path) -> tuple[float, str]:
    """Seconds from start to the call's answer, and the answer's type."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    ran = _run([sys.executable, "-c", code], cwd=folder, env=environment)
    answered, seconds = ran.stdout.strip().splitlines()[-2:]
    return float(seconds), answered


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    ran = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, env=env)
    if ran.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{ran.stdout[-2000:]}{ran.stderr[-2000:]}")
    return ran


if __name__ == "__main__":
    main()
