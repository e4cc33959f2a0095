"""Running one piece of work in a forked child process, beside the parent's own work.

The child inherits the parent's memory (the parsed spec, the model) instead of receiving it
pickled; only its result comes back through a pipe. Where ``fork`` is not available the work
runs in the parent when its result is asked for.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class ChildFailedError(Exception):
    """The child died without an answer (killed, or out of memory)."""


class Forked(Generic[T]):
    def __init__(self, work: Callable[[], T]) -> None:
        self._work = work
        self._process: Any = None
        if "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            self._receiver, sender = context.Pipe(duplex=False)
            self._process = context.Process(target=_run, args=(work, sender), daemon=True)
            self._process.start()
            sender.close()

    def result(self) -> T:
        if self._process is None:
            return self._work()
        try:
            kind, value = self._receiver.recv()
        except EOFError:
            self._process.join()
            raise ChildFailedError(f"the child process ended with status {self._process.exitcode}") from None
        except BaseException:
            # Interrupted mid-read: the child may be blocked writing the rest, so joining it would hang.
            self.cancel()
            raise
        self._process.join()
        if kind == "error":
            raise value
        result: T = value
        return result

    def cancel(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join()

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cancel()


def _run(work: Callable[[], Any], sender: Connection) -> None:
    try:
        sender.send(("ok", work()))
    except KeyboardInterrupt:
        pass  # the parent was interrupted too and cleans up
    except Exception as error:  # noqa: BLE001 - carried to the parent, which raises it
        error.add_note(f"in the forked child:\n{traceback.format_exc()}")  # where it failed, not where it arrived
        try:
            sender.send(("error", error))
        except Exception:  # noqa: BLE001 - an exception that cannot be pickled
            sender.send(("error", RuntimeError(traceback.format_exc())))
