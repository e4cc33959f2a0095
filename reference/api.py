"""The generated ``ExperimentsApi`` interface, implemented: each operation runs its service call in
the thread pool and turns the outcome into one of the operation's declared responses."""

from __future__ import annotations

from posthog_experiments_server import models, requests
from posthog_experiments_server import responses as r

from reference.cohorts import CohortService
from reference.db.engine import Database
from reference.errors import ApprovalRequiredError, BadRequestError, NotFoundError
from reference.events.flag_check import FlagCheck
from reference.experiments.service import ExperimentService
from reference.identity.auth import Caller
from reference.results.service import ResultsService


class Experiments:
    def __init__(self, database: Database) -> None:
        self._service = ExperimentService(database)
        self._results = ResultsService(database)
        self._cohorts = CohortService(database)
        self._flag_check = FlagCheck(database)
        self._read = database.run_read
        self._in_thread = database.run_in_thread

    async def experiments_list(
        self, request: requests.ExperimentsListRequest, identity: Caller
    ) -> r.ExperimentsListResponse:
        return r.ExperimentsList200(await self._read(self._service.list, identity, request))

    async def experiments_create(
        self, request: requests.ExperimentsCreateRequest, identity: Caller
    ) -> r.ExperimentsCreateResponse:
        try:
            return r.ExperimentsCreate201(await self._in_thread(self._service.create, identity, request.body))
        except BadRequestError as error:
            return r.ExperimentsCreate400(error.body())

    async def experiments_retrieve(
        self, request: requests.ExperimentsRetrieveRequest, identity: Caller
    ) -> r.ExperimentsRetrieveResponse:
        try:
            return r.ExperimentsRetrieve200(await self._read(self._service.retrieve, identity, request.id))
        except NotFoundError as error:
            return r.ExperimentsRetrieve404(error.body())

    async def experiments_partial_update(
        self, request: requests.ExperimentsPartialUpdateRequest, identity: Caller
    ) -> r.ExperimentsPartialUpdateResponse:
        try:
            return r.ExperimentsPartialUpdate200(
                await self._in_thread(self._service.update, identity, request.id, request.body)
            )
        except BadRequestError as error:
            return r.ExperimentsPartialUpdate400(error.body())
        except NotFoundError as error:
            return r.ExperimentsPartialUpdate404(error.body())
        except ApprovalRequiredError as waiting:
            return r.ExperimentsPartialUpdate409(waiting.body)

    async def experiments_update(
        self, request: requests.ExperimentsUpdateRequest, identity: Caller
    ) -> r.ExperimentsUpdateResponse:
        try:
            return r.ExperimentsUpdate200(
                await self._in_thread(self._service.update, identity, request.id, request.body)
            )
        except BadRequestError as error:
            return r.ExperimentsUpdate400(error.body())
        except NotFoundError as error:
            return r.ExperimentsUpdate404(error.body())
        except ApprovalRequiredError as waiting:
            return r.ExperimentsUpdate409(waiting.body)

    async def experiments_destroy(
        self, request: requests.ExperimentsDestroyRequest, identity: Caller
    ) -> r.ExperimentsDestroyResponse:
        try:
            await self._in_thread(self._service.delete, identity, request.id)
        except NotFoundError as error:
            return r.ExperimentsDestroy404(error.body())
        return r.ExperimentsDestroy204()

    async def experiments_stats_retrieve(
        self, request: requests.ExperimentsStatsRetrieveRequest, identity: Caller
    ) -> r.ExperimentsStatsRetrieveResponse:
        return r.ExperimentsStatsRetrieve200(await self._read(self._service.stats, identity))

    async def experiments_results_retrieve(
        self, request: requests.ExperimentsResultsRetrieveRequest, identity: Caller
    ) -> r.ExperimentsResultsRetrieveResponse:
        refresh = request.refresh is not None
        try:
            answer = await self._in_thread(self._results.results, identity, request.id, refresh=refresh)
        except BadRequestError as error:
            return r.ExperimentsResultsRetrieve400(error.body())
        except NotFoundError as error:
            return r.ExperimentsResultsRetrieve404(error.body())
        return r.ExperimentsResultsRetrieve200(models.ExperimentResultsResponse.model_validate(answer))

    async def experiments_secondary_results_retrieve(
        self, request: requests.ExperimentsSecondaryResultsRetrieveRequest, identity: Caller
    ) -> r.ExperimentsSecondaryResultsRetrieveResponse:
        refresh = request.refresh is not None
        try:
            answer = await self._in_thread(
                self._results.secondary_results, identity, request.id, request.metric_index, refresh=refresh
            )
        except BadRequestError as error:
            return r.ExperimentsSecondaryResultsRetrieve400(error.body())
        except NotFoundError as error:
            return r.ExperimentsSecondaryResultsRetrieve404(error.body())
        return r.ExperimentsSecondaryResultsRetrieve200(models.SecondaryResultsResponse.model_validate(answer))

    async def experiments_create_exposure_cohort_for_experiment_create(
        self, request: requests.ExperimentsCreateExposureCohortForExperimentCreateRequest, identity: Caller
    ) -> r.ExperimentsCreateExposureCohortForExperimentCreateResponse:
        try:
            made = await self._in_thread(self._cohorts.create_exposure_cohort, identity, request.id)
        except BadRequestError as error:
            return r.ExperimentsCreateExposureCohortForExperimentCreate400(error.body())
        except NotFoundError as error:
            return r.ExperimentsCreateExposureCohortForExperimentCreate404(error.body())
        return r.ExperimentsCreateExposureCohortForExperimentCreate201(
            models.ExposureCohortResponse.model_validate(made)
        )

    async def experiments_requires_flag_implementation_retrieve(
        self, request: requests.ExperimentsRequiresFlagImplementationRetrieveRequest, identity: Caller
    ) -> r.ExperimentsRequiresFlagImplementationRetrieveResponse:
        entities = [*(request.events or []), *(request.actions or [])]
        actions = bool(request.actions) or any(e.type == models.FilterEntityType.actions for e in entities)
        names = [str(e.id) for e in entities if e.id is not None]
        try:
            needed = await self._in_thread(
                self._flag_check.requires_flag_implementation, identity, names, actions=actions, limit=request.limit
            )
        except BadRequestError as error:
            return r.ExperimentsRequiresFlagImplementationRetrieve400(error.body())
        return r.ExperimentsRequiresFlagImplementationRetrieve200(
            models.RequiresFlagImplementationResponse(result=needed)
        )
