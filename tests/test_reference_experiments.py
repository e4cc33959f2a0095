"""The reference server against each rule of the contract for experiments (create, update, launch,
variants, delete, archive, list), on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from reference.db import tables
from tests.reference_support import Api, answered, error

DATETIME = (
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
VARIANTS_3 = [
    {"key": "control", "name": "Control", "rollout_percentage": 34},
    {"key": "test_1", "rollout_percentage": 33},
    {"key": "test_2", "rollout_percentage": 33},
]


def test_create_makes_an_inactive_flag_with_the_default_variants(api: Api) -> None:
    made = api.create(name="Checkout", feature_flag_key="checkout-flow", filters={"events": [{"id": "$pageview"}]})
    flag = made["feature_flag"]
    assert flag["name"] == "Feature Flag for Experiment Checkout"
    assert flag["key"] == made["feature_flag_key"] == "checkout-flow"
    assert flag["active"] is False
    assert flag["deleted"] is False
    assert flag["team_id"] == api.project_id
    assert flag["filters"] == {
        "groups": [{"properties": [], "rollout_percentage": 100}],
        "multivariate": {
            "variants": [
                {"key": "control", "name": "Control Group", "rollout_percentage": 50},
                {"key": "test", "name": "Test Variant", "rollout_percentage": 50},
            ]
        },
        "aggregation_group_type_index": None,
    }
    assert made["parameters"] is None  # defaults are not written back
    assert made["secondary_metrics"] == []
    assert made["archived"] is False
    assert made["created_by"]["id"] == api.user_id
    assert made["created_at"].endswith("Z")
    assert api.retrieve(made["id"]) == made


def test_create_with_a_start_date_launches_and_takes_variants_and_group_type(api: Api) -> None:
    made = api.create(
        start_date="2024-01-01T10:00:00+02:00",
        parameters={
            "feature_flag_variants": VARIANTS_3,
            "aggregation_group_type_index": 1,
            "recommended_sample_size": 9,
        },
        filters={"events": [], "aggregation_group_type_index": 3},
    )
    assert made["start_date"] == "2024-01-01T08:00:00Z"
    assert made["feature_flag"]["active"] is True
    assert made["feature_flag"]["filters"]["multivariate"]["variants"] == VARIANTS_3
    assert made["feature_flag"]["filters"]["aggregation_group_type_index"] == 1  # from parameters, never filters
    assert made["parameters"]["recommended_sample_size"] == 9  # stored as sent


def test_read_only_and_unknown_fields_are_ignored(api: Api) -> None:
    made = api.create(id=999, feature_flag={"id": 5}, created_by={"id": 42}, exposure_cohort=3, colour="red")
    assert made["id"] != 999
    assert made["created_by"]["id"] == api.user_id
    assert made["exposure_cohort"] is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"feature_flag_key": "k"}, error(400, "This field is required.", code="required", attr="name")),
        ({"name": None, "feature_flag_key": "k"}, error(400, "This field may not be null.", code="null", attr="name")),
        ({"name": "", "feature_flag_key": "k"}, error(400, "This field may not be blank.", code="blank", attr="name")),
        (
            {"name": "x" * 401, "feature_flag_key": "k"},
            error(400, "Ensure this field has no more than 400 characters.", code="max_length", attr="name"),
        ),
        ({"name": "n"}, error(400, "This field is required.", code="required", attr="feature_flag_key")),
        (
            {"name": "n", "feature_flag_key": ""},
            error(400, "This field may not be blank.", code="blank", attr="feature_flag_key"),
        ),
        (
            {"name": "n", "feature_flag_key": "a b"},
            error(
                400, "Only letters, numbers, hyphens (-) & underscores (_) are allowed.", code="invalid_key", attr="key"
            ),
        ),
        ({"name": "n", "feature_flag_key": "k", "start_date": "soon"}, error(400, DATETIME, attr="start_date")),
        (
            {"name": "n", "feature_flag_key": "k", "filters": {"properties": [{"key": "email", "value": "x"}]}},
            error(400, "Experiments do not support global filter properties"),
        ),
        (
            {
                "name": "n",
                "feature_flag_key": "k",
                "start_date": "2024-02-10T00:00:00Z",
                "end_date": "2024-02-01T00:00:00Z",
            },
            error(400, "End date must be after start date"),
        ),
        (
            {
                "name": "n",
                "feature_flag_key": "k",
                "start_date": "2024-02-10T00:00:00Z",
                "end_date": "2024-02-10T00:00:00Z",
            },
            error(400, "End date must be after start date"),
        ),
        (
            {
                "name": "n",
                "feature_flag_key": "k",
                "parameters": {"feature_flag_variants": [{"key": "control", "rollout_percentage": 100}]},
            },
            error(
                400,
                "Feature flag must have at least 2 variants (control and at least one test variant)",
                attr="parameters",
            ),
        ),
        (
            {
                "name": "n",
                "feature_flag_key": "k",
                "parameters": {"feature_flag_variants": [{"key": f"v{i}", "rollout_percentage": 9} for i in range(11)]},
            },
            error(400, "Feature flag variants must be less than 11", attr="parameters"),
        ),
        (
            {
                "name": "n",
                "feature_flag_key": "k",
                "parameters": {
                    "feature_flag_variants": [
                        {"key": "a", "rollout_percentage": 50},
                        {"key": "b", "rollout_percentage": 50},
                    ]
                },
            },
            error(400, "Feature flag variants must contain a control variant", attr="parameters"),
        ),
        (
            {
                "name": "n",
                "feature_flag_key": "k",
                "parameters": {
                    "feature_flag_variants": [
                        {"key": "control", "rollout_percentage": 50},
                        {"key": "b", "rollout_percentage": 40},
                    ]
                },
            },
            error(400, "Invalid variant definitions: Variant rollout percentages must sum to 100."),
        ),
    ],
)
def test_create_rejects_with_posthogs_words_and_stores_nothing(
    api: Api, body: dict[str, Any], expected: tuple[int, dict[str, Any]]
) -> None:
    assert answered(api.call("POST", api.experiments, body)) == expected
    with api.database.read() as session:
        assert session.scalar(select(func.count()).select_from(tables.FeatureFlag)) == 0
        assert session.scalar(select(func.count()).select_from(tables.Experiment)) == 0


def test_a_flag_key_in_use_is_refused_until_its_experiment_is_deleted(api: Api) -> None:
    first = api.create(feature_flag_key="shared")
    again = api.call("POST", api.experiments, {"name": "b", "feature_flag_key": "shared"})
    assert answered(again) == error(400, "There is already a feature flag with this key.", code="unique", attr="key")
    deleted = api.call("DELETE", f"{api.experiments}{first['id']}/")
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert api.call("GET", f"{api.experiments}{first['id']}/").status_code == 404
    with api.database.read() as session:
        flag = session.get_one(tables.FeatureFlag, first["feature_flag"]["id"])
        assert flag.deleted is True  # soft-deleted, kept
    assert api.create(feature_flag_key="shared")["feature_flag"]["id"] != first["feature_flag"]["id"]


def test_forms_carry_json_fields(api: Api) -> None:
    form = {"name": "From a form", "feature_flag_key": "form-flag", "filters": '{"events": [{"id": "signup"}]}'}
    answer = api.client.post(api.experiments, data=form, headers={"Authorization": f"Bearer {api.key}"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["filters"] == {"events": [{"id": "signup"}]}


def test_patch_changes_fields_and_keeps_the_rest(api: Api) -> None:
    made = api.create(description="before", filters={"events": [{"id": "a"}]})
    answer = api.patch(
        made["id"], {"name": "Renamed", "description": None, "feature_flag_key": made["feature_flag_key"]}
    )
    assert answer.status_code == 200, answer.text
    changed = answer.json()
    assert (changed["name"], changed["description"], changed["filters"]) == ("Renamed", None, made["filters"])
    assert changed["updated_at"] > made["updated_at"]
    assert changed["feature_flag"]["name"] == made["feature_flag"]["name"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"feature_flag_key": "other"}, error(400, "Can't update keys: get_feature_flag_key on Experiment")),
        ({"name": None}, error(400, "This field may not be null.", code="null", attr="name")),
        ({"archived": None}, error(400, "This field may not be null.", code="null", attr="archived")),
        (
            {"filters": {"properties": [{"key": "a"}]}},
            error(400, "Experiments do not support global filter properties"),
        ),
        ({"end_date": "2023-12-31T00:00:00Z"}, error(400, "End date must be after start date")),
        ({"end_date": "yesterday"}, error(400, DATETIME, attr="end_date")),
    ],
)
def test_patch_rejections_change_nothing(api: Api, body: dict[str, Any], expected: tuple[int, dict[str, Any]]) -> None:
    made = api.create(start_date="2024-01-01T00:00:00Z")
    assert answered(api.patch(made["id"], body)) == expected
    assert api.retrieve(made["id"]) == made


def test_launching_a_draft_by_patch_activates_its_flag(api: Api) -> None:
    made = api.create()
    assert made["feature_flag"]["active"] is False
    launched = api.patch(made["id"], {"start_date": "2024-03-01T12:00:00Z"}).json()
    assert launched["start_date"] == "2024-03-01T12:00:00Z"
    assert launched["feature_flag"]["active"] is True
    ended = api.patch(made["id"], {"end_date": "2024-03-08T12:00:00Z"}).json()
    assert ended["end_date"] == "2024-03-08T12:00:00Z"
    assert ended["feature_flag"]["active"] is True  # ending never touches the flag


def test_a_draft_may_rewrite_its_variants_and_reset_them(api: Api) -> None:
    made = api.create()
    rewritten = api.patch(made["id"], {"parameters": {"feature_flag_variants": VARIANTS_3}}).json()
    assert rewritten["feature_flag"]["filters"]["multivariate"]["variants"] == VARIANTS_3
    reset = api.patch(made["id"], {"parameters": {"recommended_running_time": 14}}).json()
    assert [v["key"] for v in reset["feature_flag"]["filters"]["multivariate"]["variants"]] == ["control", "test"]
    bad = api.patch(
        made["id"], {"parameters": {"feature_flag_variants": [{"key": "control", "rollout_percentage": 100}]}}
    )
    assert answered(bad) == error(
        400, "Feature flag must have at least 2 variants (control and at least one test variant)", attr="parameters"
    )


def test_after_launch_variant_keys_are_fixed_but_percentages_may_change(api: Api) -> None:
    made = api.create(start_date="2024-01-01T00:00:00Z", parameters={"feature_flag_variants": VARIANTS_3})
    fewer = {"feature_flag_variants": VARIANTS_3[:2]}
    assert answered(api.patch(made["id"], {"parameters": fewer})) == error(
        400, "Can't update feature_flag_variants on Experiment"
    )
    renamed = [dict(VARIANTS_3[0]), dict(VARIANTS_3[1]), {"key": "test_3", "rollout_percentage": 33}]
    assert api.patch(made["id"], {"parameters": {"feature_flag_variants": renamed}}).status_code == 400
    shifted = [
        {**variant, "rollout_percentage": share} for variant, share in zip(VARIANTS_3, (50, 25, 25), strict=True)
    ]
    answer = api.patch(made["id"], {"parameters": {"feature_flag_variants": shifted}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["parameters"]["feature_flag_variants"] == shifted
    assert answer.json()["feature_flag"]["filters"] == made["feature_flag"]["filters"]  # the flag stays


def test_archiving_and_unarchiving(api: Api) -> None:
    made = api.create()
    assert api.patch(made["id"], {"archived": True}).json()["archived"] is True
    assert api.patch(made["id"], {"archived": False}).json()["archived"] is False


def test_put_needs_name_and_key_and_keeps_omitted_fields(api: Api) -> None:
    made = api.create(description="kept", filters={"events": [{"id": "a"}]})
    path = f"{api.experiments}{made['id']}/"
    assert answered(api.call("PUT", path, {"name": "x"})) == error(
        400, "This field is required.", code="required", attr="feature_flag_key"
    )
    answer = api.call("PUT", path, {"name": "Whole", "feature_flag_key": made["feature_flag_key"]})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["name"], answer.json()["description"]) == ("Whole", "kept")


def test_missing_experiments_and_ids_are_404(api: Api) -> None:
    for path in (f"{api.experiments}12345/", f"{api.experiments}abc/"):
        for method in ("GET", "PATCH", "DELETE"):
            response = api.call(method, path, {} if method == "PATCH" else None)
            assert answered(response) == error(404, "Not found.", code="not_found"), (method, path)


def test_list_orders_newest_first_and_pages_as_drf(api: Api) -> None:
    ids = [api.create(name=f"e{i}")["id"] for i in range(5)]
    first = api.call("GET", f"{api.experiments}?limit=2&search=e").json()
    assert first["count"] == 5
    assert [e["id"] for e in first["results"]] == ids[::-1][:2]
    assert first["previous"] is None
    assert first["next"] == f"http://testserver{api.experiments}?limit=2&offset=2&search=e"
    second = api.call("GET", first["next"]).json()
    assert [e["id"] for e in second["results"]] == ids[::-1][2:4]
    assert second["previous"] == f"http://testserver{api.experiments}?limit=2&search=e"
    last = api.call("GET", second["next"]).json()
    assert [e["id"] for e in last["results"]] == ids[:1]
    assert last["next"] is None
    assert last["previous"] == f"http://testserver{api.experiments}?limit=2&offset=2&search=e"
    assert api.call("GET", api.experiments).json()["count"] == 5


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("limit=0", error(400, "Ensure this value is greater than or equal to 1.", code="min_value", attr="limit")),
        ("limit=1001", error(400, "Ensure this value is less than or equal to 1000.", code="max_value", attr="limit")),
        ("offset=-1", error(400, "Ensure this value is greater than or equal to 0.", code="min_value", attr="offset")),
        ("limit=ten", error(400, "A valid integer is required.", attr="limit")),
        ("status=paused", error(400, '"paused" is not a valid choice.', code="invalid_choice", attr="status")),
    ],
)
def test_list_rejects_bad_paging_and_filters(api: Api, query: str, expected: tuple[int, dict[str, Any]]) -> None:
    assert answered(api.call("GET", f"{api.experiments}?{query}")) == expected


def test_list_filters(api: Api) -> None:
    draft = api.create(name="Draft 100% sure")["id"]
    running = api.create(name="Running", start_date="2024-01-01T00:00:00Z")["id"]
    complete = api.create(name="Done", start_date="2024-01-01T00:00:00Z", end_date="2024-02-01T00:00:00Z")["id"]
    archived = api.create(name="Old", archived=True)["id"]

    def ids(query: str) -> set[int]:
        answer = api.call("GET", f"{api.experiments}?{query}")
        assert answer.status_code == 200, answer.text
        return {e["id"] for e in answer.json()["results"]}

    assert ids("") == {draft, running, complete, archived}
    assert ids("status=draft") == {draft, archived}
    assert ids("status=running") == {running}
    assert ids("status=complete") == {complete}
    assert ids("status=all") == {draft, running, complete, archived}
    assert ids("archived=true") == {archived}
    assert ids("archived=false") == {draft, running, complete}
    assert ids("search=RUN") == {running}
    assert ids("search=100%25") == {draft}  # % is a character, not a wildcard
    assert ids("search=_") == set()
    assert ids(f"created_by_id={api.user_id}") == {draft, running, complete, archived}
    assert ids(f"created_by_id={api.user_id + 1}") == set()


def test_stats_counts_launches_in_the_windows(api: Api) -> None:
    from datetime import UTC, datetime, timedelta

    def days_ago(days: int) -> str:
        return (datetime.now(UTC) - timedelta(days=days)).isoformat()

    assert api.call("GET", f"{api.experiments}stats/").json() == {
        "launched_last_30d": 0,
        "launched_previous_30d": 0,
        "percent_change": 0.0,
        "active_experiments": 0,
        "completed_last_30d": 0,
    }
    for _ in range(3):
        api.create(start_date=days_ago(45), end_date=days_ago(40))
    api.create(start_date=days_ago(5))
    api.create(start_date=days_ago(10), end_date=days_ago(3))
    api.create(start_date=days_ago(2), archived=True)  # archived experiments do not count
    assert api.call("GET", f"{api.experiments}stats/").json() == {
        "launched_last_30d": 2,
        "launched_previous_30d": 3,
        "percent_change": -33.3,
        "active_experiments": 1,
        "completed_last_30d": 1,
    }


def test_a_crash_is_a_500_without_a_trace(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from reference.experiments.service import ExperimentService

    def explode(*_: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(ExperimentService, "retrieve", explode)
    answer = api.call("GET", f"{api.experiments}1/")
    assert answered(answer) == (
        500,
        {"type": "server_error", "code": "error", "detail": "A server error occurred.", "attr": None},
    )
