"""Schemathesis against the reference server: every operation, check and phase, from the served spec.

The default run is small and seeded (``EXPERIMENTS_FUZZ_EXAMPLES``, ``EXPERIMENTS_FUZZ_SEED``);
``nox -s fuzz`` runs it long, with random seeds, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest

from tests.contract_support import APP, Case, ContractServer, contract_server, load_schema, settings_from_environment

schema = load_schema()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ContractServer]:
    with contract_server(tmp_path_factory.mktemp("contract")) as made:
        APP.bind(made.app)
        yield made


@schema.parametrize()  # type: ignore[untyped-decorator]
def test_each_operation_keeps_the_contract(case: Case, server: ContractServer) -> None:
    """Examples, coverage and fuzzing phases, positive and negative data, every check."""
    server.prepare(case)
    case.call_and_validate(headers=server.headers)


def test_linked_operations_keep_the_contract(server: ContractServer) -> None:
    """The stateful phase: sequences of calls chained through the spec's links, every check."""
    examples, seed, _ = settings_from_environment()

    class Linked(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            server.forget_everything_but_identity()

        def before_call(self, case: Case) -> None:
            server.prepare(case)

        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return {"headers": server.headers}

    settings = hypothesis.settings(
        max_examples=examples * 5,
        stateful_step_count=8,
        deadline=None,
        database=None,
        derandomize=seed is not None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    Linked.run(settings=settings)
