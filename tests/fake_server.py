"""A small in-memory implementation of the generated server interface, for the adapter's tests.

It answers each operation with the spec's own examples, so that what the tests read back can be
compared with what the implementation returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from posthog_experiments_server import models, requests, responses
from posthog_experiments_server._runtime import Denied, ErrorAnswer, SecurityAlternative
from starlette.requests import Request

from tests.conftest import SPEC

EXAMPLES: dict[str, Any] = {
    name: example["value"] for name, example in yaml.safe_load(SPEC.read_text())["components"]["examples"].items()
}
VALID_KEY = "phx_valid"


class Identity:
    def __init__(self, scopes: frozenset[str]) -> None:
        self.scopes = scopes


async def authenticate(request: Request, alternatives: Sequence[SecurityAlternative]) -> Identity:
    """Bearer ``phx_valid`` has every scope; anything else is refused the way PostHog refuses it."""
    header = request.headers.get("authorization", "")
    if not header:
        raise Denied(
            ErrorAnswer(
                401,
                _error("authentication_error", "not_authenticated", "Authentication credentials were not provided."),
                {"WWW-Authenticate": "Bearer"},
            )
        )
    if header != f"Bearer {VALID_KEY}":
        raise Denied(
            ErrorAnswer(
                401,
                _error(
                    "authentication_error",
                    "authentication_failed",
                    "Personal API key found in request Authorization header is invalid.",
                ),
            )
        )
    assert alternatives, "a secured operation has requirements"
    return Identity(frozenset({scope for alternative in alternatives for _, scopes in alternative for scope in scopes}))


def _error(kind: str, code: str, detail: str) -> dict[str, Any]:
    return {"type": kind, "code": code, "detail": detail, "attr": None}


def experiment() -> models.Experiment:
    return models.Experiment.model_validate(EXAMPLES["LaunchedExperiment"])


class FakeExperiments:
    def __init__(self) -> None:
        self.seen: list[Any] = []

    async def experiments_list(
        self, request: requests.ExperimentsListRequest, identity: Identity
    ) -> responses.ExperimentsListResponse:
        self.seen.append(request)
        return responses.ExperimentsList200(
            body=models.PaginatedExperimentList.model_validate(EXAMPLES["ExperimentPage"])
        )

    async def experiments_create(
        self, request: requests.ExperimentsCreateRequest, identity: Identity
    ) -> responses.ExperimentsCreateResponse:
        self.seen.append(request)
        if request.body.name == "boom":
            raise RuntimeError("a secret stack trace")
        return responses.ExperimentsCreate201(body=models.Experiment.model_validate(EXAMPLES["DraftExperiment"]))

    async def experiments_retrieve(
        self, request: requests.ExperimentsRetrieveRequest, identity: Identity
    ) -> responses.ExperimentsRetrieveResponse:
        self.seen.append(request)
        if request.id != 42:
            return responses.ExperimentsRetrieve404(body=models.Error.model_validate(EXAMPLES["ErrorNotFound"]))
        return responses.ExperimentsRetrieve200(body=experiment())

    async def experiments_update(
        self, request: requests.ExperimentsUpdateRequest, identity: Identity
    ) -> responses.ExperimentsUpdateResponse:
        self.seen.append(request)
        return responses.ExperimentsUpdate200(body=experiment())

    async def experiments_partial_update(
        self, request: requests.ExperimentsPartialUpdateRequest, identity: Identity
    ) -> responses.ExperimentsPartialUpdateResponse:
        self.seen.append(request)
        if request.body.start_date is not None:
            body = models.ApprovalRequiredResponse.model_validate(EXAMPLES["ApprovalRequired"])
            return responses.ExperimentsPartialUpdate409(body=body)
        return responses.ExperimentsPartialUpdate200(body=experiment())

    async def experiments_destroy(
        self, request: requests.ExperimentsDestroyRequest, identity: Identity
    ) -> responses.ExperimentsDestroyResponse:
        self.seen.append(request)
        return responses.ExperimentsDestroy204()

    async def experiments_create_exposure_cohort_for_experiment_create(
        self, request: requests.ExperimentsCreateExposureCohortForExperimentCreateRequest, identity: Identity
    ) -> responses.ExperimentsCreateExposureCohortForExperimentCreateResponse:
        self.seen.append(request)
        body = models.ExposureCohortResponse.model_validate(EXAMPLES["ExposureCohort"])
        return responses.ExperimentsCreateExposureCohortForExperimentCreate201(body=body)

    async def experiments_results_retrieve(
        self, request: requests.ExperimentsResultsRetrieveRequest, identity: Identity
    ) -> responses.ExperimentsResultsRetrieveResponse:
        self.seen.append(request)
        body = models.ExperimentResultsResponse.model_validate(EXAMPLES["FunnelResults"])
        return responses.ExperimentsResultsRetrieve200(body=body)

    async def experiments_secondary_results_retrieve(
        self, request: requests.ExperimentsSecondaryResultsRetrieveRequest, identity: Identity
    ) -> responses.ExperimentsSecondaryResultsRetrieveResponse:
        self.seen.append(request)
        body = models.SecondaryResultsResponse.model_validate(EXAMPLES["SecondaryFunnelResults"])
        return responses.ExperimentsSecondaryResultsRetrieve200(body=body)

    async def experiments_requires_flag_implementation_retrieve(
        self, request: requests.ExperimentsRequiresFlagImplementationRetrieveRequest, identity: Identity
    ) -> responses.ExperimentsRequiresFlagImplementationRetrieveResponse:
        self.seen.append(request)
        body = models.RequiresFlagImplementationResponse(result=not request.events)
        return responses.ExperimentsRequiresFlagImplementationRetrieve200(body=body)

    async def experiments_stats_retrieve(
        self, request: requests.ExperimentsStatsRetrieveRequest, identity: Identity
    ) -> responses.ExperimentsStatsRetrieveResponse:
        self.seen.append(request)
        body = models.ExperimentStats(
            launched_last_30d=1,
            launched_previous_30d=3,
            percent_change=-66.7,
            active_experiments=2,
            completed_last_30d=1,
        )
        return responses.ExperimentsStatsRetrieve200(body=body)


class FakeCapture:
    def __init__(self) -> None:
        self.seen: list[Any] = []

    async def capture_batch_create(
        self, request: requests.CaptureBatchCreateRequest, identity: None
    ) -> responses.CaptureBatchCreateResponse:
        self.seen.append(request)
        return responses.CaptureBatchCreate200(body=models.CaptureResponse(status=1))

    async def capture_create(
        self, request: requests.CaptureCreateRequest, identity: None
    ) -> responses.CaptureCreateResponse:
        self.seen.append(request)
        return responses.CaptureCreate200(body=models.CaptureResponse(status=1))

    async def capture_e_create(
        self, request: requests.CaptureECreateRequest, identity: None
    ) -> responses.CaptureECreateResponse:
        self.seen.append(request)
        return responses.CaptureECreate200(body=models.CaptureResponse(status=1))
