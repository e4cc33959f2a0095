"""The curl commands of PostHog's Experiments API docs, run by bash against a real reference server.

Each command is taken from the docs pages in ``shared/reference/posthog-docs/`` as printed; only the
host, ``:project_id``, ``:id`` and the key (``$POSTHOG_PERSONAL_API_KEY``, from the environment)
are filled in. Each answers the status its page documents, except where the command as printed
cannot succeed on any server; those are listed in ``BROKEN_AS_PRINTED`` with the reason, and they
must get the answer PostHog gives them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import SHARED
from tests.event_support import FUNNEL, START, exposed, seen
from tests.reference_support import fresh_database_url, served

HOSTS = ("https://app.posthog.com", "<ph_app_host>")


@dataclass(frozen=True)
class DocumentedCall:
    page: str
    line: int
    command: str
    status: int

    def __str__(self) -> str:
        return f"{self.page}:{self.line}"


def documented_calls(folder: Path) -> list[DocumentedCall]:
    """Every curl command of the pages, with the status printed after it."""
    found = []
    for page in sorted(folder.glob("*.txt")):
        lines = page.read_text().splitlines()
        for number, line in enumerate(lines):
            if not line.startswith("curl"):
                continue
            end = lines.index("", number)
            status = next(re.match(r"Status (\d{3})", later) for later in lines[end:] if later.startswith("Status"))
            assert status is not None
            found.append(DocumentedCall(page.name, number + 1, "\n".join(lines[number:end]), int(status.group(1))))
    return found


SHARED_DOCS = SHARED / "reference" / "posthog-docs"
CALLS = documented_calls(SHARED_DOCS) if SHARED_DOCS.is_dir() else []

# The commands whose printed form cannot succeed on any server, PostHog's included, and what
# happens when they run: (page, line) -> (the status curl reports, 0 when no request was made;
# what the answer says).
BROKEN_AS_PRINTED = {
    # `curl` stands alone on its line with no continuation: bash runs `curl` without a URL, then
    # fails to run `-H ...` as a command.
    ("experiments-api-docs.txt", 128): (0, ""),
    ("experiments-api-docs.txt", 407): (0, ""),
    # No space before the continuation after the URL: the shell glues `-d` onto it, so the PATCH
    # goes to `.../{id}/-d` (404) and `name=string` becomes a second URL that does not resolve.
    ("experiments-api-docs.txt", 291): (404, '"detail": "Not found."'),
    # No `?id=`: PostHog answers 400 `Secondary metric id is required` (behaviour page, 5.2).
    ("experiments-api-docs.txt", 544): (400, '"detail":"Secondary metric id is required"'),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> object:
    with fresh_database_url("sqlite", tmp_path_factory.mktemp("docs")) as url, served(url) as (base, printed):
        assert printed is not None
        yield base, printed


def _launched_experiment(base: str, printed: dict[str, object]) -> int:
    """An experiment with a funnel, a secondary metric and exposed persons, so every read has an answer."""
    headers = {"Authorization": f"Bearer {printed['personal_api_key']}"}
    body = {
        "name": "Docs",
        "feature_flag_key": f"docs-{os.urandom(4).hex()}",
        "filters": FUNNEL,
        "secondary_metrics": [{"name": "Views", "filters": FUNNEL}],
        "start_date": START,
    }
    made = httpx.post(f"{base}/api/projects/{printed['project_id']}/experiments/", json=body, headers=headers)
    assert made.status_code == 201, made.text
    flag = made.json()["feature_flag_key"]
    events = [
        step
        for person in range(20)
        for variant in ("control" if person % 2 else "test",)
        for step in (exposed(flag, variant, f"p{person}", START), seen(flag, variant, f"p{person}", START))
    ]
    captured = httpx.post(f"{base}/batch/", json={"api_key": printed["project_token"], "batch": events})
    assert captured.status_code == 200, captured.text
    return int(made.json()["id"])


BASH, CURL = shutil.which("bash"), shutil.which("curl")


@pytest.mark.skipif(BASH is None or CURL is None, reason="bash and curl are needed")
@pytest.mark.parametrize("call", CALLS, ids=str)
def test_the_docs_curl_commands_work_as_printed(server: tuple[str, dict[str, object]], call: DocumentedCall) -> None:
    base, printed = server
    command = call.command
    for host in HOSTS:
        command = command.replace(host, base)
    command = command.replace(":project_id", str(printed["project_id"]))
    command = command.replace(":id", str(_launched_experiment(base, printed)))
    written = subprocess.run(
        [str(BASH), "-c", command + " --silent --output /dev/stderr --write-out '%{http_code}'"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "POSTHOG_PERSONAL_API_KEY": str(printed["personal_api_key"])},
        timeout=30,
        check=False,
    )
    codes = written.stdout.strip()
    status = int(codes[:3]) if codes else 0  # with two URLs, curl writes a code for each
    expected_status, expected_text = BROKEN_AS_PRINTED.get((call.page, call.line), (call.status, ""))
    assert status == expected_status, written.stderr
    assert expected_text in written.stderr


def test_the_docs_were_found() -> None:
    if not SHARED_DOCS.is_dir():
        pytest.skip(f"shared docs not found at {SHARED_DOCS} (set EXPERIMENTS_SHARED_DIR)")
    assert len(CALLS) == 13
