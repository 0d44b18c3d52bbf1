"""One lead's auction from the command line, safe to interrupt (P6).

A first Ctrl-C (or SIGTERM) while a post is in flight lets that post finish
and stops the auction there; the result is still printed. Without a post in
flight, or on a second Ctrl-C, the auction is cancelled: a post cut off
midway is recorded `in_doubt` ("interrupted while posting") and printed too.

Imported by the commands when they run (not at start-up: it loads the engine).
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from pingpost.auction import AuctionControl, AuctionInterrupted, run_auction
from pingpost.auction.result import AuctionResult
from pingpost.cli.common import EXIT_INTERRUPTED
from pingpost.cli.interrupt import Interrupts
from pingpost.cli.output import auction_exit_code, print_result
from pingpost.config.bundle import Config
from pingpost.errors import UsageError
from pingpost.leads import Lead
from pingpost.transport import HttpTransport


def deliver_one(lead: Lead, config: Config, **kw: Any) -> tuple[AuctionResult, bool]:
    """(result, interrupted). Raises KeyboardInterrupt only when no post was sent."""
    return asyncio.run(_deliver_one(lead, config, **kw))


async def _deliver_one(lead: Lead, config: Config, **kw: Any) -> tuple[AuctionResult, bool]:
    control = AuctionControl()
    task = asyncio.current_task()

    def on_signal(count: int, why: str) -> None:
        if count == 1 and control.posting is not None:
            control.stopping = True
            print(
                f"interrupted: letting the post to {control.posting} finish "
                "(Ctrl-C again to abort)",
                file=sys.stderr,
            )
        elif task is not None:
            task.cancel()

    with Interrupts(on_signal) as interrupts:
        try:
            async with HttpTransport.for_config(config) as transport:
                result = await run_auction(lead, config, transport=transport, control=control, **kw)
        except AuctionInterrupted as exc:  # a post was sent: its record must be printed
            return exc.result, True
        except asyncio.CancelledError:  # nothing was posted: nothing to lose
            if interrupts.count:
                raise KeyboardInterrupt from None
            raise
    return result, bool(interrupts.count)


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
    if lead_id is None:
        return None
    if not lead_id.strip() or len(lead_id) > 200 or not lead_id.isprintable():
        raise UsageError(
            "--lead-id must be 1 to 200 printable characters (it is sent in the "
            "idempotency key header as <lead_id>:<account>)"
        )
    return lead_id
