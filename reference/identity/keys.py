"""Secrets: personal API keys (shown once, stored as SHA-256) and public project tokens."""

from __future__ import annotations

import hashlib
import secrets

ALL_SCOPES = "*"
KNOWN_SCOPES = frozenset({ALL_SCOPES, "experiment:read", "experiment:write"})


def new_personal_api_key() -> str:
    return "phx_" + secrets.token_urlsafe(32)


def new_project_token() -> str:
    return "phc_" + secrets.token_urlsafe(32)


def hashed(key: str) -> str:
    """Keys are long random strings, so a plain SHA-256 is enough to keep them unreadable at rest."""
    # surrogatepass: a key sent with a lone surrogate hashes to no stored key (a 401), not an error
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def masked(key: str) -> str:
    return f"{key[:4]}...{key[-4:]}"


def grants(scopes: list[str], required: str) -> bool:
    """Whether a key's scopes allow ``required``: ``*``, the scope itself, or write where read is asked."""
    if ALL_SCOPES in scopes or required in scopes:
        return True
    resource, _, action = required.partition(":")
    return action == "read" and f"{resource}:write" in scopes
