"""PostHog's own Python SDK, pointed at a real reference server, sends events that count in results."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import posthog
import pytest

from tests.reference_support import fresh_database_url, served

START = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
@pytest.mark.parametrize("gzip", [False, True])
def test_events_sent_by_the_posthog_sdk_count_in_results(kind: str, gzip: bool, tmp_path: Path) -> None:
    with fresh_database_url(kind, tmp_path) as database_url, served(database_url) as (url, made):
        assert made is not None
        experiments = f"{url}/api/projects/{made['project_id']}/experiments/"
        auth = {"Authorization": f"Bearer {made['personal_api_key']}"}
        metric = {"insight": "TRENDS", "events": [{"id": "$pageview"}]}
        created = httpx.post(
            experiments,
            json={"name": "SDK", "feature_flag_key": "sdk-flag", "filters": metric, "start_date": START.isoformat()},
            headers=auth,
        )
        assert created.status_code == 201, created.text

        client = posthog.Posthog(made["project_token"], host=url, sync_mode=True, gzip=gzip, disable_geoip=True)
        when = datetime(2024, 1, 2, 12, tzinfo=UTC)
        for person, variant, views in (("alice", "control", 2), ("bob", "test", 3), ("carol", "test", 1)):
            client.capture(
                "$feature_flag_called",
                distinct_id=person,
                properties={"$feature_flag": "sdk-flag", "$feature_flag_response": variant},
                timestamp=when,
            )
            for _ in range(views):
                client.capture(
                    "$pageview", distinct_id=person, properties={"$feature/sdk-flag": variant}, timestamp=when
                )
        client.shutdown()

        answer = httpx.get(f"{experiments}{created.json()['id']}/results/", headers=auth)
        assert answer.status_code == 200, answer.text
        assert answer.json()["result"]["variants"] == [
            {"key": "control", "count": 2, "exposure": 1.0, "absolute_exposure": 1},
            {"key": "test", "count": 4, "exposure": 2.0, "absolute_exposure": 2},
        ]
