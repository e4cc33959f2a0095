"""The hand-written spec: valid, faithful to the API contract, and complete in what it documents."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from generator import refs, source, walk
from generator.context import Context
from generator.validation import examples, validate
from tests.conftest import SPEC

EXPERIMENTS = "/api/projects/{project_id}/experiments"
READ_ONLY_FIELDS = {"id", "feature_flag", "exposure_cohort", "created_by", "created_at", "updated_at"}


@pytest.fixture(scope="module")
def spec() -> source.SourceDocument:
    return source.load(SPEC)


def _deref(spec: source.SourceDocument, value: Any) -> Any:
    resolved, _ = refs.Resolver(spec).deref(value, spec)
    return resolved


def _operations(spec: source.SourceDocument) -> dict[str, walk.Operation]:
    return {op.value["operationId"]: op for op in walk.operations(spec.data)}


def test_spec_has_no_problems() -> None:
    report = validate(SPEC)
    assert report.problems == []


def _contract_operations(shared_dir: Path) -> list[tuple[str, str, str, str]]:
    """(operationId, method, path, scope) for each row of the contract's operations table."""
    text = (shared_dir / "api-contract.md").read_text()
    rows = re.findall(r"^\| `(\w+)` \| (GET|POST|PUT|PATCH|DELETE) `([^`]*)`[^|]*\| ([\w:]+) \|$", text, re.M)
    return [
        (op_id, method.lower(), (EXPERIMENTS + path.split("?")[0]).rstrip("/"), scope)
        for op_id, method, path, scope in rows
    ]


def test_operations_are_those_of_the_contract(spec: source.SourceDocument, shared_dir: Path) -> None:
    contract = _contract_operations(shared_dir)
    assert len(contract) == 11
    operations = _operations(spec)
    experiments_ops = {op_id for op_id, op in operations.items() if "experiments" in op.value["tags"]}
    assert experiments_ops == {row[0] for row in contract}
    for operation_id, method, path, scope in contract:
        operation = operations[operation_id]
        assert (operation.method, operation.path) == (method, path), operation_id
        for requirement in operation.value["security"]:
            assert list(requirement.values()) == [[scope]], operation_id


def test_success_statuses(spec: source.SourceDocument) -> None:
    operations = _operations(spec)
    success = {op_id: [c for c in op.value["responses"] if c.startswith("2")] for op_id, op in operations.items()}
    assert success["experiments_create"] == ["201"]
    assert success["experiments_destroy"] == ["204"]
    assert "content" not in operations["experiments_destroy"].value["responses"]["204"]
    assert success["experiments_create_exposure_cohort_for_experiment_create"] == ["201"]
    assert all(
        codes == ["200"]
        for op_id, codes in success.items()
        if op_id
        not in {"experiments_create", "experiments_destroy", "experiments_create_exposure_cohort_for_experiment_create"}
    )


def test_no_read_operation_reuses_the_experiment_schema(spec: source.SourceDocument) -> None:
    experiment_shaped = {
        "experiments_retrieve",
        "experiments_create",
        "experiments_update",
        "experiments_partial_update",
    }
    for operation_id, operation in _operations(spec).items():
        for code, response in operation.value["responses"].items():
            body = _deref(spec, response).get("content", {}).get("application/json", {})
            if body.get("schema") == {"$ref": "#/components/schemas/Experiment"}:
                assert operation_id in experiment_shaped, operation_id
                assert code.startswith("2"), operation_id


def test_error_statuses_are_documented_with_schemas(spec: source.SourceDocument) -> None:
    for operation_id, operation in _operations(spec).items():
        responses = operation.value["responses"]
        is_capture = operation.value["tags"] == ["capture"]
        expected = {"400", "401"} if is_capture else {"400", "401", "403", "404"}
        if "requestBody" in operation.value:
            expected |= {"413", "415"}
        if operation.method in ("put", "patch"):
            expected.add("409")
        assert expected <= set(responses), (operation_id, expected - set(responses))
        for code in expected:
            schema = _deref(spec, responses[code])["content"]["application/json"]["schema"]
            name = "ApprovalRequiredResponse" if code == "409" else "Error"
            assert schema == {"$ref": f"#/components/schemas/{name}"}, (operation_id, code)


