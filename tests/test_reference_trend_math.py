"""Trend experiments with math, counted as PostHog's era A counts them (behaviour page 5.1 and 5.2).

Under a math aggregation (every math but ``sum``) the statistics see the metric's events against
the persons who did them, whatever the math values; under other math they see the series' total
(truncated) against the exposure, which a custom exposure filter counts with its own math.
"""

from __future__ import annotations

from typing import Any

import pytest

from reference.db import tables
from tests.event_support import capture, event, exposed, launched, results
from tests.reference_support import Api

# The behaviour page's worked example: control's two persons view 3 and 1 times, test's 5 and 2.
VIEWS = {"control": {"c1": 3, "c2": 1}, "test": {"t1": 5, "t2": 2}}
WORKED_EXAMPLE_P_TEST = 0.806  # P(Gamma(8, 1) > Gamma(5, 1)), PostHog's figure


def _views(flag: str, *, amount: Any = None) -> list[dict[str, Any]]:
    """The worked example's pageviews, one a day from Jan 2, each with ``amount`` if given."""
    made = []
    for variant, persons in VIEWS.items():
        for person, times in persons.items():
            for day in range(times):
                properties = {f"$feature/{flag}": variant}
                if amount is not None:
                    properties["amount"] = amount(person, day)
                made.append(event("$pageview", person, f"2024-01-0{day + 2}T10:00:00Z", **properties))
    return made


def _variants(answer: Any) -> dict[str, tuple[int, float, int]]:
    assert answer.status_code == 200, answer.text
    variants = answer.json()["result"]["variants"]
    return {v["key"]: (v["count"], v["exposure"], v["absolute_exposure"]) for v in variants}


@pytest.mark.parametrize(
    "math",
    [
        {"math": "avg_count_per_actor"},
        {"math": "max", "math_property": "amount"},
        {"math": "min", "math_property": "amount"},
        {"math": "avg", "math_property": "amount"},
    ],
    ids=lambda math: math["math"],
)
def test_a_math_aggregation_counts_events_against_the_persons_who_did_them(api: Api, math: dict[str, str]) -> None:
    made = launched(api, {"insight": "TRENDS", "events": [{"id": "$pageview", **math}]})
    flag = made["feature_flag_key"]
    # amounts that would change every answer if the statistics read them
    capture(api, _views(flag, amount=lambda person, day: 1000.0 * (day + 1) if person == "c1" else 0.5))
    answer = results(api, made["id"])
    assert _variants(answer) == {"control": (4, 1.0, 2), "test": (7, 1.0, 2)}
    assert answer.json()["result"]["probability"]["test"] == pytest.approx(WORKED_EXAMPLE_P_TEST, abs=0.01)


def test_a_math_aggregation_ignores_flag_calls_and_the_custom_exposure_filter(api: Api) -> None:
    exposure = {"events": [{"id": "$feature_flag_called", "order": 0}]}
    made = launched(
        api,
        {"insight": "TRENDS", "events": [{"id": "$pageview", "math": "avg_count_per_actor"}]},
        parameters={"custom_exposure_filter": exposure},
    )
    flag = made["feature_flag_key"]
    calls = [exposed(flag, "control", f"x{i}", "2024-01-02T09:00:00Z") for i in range(30)]
    capture(api, [*_views(flag), *calls])
    assert _variants(results(api, made["id"])) == {"control": (4, 1.0, 2), "test": (7, 1.0, 2)}


def test_a_math_aggregation_shows_the_linear_series_of_its_values(api: Api) -> None:
    made = launched(api, {"insight": "TRENDS", "events": [{"id": "$pageview", "math": "avg_count_per_actor"}]})
    flag = made["feature_flag_key"]
    capture(api, _views(flag))
    series = {s["breakdown_value"]: s for s in results(api, made["id"]).json()["result"]["insight"]}
    # control: Jan 2 both persons view (2 views / 2 persons), Jan 3 and 4 only c1 (1 / 1)
    assert series["control"]["data"][:5] == [0.0, 1.0, 1.0, 1.0, 0.0]
    assert series["test"]["data"][:7] == [0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0]


def test_sum_counts_its_total_truncated_against_flag_calls(api: Api) -> None:
    made = launched(
        api, {"insight": "TRENDS", "events": [{"id": "$pageview", "math": "sum", "math_property": "amount"}]}
    )
    flag = made["feature_flag_key"]
    calls = [exposed(flag, variant, person, "2024-01-02T09:00:00Z") for variant in VIEWS for person in VIEWS[variant]]
    capture(api, [*_views(flag, amount=lambda person, day: 2.5), *calls])
    # control 4 views of 2.5 = 10.0; test 7 views = 17.5 -> 17
    assert _variants(results(api, made["id"])) == {"control": (10, 1.0, 2), "test": (17, 1.0, 2)}


