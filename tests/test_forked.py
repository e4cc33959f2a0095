"""The forked child: its result comes back, and an interrupted parent never waits on it forever."""

from __future__ import annotations

import threading

import pytest

from generator.forked import Forked


def test_the_result_comes_back_from_the_child() -> None:
    with Forked(lambda: {"answer": 42}) as forked:
        assert forked.result() == {"answer": 42}


def test_an_interrupt_while_reading_a_large_result_stops_the_child_instead_of_waiting_for_it() -> None:
    forked = Forked(lambda: "x" * 20_000_000)  # larger than a pipe holds: the child blocks writing it

    def interrupted() -> object:
        raise KeyboardInterrupt  # as Ctrl-C lands in the parent part-way through reading

    forked._receiver.recv = interrupted  # type: ignore[method-assign]
    raised: list[BaseException] = []

    def read() -> None:
        try:
            forked.result()
        except BaseException as error:  # noqa: BLE001 - what the caller would see
            raised.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=20)
    assert not reader.is_alive(), "result() hung waiting for a child blocked on its pipe"
    assert len(raised) == 1
    assert isinstance(raised[0], KeyboardInterrupt)
    assert not forked._process.is_alive()


def test_a_failure_in_the_child_is_raised_in_the_parent() -> None:
    def fails() -> None:
        raise ValueError("bad spec")

    with Forked(fails) as forked, pytest.raises(ValueError, match="bad spec"):
        forked.result()
