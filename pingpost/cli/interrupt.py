"""Ctrl-C and SIGTERM while `deliver` runs: the one interrupt helper of one lead and batches (P6).

Abandoning an auction mid-post could lose a sale, or the record of one, so
from the start of the auctions to the last line printed a signal never kills
the process: `Interrupts` holds SIGINT and SIGTERM, counts them, and hands each
to the command on its event loop. The command decides. One lead: the first
signal lets the post in flight finish and stops there; a second cuts it off
(reported in doubt). A batch: the first stops the reading and lets the
auctions in flight finish; a second cuts them off, each still reported
(`cli/batch.py`). A signal that arrives while results are printed only counts:
the printing ends first, then the command exits 130.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import Any

_WHY = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}


class Interrupts:
    """`with Interrupts(on_signal) as interrupts:` SIGINT and SIGTERM are held until the
    block ends. Each is counted; while an event loop runs (`with interrupts.on_loop():`),
    `on_signal(count, why)` runs on it: `count` is 1 for the first signal, 2 for the next.
    A signal that came before the loop ran (while the command was setting up) is handed
    over as the loop starts. Only the main thread receives signals: elsewhere this does
    nothing."""

    def __init__(self, on_signal: Callable[[int, str], None]) -> None:
        self._on_signal = on_signal
        self._previous: dict[signal.Signals, Any] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._whys: list[str] = []  # each signal received, in order
        self._handed = 0  # how many of them `on_signal` was given

    @property
    def count(self) -> int:
        return len(self._whys)

    @property
    def why(self) -> str | None:
        """The first signal's: "interrupted" or "terminated"."""
        return self._whys[0] if self._whys else None

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for sig in _WHY:
                self._previous[sig] = signal.signal(sig, self._received)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    @contextmanager
    def on_loop(self) -> Iterator[None]:
        """Hand the signals to `on_signal` on the running loop while the block runs."""
        self._loop = asyncio.get_running_loop()
        self._loop.call_soon(self._hand)  # the ones that came before the loop ran
        try:
            yield
        finally:
            self._loop = None

    def _hand(self) -> None:
        """On the loop: give `on_signal` every signal it was not given yet, once each."""
        while self._handed < len(self._whys):
            self._handed += 1
            self._on_signal(self._handed, self._whys[self._handed - 1])

    def _received(self, signum: int, frame: FrameType | None) -> None:
        # A signal handler runs between any two bytecodes: it only counts, and leaves the
        # decision to the event loop's next turn.
        self._whys.append(_WHY[signal.Signals(signum)])
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closing: it stays counted
                loop.call_soon_threadsafe(self._hand)


def end_as_signals_do() -> None:
    """Once a command has returned: SIGINT and SIGTERM flush what was printed and end the
    process as the signal does by default (exit -2 / -15 to the shell), instead of a
    `KeyboardInterrupt` traceback from the interpreter's shutdown. The report and the
    exit code were decided already; nothing is left to stop. Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in _WHY:
        signal.signal(sig, _end)


def _end(signum: int, frame: FrameType | None) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing left to save
            stream.flush()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