def test_every_body_and_response_has_an_example(spec: source.SourceDocument) -> None:
    for operation_id, operation in _operations(spec).items():
        bodies = [_deref(spec, operation.value["requestBody"])] if "requestBody" in operation.value else []
        bodies += [_deref(spec, response) for response in operation.value["responses"].values()]
        for body in bodies:
            for media_type, content in body.get("content", {}).items():
                assert "example" in content or content.get("examples"), (operation_id, media_type)


def test_bodies_accept_json_and_forms(spec: source.SourceDocument) -> None:
    for operation_id in ("experiments_create", "experiments_update", "experiments_partial_update"):
        body = _deref(spec, _operations(spec)[operation_id].value["requestBody"])
        assert set(body["content"]) == {"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}
        for media_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            encoding = body["content"][media_type]["encoding"]
            assert {name for name, enc in encoding.items() if enc["contentType"] == "application/json"} == {
                "parameters",
                "filters",
                "secondary_metrics",
            }


def test_input_schemas_hold_no_server_owned_fields(spec: source.SourceDocument) -> None:
    schemas = spec.data["components"]["schemas"]
    patched = schemas["PatchedExperimentInput"]
    assert not READ_ONLY_FIELDS & set(patched["properties"])
    assert "additionalProperties" not in patched  # server-owned fields sent anyway are ignored, not refused
    assert schemas["ExperimentInput"]["required"] == ["name", "feature_flag_key"]
    assert set(schemas["Experiment"]["properties"]) >= READ_ONLY_FIELDS
    assert set(schemas["Experiment"]["required"]) == set(schemas["Experiment"]["properties"])


def test_capture_routes_use_the_project_token(spec: source.SourceDocument) -> None:
    for operation_id in ("capture_batch_create", "capture_create", "capture_e_create"):
        operation = _operations(spec)[operation_id].value
        assert operation["tags"] == ["capture"]
        assert operation["security"] == []


@pytest.mark.parametrize(
    ("source_op", "id_expression"),
    [("experiments_create", "$response.body#/id"), ("experiments_list", "$response.body#/results/0/id")],
)
def test_links_chain_real_ids(spec: source.SourceDocument, source_op: str, id_expression: str) -> None:
    operation = _operations(spec)[source_op].value
    success = next(r for c, r in operation["responses"].items() if c.startswith("2"))
    links = [_deref(spec, link) for link in success["links"].values()]
    assert {link["operationId"] for link in links} == {
        "experiments_retrieve",
        "experiments_update",
        "experiments_partial_update",
        "experiments_destroy",
        "experiments_results_retrieve",
        "experiments_create_exposure_cohort_for_experiment_create",
    }
    for link in links:
        assert link["parameters"] == {"project_id": "$request.path.project_id", "id": id_expression}


def _example_value_pointers(data: Any) -> list[str]:
    """Pointers of every example value the spec holds (inline or in components/examples)."""
    found = [f"/components/examples/{name}/value" for name in data["components"]["examples"]]
    for site in walk.example_sites(data):
        holder = refs.lookup(data, site.holder)
        if "example" in holder:
            found.append(site.holder + "/example")
        for name, example in (holder.get("examples") or {}).items():
            if "value" in example:
                found.append(f"{site.holder}/examples/{name}/value")
    return found


def test_every_example_is_checked_against_its_schema(spec: source.SourceDocument) -> None:
    """Breaking any one example makes the examples rule report that very example."""
    pointers_ = _example_value_pointers(spec.data)
    assert len(pointers_) >= 40
    for pointer in pointers_:
        data = copy.deepcopy(spec.data)
        holder = refs.lookup(data, pointer.rsplit("/", 1)[0])
        key = pointer.rsplit("/", 1)[1]
        holder[key] = [["no schema here accepts this"]]
        broken = source.SourceDocument(spec.path, spec.text, data)
        problems = list(examples.check(Context(broken, refs.Resolver(broken), "3.1")))
        assert any(p.pointer == "#" + pointer or p.pointer.startswith(f"#{pointer}/") for p in problems), pointer
