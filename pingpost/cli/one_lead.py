"""One lead's auction from the command line, safe to interrupt (P6).

A first Ctrl-C (or SIGTERM) while a post is in flight lets that post finish
and stops the auction there; the result is still printed. Without a post in
flight, or on a second Ctrl-C, the auction is cut off: a post cut off midway
is recorded `in_doubt` ("interrupted while posting"), and the result is
printed too. Exit 130 after any signal.

Imported by the commands when they run (not at start-up: it loads the engine).
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from pingpost.auction import AuctionControl, AuctionInterrupted
from pingpost.auction.continuing import deliver_lead
from pingpost.auction.result import AuctionResult
from pingpost.auction.setup import delivery_for
from pingpost.cli.common import EXIT_INTERRUPTED
from pingpost.cli.interrupt import Interrupts
from pingpost.cli.output import auction_exit_code, print_result
from pingpost.config.bundle import Config
from pingpost.errors import UsageError
from pingpost.leads import Lead
from pingpost.store.backends import opened_store
from pingpost.transport import HttpTransport


class _Auction:
    """One lead's auction, run so that a signal can stop it without losing it."""

    def __init__(self) -> None:
        self.control = AuctionControl()
        self.task: asyncio.Task[AuctionResult] | None = None

    def on_signal(self, count: int, why: str) -> None:
        """First signal with a post in flight: let it finish, then stop. Otherwise, or on
        a second signal: cut the auction off (its result still says what happened)."""
        if count == 1 and self.control.posting is not None:
            self.control.stopping = True
            print(
                f"{why}: letting the post to {self.control.posting} finish (Ctrl-C again to abort)",
                file=sys.stderr,
            )
        elif self.task is not None and self.control.lead_id is not None:
            self.task.cancel()
        else:  # not started yet (a signal while setting up): it starts stopped, posts nothing
            self.control.stopping = True

    async def run(
        self,
        lead: Lead,
        config: Config,
        interrupts: Interrupts,
        *,
        store_url: str | None = None,
        again: bool = False,
        **kw: Any,
    ) -> AuctionResult:
        writes = not (kw.get("dry_run") or kw.get("test"))
        with interrupts.on_loop():
            async with (
                opened_store(store_url, create=writes) as store,
                HttpTransport.for_config(config) as transport,
            ):
                how = delivery_for(config, store, writes=writes, again=again)
                # a task of its own: a signal cuts off the auction, never the transport's
                # closing nor the store's, so the result cannot be lost on the way out
                self.task = asyncio.create_task(
                    deliver_lead(
                        lead,
                        config,
                        transport=transport,
                        store=how.store,
                        again=how.again,
                        controls=how.controls,
                        control=self.control,
                        **kw,
                    )
                )
                try:
                    return await self.task
                except AuctionInterrupted as cut_off:  # what happened, a post in doubt
                    return cut_off.result


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
    """Run one auction, print its result (even when interrupted), return the exit code.

    Signals are held from the auction's start to the result's last line (P6)."""
    auction = _Auction()
    with Interrupts(auction.on_signal) as interrupts:
        result = asyncio.run(auction.run(lead, config, interrupts, **kw))
        print_result(
            config, result, as_json=as_json, verbose=verbose, show_pii=show_pii, no_color=no_color
        )
    if result.store_error is not None:
        print(f"error: {result.store_error}", file=sys.stderr)
    if interrupts.count:
        print(interrupted_note(result), file=sys.stderr)
        return EXIT_INTERRUPTED
    return auction_exit_code(result)


def checked_lead_id(lead_id: str | None) -> str | None:
    """`--lead-id`: it becomes the auction id (core's rule: `pingpost.ids`)."""
    from pingpost.ids import auction_id_problem

    if lead_id is None:
        return None
    problem = auction_id_problem(lead_id)
    if problem is not None:
        raise UsageError(f"--lead-id: {problem}")
    return lead_id
