"""The generated client against an httpx MockTransport: methods, pages, errors, retries, raw responses."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from posthog_experiments import (
    APIConnectionError,
    APITimeoutError,
    ApprovalRequiredError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    InternalServerError,
    MissingCredentialsError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    models,
)

from tests.conftest import ROOT
from tests.fake_server import EXAMPLES

BASE = "https://us.posthog.com/api/projects/1/experiments"
Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A transport that answers from a handler and remembers every request and every pause."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    def client(self, **options: Any) -> Client:
        client = Client(
            api_key="phx_test", project_id="1", http_client=httpx.Client(transport=httpx.MockTransport(self)), **options
        )
        client._api._sleep = self.sleeps.append
        client._api._random = lambda: 0.0
        return client

    def async_client(self, **options: Any) -> AsyncClient:
        transport = httpx.MockTransport(self)
        client = AsyncClient(
            api_key="phx_test", project_id="1", http_client=httpx.AsyncClient(transport=transport), **options
        )

        async def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        client._api._sleep = sleep
        client._api._random = lambda: 0.0
        return client


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Handler:
    return lambda request: httpx.Response(status, json=body, headers=headers)


def sequence(*responses: httpx.Response | Exception) -> Handler:
    remaining: Iterator[httpx.Response | Exception] = iter(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = next(remaining)
        if isinstance(item, Exception):
            raise item
        return item

    return handler


EXPERIMENT = EXAMPLES["LaunchedExperiment"]


def test_every_method_sends_its_request_and_parses_its_answer() -> None:
    bodies = {
        ("GET", "/api/projects/1/experiments"): EXAMPLES["ExperimentPage"] | {"next": None},
        ("POST", "/api/projects/1/experiments"): EXAMPLES["DraftExperiment"],
        ("GET", "/api/projects/1/experiments/42"): EXPERIMENT,
        ("PUT", "/api/projects/1/experiments/42"): EXPERIMENT,
        ("PATCH", "/api/projects/1/experiments/42"): EXPERIMENT,
        ("DELETE", "/api/projects/1/experiments/42"): None,
        ("POST", "/api/projects/1/experiments/42/create_exposure_cohort_for_experiment"): EXAMPLES["ExposureCohort"],
        ("GET", "/api/projects/1/experiments/42/results"): EXAMPLES["FunnelResults"],
        ("GET", "/api/projects/1/experiments/42/secondary_results"): EXAMPLES["SecondaryFunnelResults"],
        ("GET", "/api/projects/1/experiments/requires_flag_implementation"): {"result": True},
        ("GET", "/api/projects/1/experiments/stats"): {
            "launched_last_30d": 1,
            "launched_previous_30d": 0,
            "percent_change": 100.0,
            "active_experiments": 1,
            "completed_last_30d": 0,
        },
        ("POST", "/batch"): {"status": 1},
        ("POST", "/capture"): {"status": 1},
        ("POST", "/e"): {"status": 1},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        body = bodies[(request.method, request.url.path)]
        return httpx.Response(204) if body is None else httpx.Response(200, json=body)

    recorder = Recorder(handler)
    client = recorder.client()
    experiments = client.experiments
    assert [e.id for e in experiments.list(limit=5, status=models.ExperimentStatusFilter.running)] == [42]
    created = experiments.create(
        name="Pricing page layout",
        feature_flag_key="pricing-page-layout",
        parameters=models.ExperimentParameters(feature_flag_variants=[]),
    )
    assert isinstance(created, models.Experiment)
    assert experiments.retrieve(id=42).feature_flag_key == "new-checkout-button"
    experiments.update(id=42, name="Renamed", feature_flag_key="new-checkout-button")
    experiments.partial_update(id=42, archived=True)
    experiments.delete(id=42)
    assert experiments.create_exposure_cohort_for_experiment(id=42).cohort.id == 12
    assert experiments.results(id=42).result.significant is True
    assert experiments.secondary_results(id=42, metric_index=0).result.result == {"control": 0.213, "test": 0.248}
    assert experiments.requires_flag_implementation(events=[models.FilterEntity(id="purchase")]).result is True
    assert experiments.stats().percent_change == 100.0
    capture = models.CaptureEvent(event="purchase", distinct_id="user-1")
    assert client.capture.batch(api_key="phc_x", batch=[capture]).status == 1
    assert (
        client.capture.create(body=models.SingleCaptureRequest(event="pv", api_key="phc_x", distinct_id="u")).status
        == 1
    )
    assert client.capture.e(body=models.BatchCaptureRequest(api_key="phc_x", batch=[capture])).status == 1

    sent = {(r.method, r.url.path): r for r in recorder.requests}
    listing = sent[("GET", "/api/projects/1/experiments")]
    assert dict(listing.url.params) == {"limit": "5", "status": "running"}
    assert listing.headers["authorization"] == "Bearer phx_test"
    assert json.loads(sent[("POST", "/api/projects/1/experiments")].content) == {
        "name": "Pricing page layout",
        "feature_flag_key": "pricing-page-layout",
        "parameters": {"feature_flag_variants": []},
    }
    assert json.loads(sent[("PATCH", "/api/projects/1/experiments/42")].content) == {"archived": True}
    assert sent[("GET", "/api/projects/1/experiments/42/secondary_results")].url.params["id"] == "0"
    events = sent[("GET", "/api/projects/1/experiments/requires_flag_implementation")].url.params["events"]
    assert json.loads(events) == [{"id": "purchase"}]
    assert json.loads(sent[("POST", "/batch")].content) == {
        "api_key": "phc_x",
        "batch": [{"event": "purchase", "distinct_id": "user-1"}],
    }


def _pages(count: int) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params.get("offset", "0"))
        page = offset // 2
        following = f"{BASE}?limit=2&offset={offset + 2}" if page + 1 < count else None
        results = [EXPERIMENT | {"id": offset + index + 1} for index in range(2)]
        return httpx.Response(200, json={"count": 2 * count, "next": following, "previous": None, "results": results})

    return handler


def test_iterating_a_page_goes_through_every_page() -> None:
    recorder = Recorder(_pages(3))
    assert [e.id for e in recorder.client().experiments.list(limit=2)] == [1, 2, 3, 4, 5, 6]
    assert [r.url.params.get("offset") for r in recorder.requests] == [None, "2", "4"]
    assert all(r.headers["authorization"] == "Bearer phx_test" for r in recorder.requests)


def test_async_pages_and_methods() -> None:
    recorder = Recorder(_pages(2))

    async def run() -> tuple[list[int], list[int], bool]:
        async with recorder.async_client() as client:
            page = await client.experiments.list(limit=2)  # awaited: the first page
            awaited = [experiment.id async for experiment in page]
            # as the sync client reads: every item of every page, without an await
            direct = [experiment.id async for experiment in client.experiments.list(limit=2)]
            first = await client.experiments.list(limit=2)
            return awaited, direct, first.has_next_page()

    assert asyncio.run(run()) == ([1, 2, 3, 4], [1, 2, 3, 4], True)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
    ],
)
def test_each_status_raises_its_error(status: int, error: type[Exception]) -> None:
    body = {"type": "validation_error", "code": "invalid_input", "detail": "Nope", "attr": "name"}
    recorder = Recorder(answer(status, body))
    with pytest.raises(error) as raised:
        recorder.client(max_retries=0).experiments.retrieve(id=42)
    assert (raised.value.status_code, raised.value.code, raised.value.detail, raised.value.attr) == (  # type: ignore[attr-defined]
        status,
        "invalid_input",
        "Nope",
        "name",
    )
    assert raised.value.response.status_code == status  # type: ignore[attr-defined]


def test_approval_required_carries_the_change_request() -> None:
    recorder = Recorder(answer(409, EXAMPLES["ApprovalRequired"]))
    with pytest.raises(ApprovalRequiredError) as raised:
        recorder.client().experiments.partial_update(id=42, start_date=None)
    assert raised.value.change_request.state == "pending"
    assert raised.value.required_approvers.quorum == 1
    assert isinstance(raised.value, ConflictError)
    assert len(recorder.requests) == 1  # a 409 is an answer, never retried


def test_retries_back_off_exponentially_then_succeed() -> None:
    recorder = Recorder(sequence(httpx.Response(503), httpx.Response(502), httpx.Response(200, json=EXPERIMENT)))
    assert recorder.client().experiments.retrieve(id=42).id == 42
    assert recorder.sleeps == [0.5, 1.0]


def test_jitter_shortens_the_wait_by_up_to_a_quarter() -> None:
    recorder = Recorder(sequence(httpx.Response(500), httpx.Response(200, json=EXPERIMENT)))
    client = recorder.client()
    client._api._random = lambda: 1.0
    client.experiments.retrieve(id=42)
    assert recorder.sleeps == [0.375]


def test_retries_give_up_after_max_retries() -> None:
    recorder = Recorder(answer(500, {"detail": "down"}))
    with pytest.raises(InternalServerError):
        recorder.client(max_retries=3).experiments.retrieve(id=42)
    assert len(recorder.requests) == 4
    assert recorder.sleeps == [0.5, 1.0, 2.0]


def test_retry_after_is_honoured() -> None:
    recorder = Recorder(
        sequence(httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200, json=EXPERIMENT))
    )
    recorder.client().experiments.retrieve(id=42)
    assert recorder.sleeps == [3.0]


def test_a_retry_after_beyond_a_minute_falls_back_to_backoff() -> None:
    recorder = Recorder(
        sequence(httpx.Response(429, headers={"Retry-After": "3600"}), httpx.Response(200, json=EXPERIMENT))
    )
    recorder.client().experiments.retrieve(id=42)
    assert recorder.sleeps == [0.5]


def test_a_sent_post_is_not_retried() -> None:
    recorder = Recorder(answer(503, {"detail": "down"}))
    with pytest.raises(InternalServerError):
        recorder.client().experiments.create(name="n", feature_flag_key="k")
    assert len(recorder.requests) == 1


def test_a_post_that_never_left_is_retried() -> None:
    recorder = Recorder(sequence(httpx.ConnectError("refused"), httpx.Response(201, json=EXPERIMENT)))
    assert recorder.client().experiments.create(name="n", feature_flag_key="k").id == 42
    assert len(recorder.requests) == 2


def test_a_post_that_timed_out_reading_is_not_retried() -> None:
    recorder = Recorder(sequence(httpx.ReadTimeout("slow"), httpx.Response(201, json=EXPERIMENT)))
    with pytest.raises(APITimeoutError):
        recorder.client().experiments.create(name="n", feature_flag_key="k")
    assert len(recorder.requests) == 1


def test_connection_errors_are_retried_then_raised() -> None:
    recorder = Recorder(sequence(*[httpx.ConnectError("refused")] * 3))
    with pytest.raises(APIConnectionError):
        recorder.client().experiments.retrieve(id=42)
    assert len(recorder.requests) == 3


def test_raw_responses() -> None:
    recorder = Recorder(answer(200, EXPERIMENT, {"X-Request-Id": "r1"}))
    raw = recorder.client().experiments.with_raw_response.retrieve(id=42)
    assert (raw.status_code, raw.headers["x-request-id"]) == (200, "r1")
    assert raw.parse().id == 42


def test_configuration_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSTHOG_PERSONAL_API_KEY", raising=False)
    keyless = Client(project_id="1", http_client=httpx.Client(transport=httpx.MockTransport(answer(200, EXPERIMENT))))
    with pytest.raises(
        MissingCredentialsError, match=r"PersonalAPIKeyAuth \(HTTP bearer\) or .*POSTHOG_PERSONAL_API_KEY"
    ):
        keyless.experiments.retrieve(id=42)  # refused before anything is sent
    monkeypatch.setenv("POSTHOG_PERSONAL_API_KEY", "phx_env")
    monkeypatch.setenv("POSTHOG_HOST", "http://127.0.0.1:9")
    monkeypatch.setenv("POSTHOG_PROJECT_ID", "7")
    client = Client()
    assert (client.options.api_key, client.options.base_url, client.options.parameters) == (
        "phx_env",
        "http://127.0.0.1:9",
        {"project_id": "7"},
    )
    other = client.with_options(project_id="8", max_retries=0)
    assert (other.options.parameters, other.options.max_retries, other.options.api_key) == (
        {"project_id": "8"},
        0,
        "phx_env",
    )


def test_a_missing_project_id_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSTHOG_PROJECT_ID", raising=False)
    client = Client(api_key="phx", http_client=httpx.Client(transport=httpx.MockTransport(answer(200, EXPERIMENT))))
    with pytest.raises(ValueError, match="project_id must be given"):
        client.experiments.retrieve(id=42)
    assert client.experiments.retrieve(id=42, project_id="3").id == 42


def test_importing_the_package_loads_nothing_heavy() -> None:
    probe = "import sys, posthog_experiments; print(sorted(m for m in ('httpx', 'pydantic') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT / "generated" / "client"
    )
    assert result.stdout.strip() == "[]"


USER_PROGRAM = """
import asyncio

