"""The auth matrix: every operation the spec guards, times every kind of caller it must refuse.

The operations and the scope each needs come from the spec itself, so a new operation joins the
matrix without a change here. Each refusal is PostHog's exact status and body (behaviour page,
section 10); a read-only key on a read operation answers exactly what an all-scopes key answers;
no answer ever carries another project's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from reference import admin
from tests.conftest import SPEC
from tests.event_support import START, TREND, capture, exposed, launched, seen
from tests.reference_support import NOT_PROVIDED, Api, error, invalid_key

SECRET = "their-secret-experiment"  # noqa: S105 - a name that must never leak, not a password
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str  # with {project_id} and {id}
    scope: str

    def __str__(self) -> str:
        return self.operation_id


def guarded_operations() -> list[Operation]:
    spec = yaml.safe_load(SPEC.read_text())
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            requirements = operation.get("security", spec.get("security", []))
            scopes = {scope for requirement in requirements for scopes in requirement.values() for scope in scopes}
            if scopes:  # the capture operations take a project token in the body instead
                (scope,) = scopes
                found.append(Operation(operation["operationId"], method.upper(), path, scope))
    return sorted(found, key=lambda op: op.operation_id)


OPERATIONS = guarded_operations()
BODIES = {
    "POST": {"name": "From the matrix", "feature_flag_key": "matrix"},
    "PUT": {"name": "n", "feature_flag_key": "k"},
}


@dataclass
class World:
    """Two projects in two organizations; ours has a launched experiment with events, theirs a secret one."""

    api: Api
    experiment_id: int
    their_experiment_id: int
    keys: dict[str, str]

    def url(self, operation: Operation, experiment_id: int | None = None) -> str:
        path = operation.path.format(project_id=self.api.project_id, id=experiment_id or self.experiment_id)
        return path + ("?id=0" if operation.operation_id.startswith("experiments_secondary") else "")

    def call(self, operation: Operation, key: str | None, experiment_id: int | None = None) -> Any:
        headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
        body = BODIES.get(operation.method, {"name": "renamed"} if operation.method == "PATCH" else None)
        return self.api.client.request(operation.method, self.url(operation, experiment_id), json=body, headers=headers)


@pytest.fixture
def world(api: Api) -> World:
    ours = launched(api, TREND)
    flag = ours["feature_flag_key"]
    capture(api, [exposed(flag, "test", "p1", START), seen(flag, "test", "p1", START)])

    theirs = admin.create_project(api.database, organization_id=None, name="Theirs")
    stranger = admin.create_user(
        api.database, email="stranger@example.com", organization_ids=[theirs["organization_id"]]
    )
    their_key = admin.create_key(api.database, user_id=stranger["id"], scopes=["*"], project_ids=None)["key"]
    made = api.client.post(
        f"/api/projects/{theirs['id']}/experiments/",
        json={"name": SECRET, "feature_flag_key": SECRET},
        headers={"Authorization": f"Bearer {their_key}"},
    )
    assert made.status_code == 201, made.text

    revoked = admin.create_key(api.database, user_id=api.user_id, scopes=["*"], project_ids=None)
    admin.revoke_key(api.database, key_id=revoked["id"])
    keys = {
        "stranger": their_key,
        "revoked": revoked["key"],
        "read-only": api.key_with(["experiment:read"]),
        "other project only": api.key_with(["*"], project_ids=[theirs["id"]]),
    }
    return World(api, ours["id"], made.json()["id"], keys)


def expected_refusal(world: World, operation: Operation, caller: str) -> tuple[int, dict[str, Any]] | None:
    """What the contract says this caller gets, or None when it gets what an all-scopes key gets."""
    if caller == "no key":
        return NOT_PROVIDED
    if caller in ("malformed key", "revoked"):
        return invalid_key("Authorization header")
    if caller == "stranger":
        return error(403, "You don't have access to the project.", code="permission_denied")
    if caller == "other project only":
        detail = f"API key does not have access to the requested project: ID {world.api.project_id}."
        return error(403, detail, code="permission_denied")
    if caller == "read-only" and operation.scope == "experiment:write":
        return error(403, "API key missing required scope 'experiment:write'", code="permission_denied")
    return None


CALLERS = ("no key", "malformed key", "revoked", "read-only", "stranger", "other project only")
KEYS_THAT_ARE_NOT_KEYS = {"no key": None, "malformed key": "phx_" + "x" * 60}


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
@pytest.mark.parametrize("caller", CALLERS)
def test_each_caller_gets_what_the_contract_says(world: World, operation: Operation, caller: str) -> None:
    before = world.api.retrieve(world.experiment_id)
    key = KEYS_THAT_ARE_NOT_KEYS[caller] if caller in KEYS_THAT_ARE_NOT_KEYS else world.keys[caller]
    answer = world.call(operation, key)
    refusal = expected_refusal(world, operation, caller)
    if refusal is None:
        assert answer.status_code == world.call(operation, world.api.key).status_code
    else:
        assert (answer.status_code, answer.json()) == refusal
        assert world.api.retrieve(world.experiment_id) == before  # a refused write changed nothing
    if caller == "no key":
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert SECRET not in answer.text


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if "{id}" in op.path], ids=str)
def test_another_projects_experiment_is_not_found_under_ours(world: World, operation: Operation) -> None:
    answer = world.call(operation, world.api.key, world.their_experiment_id)
    assert (answer.status_code, answer.json()) == error(404, "Not found.", code="not_found")


def test_the_matrix_covers_every_guarded_operation() -> None:
    assert len(OPERATIONS) == 11
    assert {op.scope for op in OPERATIONS} == {"experiment:read", "experiment:write"}
