"""The generated server adapter, wired to a fake implementation: every operation round-trips, every
invalid request gets the spec's error shape (never a 422 or a 500), and the contract is typed."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from posthog_experiments_server.app import create_app

from tests.conftest import ROOT
from tests.fake_server import EXAMPLES, VALID_KEY, FakeCapture, FakeExperiments, authenticate

BASE = "/api/projects/1/experiments"
AUTH = {"Authorization": f"Bearer {VALID_KEY}"}


@pytest.fixture
def experiments() -> FakeExperiments:
    return FakeExperiments()


@pytest.fixture
def client(experiments: FakeExperiments) -> TestClient:
    app = create_app(experiments=experiments, capture=FakeCapture(), authenticator=authenticate, max_body_size=4096)
    return TestClient(app, raise_server_exceptions=False)


ROUND_TRIPS = [
    ("GET", BASE, None, 200, "ExperimentPage"),
    ("POST", BASE, EXAMPLES["CreateMultivariate"], 201, "DraftExperiment"),
    ("GET", f"{BASE}/42", None, 200, "LaunchedExperiment"),
    ("PUT", f"{BASE}/42", EXAMPLES["UpdateRename"], 200, "LaunchedExperiment"),
    ("PATCH", f"{BASE}/42", EXAMPLES["PatchArchive"], 200, "LaunchedExperiment"),
    ("PATCH", f"{BASE}/42", EXAMPLES["PatchLaunch"], 409, "ApprovalRequired"),
    ("DELETE", f"{BASE}/42", None, 204, None),
    ("POST", f"{BASE}/42/create_exposure_cohort_for_experiment", None, 201, "ExposureCohort"),
    ("GET", f"{BASE}/42/results", None, 200, "FunnelResults"),
    ("GET", f"{BASE}/42/secondary_results?id=0", None, 200, "SecondaryFunnelResults"),
    ("GET", f"{BASE}/stats", None, 200, None),
    ("GET", f"{BASE}/requires_flag_implementation", None, 200, None),
    ("POST", "/batch", EXAMPLES["BatchCapture"], 200, None),
    ("POST", "/capture", EXAMPLES["SingleCapture"], 200, None),
    ("POST", "/e", EXAMPLES["BatchCapture"], 200, None),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "example"), ROUND_TRIPS)
@pytest.mark.parametrize("slash", ["", "/"])
def test_every_operation_round_trips(
    client: TestClient, method: str, path: str, body: Any, status: int, example: str | None, slash: str
) -> None:
    url = path.replace("?", slash + "?") if "?" in path else path + slash
    response = client.request(method, url, json=body, headers=AUTH)
    assert response.status_code == status, response.text
    if status == 204:
        assert response.content == b""
    else:
        assert response.headers["content-type"] == "application/json"
    if example is not None:
        assert response.json() == _as_json(EXAMPLES[example])


def _as_json(value: Any) -> Any:
    """The example as JSON carries it (fields the example leaves out stay out)."""
    return json.loads(json.dumps(value))


def test_request_object_carries_typed_values(client: TestClient, experiments: FakeExperiments) -> None:
    response = client.get(f"{BASE}?limit=5&archived=true&status=running&search=Check", headers=AUTH)
    assert response.status_code == 200
    request = experiments.seen[-1]
    assert (request.project_id, request.limit, request.offset, request.archived) == ("1", 5, 0, True)
    assert request.status.value == "running"
    client.get(f"{BASE}/42/secondary_results?id=3", headers=AUTH)
    assert (experiments.seen[-1].id, experiments.seen[-1].metric_index) == (42, 3)
    events = json.dumps([{"id": "purchase", "type": "events"}])
    client.get(f"{BASE}/requires_flag_implementation", params={"events": events}, headers=AUTH)
    assert experiments.seen[-1].events[0].id == "purchase"


def test_form_bodies_carry_json_fields(client: TestClient, experiments: FakeExperiments) -> None:
    form = {
        "name": "Form",
        "feature_flag_key": "form-flag",
        "parameters": json.dumps(EXAMPLES["CreateMultivariate"]["parameters"]),
    }
    assert client.post(BASE, data=form, headers=AUTH).status_code == 201
    assert len(experiments.seen[-1].body.parameters.feature_flag_variants) == 3
    assert (
        client.post(
            BASE, files={"name": (None, "Multi"), "feature_flag_key": (None, "multi")}, headers=AUTH
        ).status_code
        == 201
    )
    assert experiments.seen[-1].body.feature_flag_key == "multi"


INVALID = [
    # (method, path, keyword arguments for the request, status, code, attr)
    ("GET", f"{BASE}?limit=abc", {}, 400, "int_parsing", "limit"),
    ("GET", f"{BASE}?limit=1001", {}, 400, "less_than_equal", "limit"),
    ("GET", f"{BASE}?offset=-1", {}, 400, "greater_than_equal", "offset"),
    ("GET", f"{BASE}?status=paused", {}, 400, "enum", "status"),
    ("GET", f"{BASE}/abc", {}, 400, "int_parsing", "id"),
    ("GET", f"{BASE}/42/secondary_results?id=first", {}, 400, "int_parsing", "id"),
    ("GET", f"{BASE}/requires_flag_implementation?events=[oops", {}, 400, "invalid_json", "events"),
    ("POST", BASE, {"json": {"feature_flag_key": "k"}}, 400, "missing", "name"),
    ("POST", BASE, {"json": {"name": "x" * 401, "feature_flag_key": "k"}}, 400, "string_too_long", "name"),
    (
        "POST",
        BASE,
        {"json": {"name": "n", "feature_flag_key": "no spaces"}},
        400,
        "string_pattern_mismatch",
        "feature_flag_key",
    ),
    ("POST", BASE, {"json": {"name": 5, "feature_flag_key": "k"}}, 400, "string_type", "name"),
    (
        "POST",
        BASE,
        {
            "json": {
                "name": "n",
                "feature_flag_key": "k",
                "parameters": {"feature_flag_variants": [{"key": "control", "rollout_percentage": 101}]},
            }
        },
        400,
        "less_than_equal",
        "parameters__feature_flag_variants__0__rollout_percentage",
    ),
    (
        "POST",
        BASE,
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
        400,
        "invalid_json",
        None,
    ),
    (
        "POST",
        BASE,
        {"data": {"name": "n", "feature_flag_key": "k", "filters": "{oops"}},
        400,
        "invalid_json",
        "filters",
    ),
    (
        "POST",
        BASE,
        {"content": b'{"name": "n"}', "headers": {"content-type": "multipart/form-data"}},  # no boundary
        400,
        "invalid_form",
        None,
    ),
    (
        "POST",
        BASE,
        {"content": b"name=x", "headers": {"content-type": "text/plain"}},
        415,
        "unsupported_media_type",
        None,
    ),
    ("POST", BASE, {"json": {"name": "x" * 5000, "feature_flag_key": "k"}}, 413, "payload_too_large", None),
    ("PUT", BASE, {"json": {}}, 405, "method_not_allowed", None),
    ("GET", "/api/projects/1/nothing-here", {}, 404, "not_found", None),
    ("POST", "/batch", {"json": {"api_key": "phc_x", "batch": []}}, 400, "too_short", "batch"),
    # optional but not nullable: left out is fine, an explicit null is refused where it stands
    ("PATCH", f"{BASE}/42", {"json": {"name": None}}, 400, "null_not_allowed", "name"),
    (
        "POST",
        BASE,
        {"json": {"name": "n", "feature_flag_key": "k", "filters": {"events": [{"id": "e", "properties": None}]}}},
        400,
        "null_not_allowed",
        "filters__events__0__properties",
    ),
    (
        "POST",
        "/batch",
        {"json": {"api_key": "phc_x", "batch": [{"event": "e", "distinct_id": "d", "uuid": None}]}},
        400,
        "null_not_allowed",
        "batch__0__uuid",
    ),
    (
        "POST",
        "/capture",
        {"json": {"api_key": "phc_x", "event": "e", "distinct_id": None}},
        400,
        "null_not_allowed",
        "distinct_id",
    ),
]


@pytest.mark.parametrize(("method", "path", "arguments", "status", "code", "attr"), INVALID)
def test_invalid_requests_get_the_error_shape(
    client: TestClient, method: str, path: str, arguments: dict[str, Any], status: int, code: str, attr: str | None
) -> None:
    headers = {**AUTH, **arguments.pop("headers", {})}
    response = client.request(method, path, headers=headers, **arguments)
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"type", "code", "detail", "attr"}
    assert (body["code"], body["attr"]) == (code, attr)


def test_method_not_allowed_names_the_allowed_methods(client: TestClient) -> None:
    for path in (BASE, f"{BASE}/"):
        assert client.request("TRACE", path, headers=AUTH).headers["allow"] == "GET, HEAD, POST"
    assert client.post(f"{BASE}/42", headers=AUTH).headers["allow"] == "DELETE, GET, HEAD, PATCH, PUT"
    # /stats also matches /{id}, but a literal segment wins: /stats is its own resource, GET only
    for method in ("POST", "PATCH", "DELETE", "OPTIONS"):
        refused = client.request(method, f"{BASE}/stats/", headers=AUTH)
        assert (refused.status_code, refused.headers["allow"]) == (405, "GET, HEAD")
        assert refused.json()["code"] == "method_not_allowed"


def test_a_path_matches_whole_or_not_at_all(client: TestClient) -> None:
    # Starlette's `$` also matches before a final newline: /experiments/%0A is no list of experiments
    # (PUT there was a 405) but an experiment whose id is not an integer
    answer = client.put(f"{BASE}/%0A", headers=AUTH, json={})
    assert (answer.status_code, answer.json()["code"], answer.json()["attr"]) == (400, "int_parsing", "id")
    assert client.get(f"{BASE}%0A", headers=AUTH).status_code == 404


def test_gzip_bodies_and_gzip_bombs(client: TestClient) -> None:
    compressed = gzip.compress(json.dumps(EXAMPLES["BatchCapture"]).encode())
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    assert client.post("/batch", content=compressed, headers=headers).status_code == 200
    bomb = gzip.compress(b"[" + b" " * 100_000 + b"]")
    assert client.post("/batch", content=bomb, headers=headers).status_code == 413


def test_authentication(client: TestClient) -> None:
    missing = client.get(BASE)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert missing.json()["code"] == "not_authenticated"
    assert client.get(BASE, headers={"Authorization": "Bearer nope"}).json()["code"] == "authentication_failed"
    assert client.post("/batch", json=EXAMPLES["BatchCapture"]).status_code == 200  # capture needs no key


def test_failures_of_the_implementation_are_500s_without_detail(client: TestClient) -> None:
    response = client.post(BASE, json={"name": "boom", "feature_flag_key": "k"}, headers=AUTH)
    assert response.status_code == 500
    assert response.json() == {
        "type": "server_error",
        "code": "server_error",
        "detail": "A server error occurred.",
        "attr": None,
    }
    assert "secret" not in response.text


def test_an_undeclared_response_is_a_500(experiments: FakeExperiments) -> None:
    async def wrong(request: object, identity: object) -> object:
        return EXAMPLES  # not a declared response object

    experiments.experiments_stats_retrieve = wrong  # type: ignore[assignment,method-assign]
    app = create_app(experiments=experiments, capture=FakeCapture(), authenticator=authenticate)
    response = TestClient(app, raise_server_exceptions=False).get(f"{BASE}/stats", headers=AUTH)
    assert response.status_code == 500


def test_the_spec_is_served(client: TestClient) -> None:
    as_yaml = client.get("/api/schema/")
    assert as_yaml.status_code == 200
    assert "openapi: 3.1.0" in as_yaml.text
    as_json = client.get("/api/schema?format=json")
    assert as_json.json()["info"]["title"] == "PostHog Experiments API"
    assert "redoc" in client.get("/api/schema/docs/").text


BAD_IMPLEMENTATION = """
from posthog_experiments_server import models, requests, responses
from posthog_experiments_server.app import create_app
from tests.fake_server import FakeCapture, FakeExperiments, authenticate


class Sloppy(FakeExperiments):
    async def experiments_stats_retrieve(
        self, request: requests.ExperimentsStatsRetrieveRequest, identity: object
    ) -> responses.ExperimentsStatsRetrieveResponse:
        return responses.ExperimentsCreate201(body=models.Experiment.model_validate({}))


create_app(experiments=Sloppy(), capture=FakeCapture(), authenticator=authenticate)
"""


def test_mypy_rejects_an_undeclared_response(tmp_path: Path) -> None:
    program = tmp_path / "sloppy.py"
    program.write_text(BAD_IMPLEMENTATION)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(program)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env={"MYPYPATH": f"{ROOT / 'generated' / 'server'}:{ROOT}", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1, result.stdout
    assert 'Incompatible return value type (got "ExperimentsCreate201"' in result.stdout


def test_an_explicit_null_where_the_schema_admits_one(client: TestClient, experiments: FakeExperiments) -> None:
    response = client.patch(f"{BASE}/42", json={"description": None, "end_date": None}, headers=AUTH)
    assert response.status_code == 200, response.text
    body = experiments.seen[-1].body
    assert (body.description, body.end_date) == (None, None)
    assert {"description", "end_date"} <= body.model_fields_set
