"""Events for the reference server's tests: made in PostHog's capture format, sent through ``/batch/``,
and the experiments (launched in a fixed window) that count them."""

from __future__ import annotations

import uuid
from typing import Any

from tests.reference_support import Api

START, END = "2024-01-01T00:00:00Z", "2024-01-10T00:00:00Z"
TREND = {"insight": "TRENDS", "events": [{"id": "$pageview", "order": 0}]}
FUNNEL = {"insight": "FUNNELS", "events": [{"id": "$pageview", "order": 0}, {"id": "$pageleave", "order": 1}]}
THREE_VARIANTS = {
    "feature_flag_variants": [
        {"key": "control", "rollout_percentage": 34},
        {"key": "test_1", "rollout_percentage": 33},
        {"key": "test_2", "rollout_percentage": 33},
    ]
}


def event(name: str, person: str, when: str, **properties: Any) -> dict[str, Any]:
    return {
        "event": name,
        "distinct_id": person,
        "timestamp": when,
        "properties": properties,
        "uuid": str(uuid.uuid4()),
    }


def seen(flag: str, variant: str, person: str, when: str, name: str = "$pageview") -> dict[str, Any]:
    return event(name, person, when, **{f"$feature/{flag}": variant})


def exposed(flag: str, variant: str, person: str, when: str) -> dict[str, Any]:
    return event("$feature_flag_called", person, when, **{"$feature_flag": flag, "$feature_flag_response": variant})


def capture(api: Api, events: list[dict[str, Any]]) -> None:
    answer = api.client.post("/batch/", json={"api_key": api.project_token, "batch": events})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"status": 1}


def results(api: Api, experiment_id: int, suffix: str = "") -> Any:
    return api.call("GET", f"{api.experiments}{experiment_id}/results/{suffix}")


def launched(api: Api, filters: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return api.create(filters=filters, start_date=START, end_date=END, **fields)
