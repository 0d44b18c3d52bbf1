"""One lead's auction from the command line, safe to interrupt (P6).

A first Ctrl-C (or SIGTERM) while a post is in flight lets that post finish
and stops the auction there; the result is still printed. Without a post in
flight, or on a second Ctrl-C, the auction is cancelled: a post cut off
midway is recorded `in_doubt` ("interrupted while posting") and printed too.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pingpost.auction.result import AuctionResult
    from pingpost.config.bundle import Config
    from pingpost.leads import Lead

EXIT_INTERRUPTED = 130


def deliver_one(lead: Lead, config: Config, **kw: Any) -> tuple[AuctionResult, bool]:
    """(result, interrupted). Raises KeyboardInterrupt only when no post was sent."""
    return asyncio.run(_deliver_one(lead, config, **kw))


async def _deliver_one(lead: Lead, config: Config, **kw: Any) -> tuple[AuctionResult, bool]:
    from pingpost.auction import AuctionControl, AuctionInterrupted, run_auction
    from pingpost.transport import HttpTransport

    control = AuctionControl()
    task = asyncio.current_task()
    hits: list[int] = []

    def interrupted(signum: int) -> None:
        hits.append(signum)
        if control.posting is None or len(hits) > 1 or task is None:
            if task is not None:
                task.cancel()
            return
        control.stopping = True
        print(
            f"interrupted: letting the post to {control.posting} finish (Ctrl-C again to abort)",
            file=sys.stderr,
        )

    with _signals(interrupted):
        try:
            async with HttpTransport.for_config(config) as transport:
                result = await run_auction(lead, config, transport=transport, control=control, **kw)
        except AuctionInterrupted as exc:  # a post was sent: its record must be printed
            return exc.result, True
        except asyncio.CancelledError:  # nothing was posted: nothing to lose
            if hits:
                raise KeyboardInterrupt from None
            raise
    return result, bool(hits)


class _signals:
    """SIGINT and SIGTERM call `handler` while the auction runs (main thread only)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, handler: Any) -> None:
        self._handler = handler
        self._installed: list[signal.Signals] = []

    def __enter__(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in self.SIGNALS:
            try:
                loop.add_signal_handler(sig, self._handler, int(sig))
            except (NotImplementedError, RuntimeError, ValueError):  # Windows, not main thread
                continue
            self._installed.append(sig)

    def __exit__(self, *exc: object) -> None:
        loop = asyncio.get_running_loop()
        for sig in self._installed:
            loop.remove_signal_handler(sig)


def interrupted_note(result: AuctionResult) -> str:
    """The line printed on stderr after the result of an interrupted auction."""
    doubtful = [a.account for a in result.accounts if a.status == "in_doubt"]
    if doubtful:
        return (
            f"interrupted: the post to {', '.join(doubtful)} may have reached its buyer; "
            "check before delivering this lead again"
        )
    return "interrupted: the auction stopped early; the result above is what happened"


def deliver_and_print(
    lead: Lead,
    config: Config,
    *,
    as_json: bool,
    verbose: bool,
    show_pii: bool = False,
    no_color: bool = False,
    **kw: Any,
) -> int:
    """Run one auction, print its result (even when interrupted), return the exit code."""
    from pingpost.cli.deliver import auction_exit_code, print_result

    result, interrupted = deliver_one(lead, config, **kw)
    print_result(
        config, result, as_json=as_json, verbose=verbose, show_pii=show_pii, no_color=no_color
    )
    if interrupted:
        print(interrupted_note(result), file=sys.stderr)
        return EXIT_INTERRUPTED
    return auction_exit_code(result)


def checked_lead_id(lead_id: str | None) -> str | None:
    """`--lead-id`: it becomes part of the idempotency key header, so plain text only."""
    from pingpost.errors import UsageError

    if lead_id is None:
        return None
    if not lead_id.strip() or len(lead_id) > 200 or not lead_id.isprintable():
        raise UsageError(
            "--lead-id must be 1 to 200 printable characters (it is sent in the "
            "idempotency key header as <lead_id>:<account>)"
        )
    return lead_id
