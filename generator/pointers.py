"""JSON pointers (RFC 6901): how problems name the place in a document they are about."""

from __future__ import annotations

from collections.abc import Iterable


def escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(base: str, *tokens: str | int) -> str:
    """Extend ``base`` (``""`` is the whole document) by ``tokens``."""
    for token in tokens:
        text = str(token)
        base += "/" + (escape(text) if "~" in text or "/" in text else text)  # hot: most tokens need no escape
    return base


def from_path(tokens: Iterable[str | int]) -> str:
    return join("", *tokens)


def split(pointer: str) -> list[str]:
    """The unescaped tokens of ``pointer``, which may start with ``#``."""
    pointer = pointer.removeprefix("#")
    if not pointer:
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [unescape(token) for token in pointer[1:].split("/")]