from posthog_experiments import AsyncClient, Client, NotFoundError, models


def main() -> None:
    client = Client(api_key="phx", project_id="1")
    page = client.experiments.list(limit=10)
    names: list[str] = [experiment.name for experiment in page]
    experiment: models.Experiment = client.experiments.create(name="n", feature_flag_key="k")
    try:
        client.experiments.delete(id=experiment.id)
    except NotFoundError as error:
        print(error.status_code, error.detail, names)
    raw = client.experiments.with_raw_response.stats()
    stats: models.ExperimentStats = raw.parse()
    print(stats.active_experiments + 1)


async def amain() -> None:
    async with AsyncClient(api_key="phx", project_id="1") as client:
        async for experiment in client.experiments.list():
            print(experiment.feature_flag.key)
        first_page = await client.experiments.list(limit=10)
        print(len(first_page.results))
        results = await client.experiments.results(id=1, refresh="true")
        print(results.is_cached)


asyncio.run(amain())
"""


def test_a_user_program_passes_mypy_strict(tmp_path: Path) -> None:
    program = tmp_path / "user.py"
    program.write_text(USER_PROGRAM)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(program)],
        capture_output=True,
        text=True,
        check=False,
        env={"MYPYPATH": str(ROOT / "generated" / "client"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout
    wrong = tmp_path / "wrong.py"
    wrong.write_text(USER_PROGRAM.replace('name="n", feature_flag_key="k"', "name=3"))
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(wrong)],
        capture_output=True,
        text=True,
        check=False,
        env={"MYPYPATH": str(ROOT / "generated" / "client"), "PATH": "/usr/bin:/bin"},
    )
    assert 'Missing named argument "feature_flag_key"' in result.stdout


def test_a_null_the_schema_does_not_admit_still_reads_as_none() -> None:
    """Responses are read leniently: only the server holds requests to the schemas' nulls."""
    variant = {"key": "control", "name": "Control Group", "rollout_percentage": None}
    body = EXPERIMENT | {"parameters": {"feature_flag_variants": [variant]}}
    client = Recorder(answer(200, body)).client()
    parameters = client.experiments.retrieve(id=42).parameters
    assert parameters is not None
    assert parameters.feature_flag_variants is not None
    assert parameters.feature_flag_variants[0].rollout_percentage is None
