"""What every rule is given: the root document, a ref resolver, and the OpenAPI version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator import refs, source
from generator.problems import Problem, locate


@dataclass
class Context:
    document: source.SourceDocument
    resolver: refs.Resolver
    version: str  # "3.0" or "3.1"

    @property
    def data(self) -> Any:
        return self.document.data

    def problem(
        self,
        pointer: str,
        rule: str,
        message: str,
        *,
        at_key: bool = False,
        document: source.SourceDocument | None = None,
    ) -> Problem:
        return locate(document or self.document, pointer, rule, message, at_key=at_key)
