"""``results`` and ``secondary_results``: preconditions in PostHog's order, then a cached answer or a
computation.

The cache lives in the database (so every server process shares it): an entry's key hashes
everything the answer depends on; it is used for an hour, unless ``refresh`` is asked for or an
event captured after the entry was computed lies in the experiment's window (capture batches
record the span of their events' times, so this check reads no events).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, func, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from reference.db import tables
from reference.db.engine import Database
from reference.errors import BadRequestError
from reference.experiments.service import find_experiment
from reference.identity.auth import Caller
from reference.results.compute import Setup, experiment_result, secondary_result
from reference.results.metrics import Exposure, Metric, read_exposure, read_metric, read_secondary_metric
from reference.results.queries import ResultQueries, Window

CACHE_LIFETIME = timedelta(hours=1)
NOT_STARTED = "Experiment has not been started yet"
_Compute = Callable[[Session, ResultQueries, Metric, Setup], dict[str, Any]]


class ResultsService:
    def __init__(self, database: Database) -> None:
        self._database = database

    def results(self, caller: Caller, experiment_id: int, *, refresh: bool) -> dict[str, Any]:
        with self._database.read() as session:
            experiment = find_experiment(session, caller.project_id, experiment_id)
            if not experiment.filters:
                raise BadRequestError("Experiment has no target metric")
            if experiment.start_date is None:
                raise BadRequestError(NOT_STARTED)
            metric = read_metric(experiment.filters)
            exposure = (experiment.parameters or {}).get("custom_exposure_filter")
            setup = _setup(experiment, caller, read_exposure(exposure) if exposure else None)
        return self._answer(caller, experiment, metric, setup, experiment_result, "results", refresh=refresh)

    def secondary_results(
        self, caller: Caller, experiment_id: int, index: int | None, *, refresh: bool
    ) -> dict[str, Any]:
        with self._database.read() as session:
            experiment = find_experiment(session, caller.project_id, experiment_id)
            metrics = experiment.secondary_metrics or []
            if not metrics:
                raise BadRequestError("Experiment has no secondary metrics")
            if index is None:
                raise BadRequestError("Secondary metric id is required")
            if not 0 <= index < len(metrics):
                raise BadRequestError("Invalid metric ID")
            if experiment.start_date is None:
                raise BadRequestError(NOT_STARTED)
            metric = read_secondary_metric(dict(metrics[index].get("filters") or {}))
            setup = _setup(experiment, caller, None)
        return self._answer(caller, experiment, metric, setup, secondary_result, f"secondary:{index}", refresh=refresh)

    def _answer(
        self,
        caller: Caller,
        experiment: tables.Experiment,
        metric: Metric,
        setup: Setup,
        compute: _Compute,
        kind: str,
        *,
        refresh: bool,
    ) -> dict[str, Any]:
        window = (setup.window.start_ms, None if experiment.end_date is None else setup.window.end_ms)
        with self._database.read() as session:
            project_filters = _test_account_filters(session, caller)
            test_accounts = project_filters if metric.filter_test_accounts else []
            exposure_test_accounts = project_filters if setup.exposure and setup.exposure.filter_test_accounts else []
            key = _cache_key(kind, experiment, metric, setup, caller, [test_accounts, exposure_test_accounts])
            if not refresh and (cached := _cached(session, key, caller.project_id, window)) is not None:
                return {"result": cached.result, "last_refresh": cached.computed_at, "is_cached": True}
            # the newest capture batch the answer has seen: the cache compares it with later batches' ids
            newest = session.scalar(
                select(func.max(tables.EventBatch.id)).where(tables.EventBatch.project_id == caller.project_id)
            )
            if not self._database.is_sqlite:
                _settle_for_counting(session)
            queries = ResultQueries(
                is_sqlite=self._database.is_sqlite,
                project_id=caller.project_id,
                flag_key=setup.flag_key,
                variants=setup.variants,
                window=setup.window,
                test_account_filters=test_accounts,
                exposure_test_account_filters=exposure_test_accounts,
            )
            result = compute(session, queries, metric, setup)
        computed_at = tables.now()
        entry = {"result": result, "last_batch_id": newest or 0, "computed_at": computed_at}
        with self._database.write() as session:  # an upsert: concurrent first computations both store
            insert = sqlite_insert if self._database.is_sqlite else postgresql_insert
            statement = insert(tables.ResultsCache).values(key=key, project_id=caller.project_id, **entry)
            session.execute(statement.on_conflict_do_update(index_elements=["key"], set_=entry))
        return {"result": result, "last_refresh": computed_at, "is_cached": False}


def _settle_for_counting(session: Session) -> None:
    """PostgreSQL settings for this transaction's counting queries: no JIT (compiling them took about
    a second per funnel, more than it saved), and room to sort and hash a million persons in memory
    instead of spilling to disk."""
    session.execute(text("SET LOCAL jit = off"))
    session.execute(text("SET LOCAL work_mem = '128MB'"))


def _setup(experiment: tables.Experiment, caller: Caller, exposure: Exposure | None) -> Setup:
    flag = experiment.feature_flag
    configured = (flag.filters.get("multivariate") or {}).get("variants") or []
    keys = [str(v["key"]) for v in configured]
    ordered = ["control", *(k for k in keys if k != "control")] if "control" in keys else keys
    weights = {str(v["key"]): float(v.get("rollout_percentage") or 0) for v in configured}
    end = experiment.end_date or tables.now()
    assert experiment.start_date is not None  # checked by the caller
    return Setup(
        flag_key=flag.key,
        variants=ordered,
        weights={key: weights[key] for key in ordered},
        window=Window(experiment.start_date, end, caller.project_timezone),
        exposure=exposure,
    )


def _test_account_filters(session: Session, caller: Caller) -> list[dict[str, Any]]:
    project = session.get(tables.Project, caller.project_id)
    return list(project.test_account_filters if project is not None else [])


def _cache_key(
    kind: str,
    experiment: tables.Experiment,
    metric: Metric,
    setup: Setup,
    caller: Caller,
    test_accounts: list[list[dict[str, Any]]],
) -> str:
    """Everything the answer depends on: the metric, window, exposure, variants, zone and filters."""
    described = {
        "kind": kind,
        "project": caller.project_id,
        "experiment": experiment.id,
        "metric": metric.filters,
        "start": experiment.start_date.isoformat() if experiment.start_date else None,
        "end": experiment.end_date.isoformat() if experiment.end_date else None,
        "exposure": (experiment.parameters or {}).get("custom_exposure_filter"),
        "flag": setup.flag_key,
        "variants": setup.variants,
        "weights": setup.weights,
        "timezone": caller.project_timezone,
        "test_accounts": test_accounts,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode()).hexdigest()


def _cached(session: Session, key: str, project_id: int, window: tuple[int, int | None]) -> tables.ResultsCache | None:
    entry = session.get(tables.ResultsCache, key)
    if entry is None or entry.computed_at < tables.now() - CACHE_LIFETIME:
        return None
    batches = tables.EventBatch
    newer = select(batches.id).where(
        batches.project_id == project_id, batches.id > entry.last_batch_id, batches.last_ms >= window[0]
    )
    if window[1] is not None:
        newer = newer.where(batches.first_ms <= window[1])
    return None if session.scalar(select(exists(newer))) else entry