@pytest.mark.parametrize(("exposure_math", "expected"), [(None, (3, 4)), ("total", (3, 4)), ("dau", (2, 1))])
def test_a_custom_exposure_filter_is_counted_with_its_own_math(
    api: Api, exposure_math: str | None, expected: tuple[int, int]
) -> None:
    entity: dict[str, Any] = {"id": "signup", "order": 0}
    if exposure_math is not None:
        entity["math"] = exposure_math
    made = launched(
        api,
        {"insight": "TRENDS", "events": [{"id": "$pageview"}]},
        parameters={"custom_exposure_filter": {"events": [entity]}},
    )
    flag = made["feature_flag_key"]
    signups = [("control", "c1"), ("control", "c1"), ("control", "c2"), *[("test", "t1")] * 4]
    capture(
        api,
        [
            *_views(flag),
            *(event("signup", person, "2024-01-02T08:00:00Z", **{f"$feature/{flag}": v}) for v, person in signups),
        ],
    )
    control, test = expected
    assert _variants(results(api, made["id"])) == {
        "control": (4, 1.0, control),
        "test": (7, test / control, test),
    }


def test_a_custom_exposure_filter_filters_test_accounts_by_its_own_setting(api: Api) -> None:
    with api.database.write() as session:
        project = session.get(tables.Project, api.project_id)
        assert project is not None
        project.test_account_filters = [{"key": "internal", "operator": "is_not_set", "type": "event"}]
    exposures = {"events": [{"id": "signup", "order": 0}], "filter_test_accounts": True}
    made = launched(
        api,
        {"insight": "TRENDS", "events": [{"id": "$pageview"}]},  # the metric keeps test accounts
        parameters={"custom_exposure_filter": exposures},
    )
    flag = made["feature_flag_key"]
    capture(
        api,
        [
            *_views(flag),
            event("signup", "c1", "2024-01-02T08:00:00Z", **{f"$feature/{flag}": "control"}),
            event("signup", "c2", "2024-01-02T08:00:00Z", internal=True, **{f"$feature/{flag}": "control"}),
            event("signup", "t1", "2024-01-02T08:00:00Z", **{f"$feature/{flag}": "test"}),
            event("signup", "t2", "2024-01-02T08:00:00Z", **{f"$feature/{flag}": "test"}),
            event("$pageview", "c9", "2024-01-02T08:00:00Z", internal=True, **{f"$feature/{flag}": "control"}),
        ],
    )
    # the internal pageview counts (the metric does not filter); the internal signup does not
    assert _variants(results(api, made["id"])) == {"control": (5, 1.0, 1), "test": (7, 2.0, 2)}


def test_an_exposure_math_this_server_cannot_count_is_a_400(api: Api) -> None:
    exposure = {"events": [{"id": "signup", "order": 0, "math": "weekly_active"}]}
    made = launched(
        api, {"insight": "TRENDS", "events": [{"id": "$pageview"}]}, parameters={"custom_exposure_filter": exposure}
    )
    answer = results(api, made["id"])
    assert answer.status_code == 400
    assert answer.json()["detail"] == "Trend math 'weekly_active' is not supported by this server."


def test_secondary_results_divide_a_math_aggregation_by_the_days(api: Api) -> None:
    secondary = [
        {
            "name": "per person",
            "filters": {"insight": "TRENDS", "events": [{"id": "$pageview", "math": "avg_count_per_actor"}]},
        }
    ]
    made = launched(api, {"insight": "TRENDS", "events": [{"id": "$pageview"}]}, secondary_metrics=secondary)
    flag = made["feature_flag_key"]
    capture(api, _views(flag))
    answer = api.call("GET", f"{api.experiments}{made['id']}/secondary_results/?id=0")
    assert answer.status_code == 200, answer.text
    result = answer.json()["result"]
    days = 10  # Jan 1 to Jan 10
    assert result["result"] == {"control": pytest.approx(3.0 / days), "test": pytest.approx(5.0 / days)}
    assert {v["key"]: v["count"] for v in result["variants"]} == {"control": 4, "test": 7}
    assert result["probability"]["test"] == pytest.approx(WORKED_EXAMPLE_P_TEST, abs=0.01)
