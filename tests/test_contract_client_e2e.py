"""The generated client, sync and async, against a real ``python -m reference serve`` on 127.0.0.1.

One lifecycle each: create, list across several pages, launch, capture, results, exposure cohort,
delete; then the typed errors, the 409 approval flow included, as a caller sees them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from posthog_experiments import (
    ApprovalRequiredError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    NotFoundError,
    PermissionDeniedError,
    models,
)

from reference import admin
from reference.db.engine import Database
from tests.event_support import TREND, exposed, seen
from tests.reference_support import fresh_database_url, served

START, END = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 10, tzinfo=UTC)
EXPERIMENTS = 23
PAGE = 10


@dataclass
class Served:
    url: str
    key: str
    project_id: int
    project_token: str
    database: Database
    requests: list[httpx.Request]

    def client(self, key: str | None = None) -> Client:
        recorder = httpx.Client(event_hooks={"request": [self.requests.append]})
        return Client(base_url=self.url, api_key=key or self.key, project_id=str(self.project_id), http_client=recorder)

    def async_client(self) -> AsyncClient:
        return AsyncClient(base_url=self.url, api_key=self.key, project_id=str(self.project_id))


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    with fresh_database_url(request.param, tmp_path) as url, served(url) as (base, printed):
        assert printed is not None
        database = Database(url, pool_size=2)
        try:
            yield Served(
                base, printed["personal_api_key"], printed["project_id"], printed["project_token"], database, []
            )
        finally:
            database.dispose()


def events(flag: str, persons: int) -> list[models.CaptureEvent]:
    """Half the persons see each variant; every test person views a page, every second control person does."""
    made = []
    for number in range(persons):
        variant, person = ("test" if number % 2 else "control"), f"person-{number}"
        made.append(exposed(flag, variant, person, START.isoformat()))
        if variant == "test" or number % 4 == 0:
            made.append(seen(flag, variant, person, START.isoformat()))
    return [models.CaptureEvent.model_validate(event) for event in made]


def test_the_whole_lifecycle_with_the_sync_client(server: Served) -> None:
    client = server.client()
    made = [client.experiments.create(name=f"Experiment {n}", feature_flag_key=f"flag-{n}") for n in range(EXPERIMENTS)]

    server.requests.clear()
    listed = [experiment.id for experiment in client.experiments.list(limit=PAGE)]
    assert sorted(listed) == sorted(experiment.id for experiment in made)
    assert len(server.requests) == 3  # 23 items, 10 a page: the client followed `next` twice

    subject = made[0]
    launched = client.experiments.partial_update(
        id=subject.id, filters=models.ExperimentFilters.model_validate(TREND), start_date=START, end_date=END
    )
    assert launched.start_date is not None

    stored = client.capture.batch(api_key=server.project_token, batch=events(subject.feature_flag_key, 40))
    assert stored.status == 1

    answer = client.experiments.results(id=subject.id)
    assert isinstance(answer.result, models.TrendExperimentResult)
    assert set(answer.result.probability) == {"control", "test"}
    assert answer.result.probability["test"] > answer.result.probability["control"]
    assert client.experiments.results(id=subject.id).is_cached

    cohort = client.experiments.create_exposure_cohort_for_experiment(id=subject.id).cohort
    assert admin.cohort_members(server.database, cohort_id=cohort.id)["count"] == 40

    client.experiments.delete(id=subject.id)
    with pytest.raises(NotFoundError):
        client.experiments.retrieve(id=subject.id)


def test_the_whole_lifecycle_with_the_async_client(server: Served) -> None:
    async def lifecycle() -> None:
        async with server.async_client() as client:
            made = await asyncio.gather(
                *(client.experiments.create(name=f"Async {n}", feature_flag_key=f"async-{n}") for n in range(12))
            )
            page = await client.experiments.list(limit=5)
            assert sorted([experiment.id async for experiment in page]) == sorted(e.id for e in made)

            subject = made[0]
            await client.experiments.partial_update(
                id=subject.id, filters=models.ExperimentFilters.model_validate(TREND), start_date=START, end_date=END
            )
            await client.capture.batch(api_key=server.project_token, batch=events(subject.feature_flag_key, 10))
            answer = await client.experiments.results(id=subject.id)
            assert set(answer.result.probability) == {"control", "test"}
            cohort = (await client.experiments.create_exposure_cohort_for_experiment(id=subject.id)).cohort
            assert cohort.name
            await client.experiments.delete(id=subject.id)
            with pytest.raises(NotFoundError):
                await client.experiments.retrieve(id=subject.id)

    asyncio.run(lifecycle())


def test_typed_errors_from_the_real_server(server: Served) -> None:
    client = server.client()
    first = client.experiments.create(name="First", feature_flag_key="taken")
    with pytest.raises(BadRequestError) as bad:
        client.experiments.create(name="Second", feature_flag_key="taken")
    assert (bad.value.code, bad.value.attr) == ("unique", "key")
    with pytest.raises(AuthenticationError) as unauthenticated:
        server.client(key="phx_not-a-key").experiments.list()
    assert unauthenticated.value.code == "authentication_failed"
    read_only = admin.create_key(server.database, user_id=1, scopes=["experiment:read"], project_ids=None)["key"]
    with pytest.raises(PermissionDeniedError) as denied:
        server.client(key=read_only).experiments.delete(id=first.id)
    assert denied.value.detail == "API key missing required scope 'experiment:write'"
    with pytest.raises(NotFoundError):
        client.experiments.retrieve(id=first.id + 1000)


def test_the_approval_flow_raises_approval_required(server: Served) -> None:
    approver = admin.create_user(server.database, email="approver@example.com", organization_ids=[1])["id"]
    admin.add_policy(
        server.database,
        project_id=server.project_id,
        action_key="feature_flag.enable",
        quorum=1,
        approver_user_ids=[approver],
        allow_self_approve=False,
    )
    client = server.client()
    made = client.experiments.create(name="Gated", feature_flag_key="gated")
    with pytest.raises(ApprovalRequiredError) as gated:
        client.experiments.partial_update(id=made.id, start_date=START)
    change = gated.value.change_request
    assert (change.state, gated.value.required_approvers.users) == ("pending", [approver])
    assert client.experiments.retrieve(id=made.id).start_date is None

    admin.decide(server.database, change_request_id=str(change.id), user_id=approver, approve=True)
    assert client.experiments.retrieve(id=made.id).start_date is not None
