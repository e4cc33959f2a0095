"""Every ``$ref`` names something that exists."""

from __future__ import annotations

from collections.abc import Iterator

from generator import pointers, refs
from generator.context import Context
from generator.problems import Problem


def check(context: Context) -> Iterator[Problem]:
    pending = [context.document]
    checked: set[str] = set()
    while pending:
        document = pending.pop()
        if str(document.path) in checked:
            continue
        checked.add(str(document.path))
        for holder, ref in sorted(refs.iter_refs(document.data)):
            try:
                target = context.resolver.resolve(ref, document)
                context.resolver.deref(target.value, target.document)  # a chain of refs must end somewhere
            except refs.UnresolvableRefError as error:
                yield context.problem(pointers.join(holder, "$ref"), "ref-resolves", error.reason, document=document)
                continue
            if target.document is not document:
                pending.append(target.document)
