"""Authentication and permissions of the reference server: every way PostHog refuses a caller."""

from __future__ import annotations

import pytest

from reference import admin
from tests.reference_support import NOT_PROVIDED, Api, answered, error, invalid_key

READ_PATHS = ("", "1/", "stats/", "1/results/", "1/secondary_results/?id=0", "requires_flag_implementation/")
WRITE_CALLS = (
    ("POST", ""),
    ("PATCH", "1/"),
    ("PUT", "1/"),
    ("DELETE", "1/"),
    ("POST", "1/create_exposure_cohort_for_experiment/"),
)


@pytest.mark.parametrize("method_path", [("GET", p) for p in READ_PATHS] + list(WRITE_CALLS))
def test_no_key_is_401_with_a_bearer_challenge(api: Api, method_path: tuple[str, str]) -> None:
    method, path = method_path
    answer = api.client.request(method, api.experiments + path)
    assert answered(answer) == NOT_PROVIDED
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_a_wrong_key_is_401_naming_where_it_was_found(api: Api) -> None:
    answer = api.client.get(api.experiments, headers={"Authorization": "Bearer phx_nope"})
    assert answered(answer) == invalid_key("Authorization header")
    assert answered(api.client.get(api.experiments + "?personal_api_key=phx_nope")) == invalid_key("query string")
    body = {"name": "x", "feature_flag_key": "x", "personal_api_key": "phx_nope"}
    assert answered(api.client.post(api.experiments, json=body)) == invalid_key("body")
    assert answered(api.client.get(api.experiments, headers={"Authorization": "Basic abc"})) == NOT_PROVIDED


def test_the_key_may_come_in_the_query_or_the_body(api: Api) -> None:
    assert api.client.get(f"{api.experiments}?personal_api_key={api.key}").status_code == 200
    body = {"name": "x", "feature_flag_key": "by-body", "personal_api_key": api.key}
    assert api.client.post(api.experiments, json=body).status_code == 201


def test_a_read_only_key_reads_but_may_not_write(api: Api) -> None:
    made = api.create()
    read_only = api.key_with(["experiment:read"])
    assert api.call("GET", f"{api.experiments}{made['id']}/", key=read_only).status_code == 200
    for method, path in WRITE_CALLS:
        answer = api.call(method, api.experiments + path.replace("1/", f"{made['id']}/"), {}, key=read_only)
        assert answered(answer) == error(
            403, "API key missing required scope 'experiment:write'", code="permission_denied"
        ), (method, path)
    assert api.retrieve(made["id"]) == made


def test_a_write_key_also_reads(api: Api) -> None:
    writer = api.key_with(["experiment:write"])
    assert api.call("GET", api.experiments, key=writer).status_code == 200
    unrelated = api.key_with(["experiment:read"])
    assert api.call("POST", api.experiments, {"name": "n", "feature_flag_key": "k"}, key=unrelated).status_code == 403


def test_projects_the_key_may_not_reach(api: Api) -> None:
    other = admin.create_project(api.database, organization_id=None, name="Elsewhere")
    answer = api.call("GET", f"/api/projects/{other['id']}/experiments/")
    assert answered(answer) == error(403, "You don't have access to the project.", code="permission_denied")
    limited = api.key_with(["*"], project_ids=[other["id"]])
    assert answered(api.call("GET", api.experiments, key=limited)) == error(
        403, f"API key does not have access to the requested project: ID {api.project_id}.", code="permission_denied"
    )
    for project in ("99999", "abc", "%C2%B2", "١٢", "9" * 30):  # digits that are not ASCII, and too many
        assert answered(api.call("GET", f"/api/projects/{project}/experiments/")) == error(
            404, "Project not found.", code="not_found"
        )


def test_another_projects_experiment_is_not_found_and_never_leaks(api: Api) -> None:
    sibling = admin.create_project(api.database, organization_id=1, name="Sibling")
    theirs = api.call(
        "POST", f"/api/projects/{sibling['id']}/experiments/", {"name": "secret", "feature_flag_key": "s"}
    )
    assert theirs.status_code == 201
    their_id = theirs.json()["id"]
    for method in ("GET", "PATCH", "DELETE"):
        answer = api.call(method, f"{api.experiments}{their_id}/", {"name": "mine now"} if method == "PATCH" else None)
        assert answered(answer) == error(404, "Not found.", code="not_found")
    listed = api.call("GET", api.experiments).json()
    assert listed["count"] == 0
    assert "secret" not in api.call("GET", api.experiments).text


def test_revoked_keys_and_inactive_users_are_refused(api: Api) -> None:
    extra = admin.create_key(api.database, user_id=api.user_id, scopes=["*"], project_ids=None)
    assert api.call("GET", api.experiments, key=extra["key"]).status_code == 200
    admin.revoke_key(api.database, key_id=extra["id"])
    assert answered(api.call("GET", api.experiments, key=extra["key"])) == invalid_key("Authorization header")
    admin.set_user_active(api.database, user_id=api.user_id, active=False)
    assert answered(api.call("GET", api.experiments)) == invalid_key("Authorization header")
