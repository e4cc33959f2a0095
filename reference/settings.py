"""Where the server keeps its data: ``--database-url``, else ``DATABASE_URL``, else a SQLite file."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DATA_DIR = Path(".data")


def database_url(explicit: str | None = None) -> str:
    url = explicit or os.environ.get("DATABASE_URL")
    if not url:
        data_dir = Path(os.environ.get("EXPERIMENTS_DATA_DIR", DEFAULT_DATA_DIR))
        data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(data_dir / 'reference.sqlite3').resolve()}"
    # The usual PostgreSQL URL forms, driven by psycopg 3 (the driver this project installs).
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url
