"""Sessions: ``regenerate`` is the main job, ``tests`` the whole test suite (what CI runs).

Each session runs in its own virtualenv under ``.nox/``, made with the Python that runs nox.
"""

from __future__ import annotations

import nox

nox.options.reuse_venv = "yes"
nox.options.sessions = ["tests"]


@nox.session
def regenerate(session: nox.Session) -> None:
    """Validate the spec (generation and the reference server join as they land)."""
    session.install("-e", ".")
    session.run("python", "-m", "generator", "validate")


@nox.session
def tests(session: nox.Session) -> None:
    """Lint, type-check, validate the spec, and run the test suite."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("python", "-m", "generator", "validate")
    session.run("pytest", *session.posargs)
