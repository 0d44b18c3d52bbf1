"""The interrupt helper of `deliver` (P6): every signal reaches the command's decision,
once, whenever it lands; a signal before the event loop runs (while the command sets
up: the store, the transport) is handed over as the loop starts, not lost."""

from __future__ import annotations

import asyncio
import os
import signal

from pingpost.cli.interrupt import Interrupts


def test_a_signal_before_the_loop_runs_is_handed_over_when_it_starts() -> None:
    seen: list[tuple[int, str]] = []
    with Interrupts(lambda count, why: seen.append((count, why))) as interrupts:
        os.kill(os.getpid(), signal.SIGTERM)  # setting up: no loop yet
        assert interrupts.count == 1 and seen == []

        async def main() -> None:
            with interrupts.on_loop():
                await asyncio.sleep(0.01)
                assert seen == [(1, "terminated")]
                os.kill(os.getpid(), signal.SIGINT)
                await asyncio.sleep(0.05)

        asyncio.run(main())
        os.kill(os.getpid(), signal.SIGINT)  # after the loop: counted only
    assert seen == [(1, "terminated"), (2, "interrupted")]
    assert (interrupts.count, interrupts.why) == (3, "terminated")


def test_the_previous_handlers_come_back_after_the_block() -> None:
    before = signal.getsignal(signal.SIGINT)
    with Interrupts(lambda count, why: None):
        assert signal.getsignal(signal.SIGINT) is not before
    assert signal.getsignal(signal.SIGINT) is before
