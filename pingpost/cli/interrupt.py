"""Ctrl-C and SIGTERM while auctions run: the one interrupt helper of `deliver` (P6).

Abandoning an auction mid-post could lose a sale, or the record of one, so a
signal never simply kills the process: `Interrupts` hands each SIGINT or
SIGTERM to the command, which decides. One lead: the first signal lets the
post in flight finish and stops there; a second cuts it off, and the post is
reported in doubt. A batch: the first stops the reading and lets the auctions
in flight finish; a second cuts them off, and they are reported (`cli/batch.py`).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from types import TracebackType

_WHY = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}


class Interrupts:
    """`with Interrupts(on_signal):` inside a running event loop: each SIGINT or SIGTERM
    calls `on_signal(count, why)`, `count` being 1 for the first signal, 2 for the next...
    Installed on the loop of the main thread only (elsewhere, signals are left alone)."""

    def __init__(self, on_signal: Callable[[int, str], None]) -> None:
        self._on_signal = on_signal
        self._installed: list[signal.Signals] = []
        self.count = 0
        self.why: str | None = None  # the first signal's: "interrupted" or "terminated"

    def __enter__(self) -> Interrupts:
        loop = asyncio.get_running_loop()
        for sig in _WHY:
            try:
                loop.add_signal_handler(sig, self._received, sig)
            except (NotImplementedError, RuntimeError, ValueError):  # Windows, not main thread
                continue
            self._installed.append(sig)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        loop = asyncio.get_running_loop()
        for sig in self._installed:
            loop.remove_signal_handler(sig)

    def _received(self, sig: signal.Signals) -> None:
        self.count += 1
        if self.why is None:
            self.why = _WHY[sig]
        self._on_signal(self.count, _WHY[sig])
