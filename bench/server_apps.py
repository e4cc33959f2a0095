"""The two applications that bench/server.py compares, each answering GET .../experiments/{id}.

uvicorn bench.server_apps:adapter        # the generated adapter, with an in-memory implementation
uvicorn bench.server_apps:handwritten    # a plain FastAPI endpoint returning the same body
"""

from __future__ import annotations

import sys
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import Response

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "generated" / "server"), str(ROOT)]

from posthog_experiments_server import requests, responses  # noqa: E402 - after the path
from posthog_experiments_server.app import create_app  # noqa: E402

from tests.fake_server import VALID_KEY, FakeCapture, FakeExperiments, authenticate, experiment  # noqa: E402

EXPERIMENT = experiment()  # the spec's example of a launched experiment
TOKEN = f"Bearer {VALID_KEY}"


class InMemory(FakeExperiments):
    async def experiments_retrieve(
        self, request: requests.ExperimentsRetrieveRequest, identity: object
    ) -> responses.ExperimentsRetrieveResponse:
        return responses.ExperimentsRetrieve200(body=EXPERIMENT)


adapter = create_app(experiments=InMemory(), capture=FakeCapture(), authenticator=authenticate)

handwritten = FastAPI()


@handwritten.get("/api/projects/{project_id}/experiments/{experiment_id}/")
async def retrieve(project_id: str, experiment_id: int) -> Response:
    return Response(EXPERIMENT.model_dump_json(by_alias=True, exclude_unset=True), media_type="application/json")
