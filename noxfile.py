"""Sessions: ``regenerate`` is the main job, ``tests`` the whole test suite (what CI runs).

Each session runs in its own virtualenv under ``.nox/``, made with the Python that runs nox.
"""

from __future__ import annotations

import nox

nox.options.reuse_venv = "yes"
nox.options.sessions = ["tests"]

GENERATED_PACKAGES = ("generated/client/posthog_experiments", "generated/server/posthog_experiments_server")


@nox.session
def regenerate(session: nox.Session) -> None:
    """The main job: validate the spec, regenerate generated/, then serve the reference server on SQLite.

    Arguments after ``--`` go to ``python -m reference serve`` (e.g. ``-- --port 9000``).
    """
    generate(session)
    session.run("python", "-m", "reference", "serve", *session.posargs)


@nox.session
def generate(session: nox.Session) -> None:
    """Validate the spec and regenerate generated/ from it, without serving."""
    session.install("-e", ".")
    session.run("python", "-m", "generator", "validate")
    session.run("python", "-m", "generator", "generate")


@nox.session
def check(session: nox.Session) -> None:
    """Fail with a diff when generated/ is not exactly what the spec makes."""
    session.install("-e", ".")
    session.run("python", "-m", "generator", "check")


@nox.session
def tests(session: nox.Session) -> None:
    """Lint, type-check, check generated/ for drift, and run the test suite."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("mypy", "--strict", *GENERATED_PACKAGES)
    session.run("python", "-m", "generator", "validate")
    session.run("python", "-m", "generator", "check")
    session.run("pytest", *session.posargs)


@nox.session
def public_specs(session: nox.Session) -> None:
    """Generate from the shared public specs and GitHub's REST description; report ruff and mypy."""
    session.install("-e", ".[dev]")
    session.run("python", "bench/public_specs.py", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Time a regeneration by us and by peer generators on the same inputs (prints a table)."""
    session.install("-e", ".[dev]")
    session.run("python", "bench/regenerate.py", *session.posargs)


@nox.session
def bench_server(session: nox.Session) -> None:
    """Requests/s of the generated adapter and the reference server against bare FastAPI (needs wrk)."""
    session.install("-e", ".[dev]")
    session.run("python", "bench/server.py", *session.posargs)


@nox.session
def bench_results(session: nox.Session) -> None:
    """Results (cold and cached) and capture throughput of the reference server on SQLite and PostgreSQL."""
    session.install("-e", ".[dev]")
    session.run("python", "bench/results.py", *session.posargs)
