"""Progress on stderr: a bar on a terminal, otherwise only the final summary line."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import Any, TextIO


class Progress:
    def __init__(self, steps: int, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self._bar: Any = None
        self._task: Any = None
        if self.stream.isatty():
            from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(TextColumn("{task.description:<12}"), BarColumn(), TimeElapsedColumn(), transient=True)
            self._task = self._bar.add_task("starting", total=steps)
            self._bar.start()

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        if self._bar is not None:
            self._bar.update(self._task, description=name)
        try:
            yield
        finally:
            if self._bar is not None:
                self._bar.advance(self._task)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def finish(self, summary: str) -> None:
        self.close()
        print(f"{summary} in {self.elapsed:.2f} s", file=self.stream)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
