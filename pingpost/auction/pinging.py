"""One ping round: every given account pinged at once, bounded by one absolute deadline (P1).

The transport enforces each exchange's deadline; the round also guards
itself with `asyncio.wait(timeout=...)` and cancellation, so that a task that
misbehaves (a transport bug, a slow interpreter) cannot hold the round.
"""

from __future__ import annotations

import asyncio
import time

from pingpost.auction.context import AuctionContext, Entry, why_not_rendered
from pingpost.auction.result import Exchange
from pingpost.auction.verdicts import judge_ping
from pingpost.exchange import RawResponse, RenderedRequest
from pingpost.responses import interpret
from pingpost.responses.outcome import Outcome

# Past the round deadline the guard waits this long for the transport's own timeout
# result (which carries attempts and timings) before it cancels the stragglers.
GUARD_GRACE = 0.010

TIMEOUT = "timeout: no complete response before the deadline"  # the transport's words (P1)
ROUND_TIMEOUT = Outcome(
    status="error", reason=TIMEOUT, decided_by="the ping round's deadline passed"
)


async def ping_round(entries: list[Entry], ctx: AuctionContext) -> float:
    """Ping `entries` concurrently; set each one's ping exchange and status. Returns round ms."""
    ready = [(entry, request) for entry in entries if (request := _render(entry, ctx))]
    start = time.monotonic()
    deadline = start + ctx.settings.auction.ping_deadline
    tasks = {
        asyncio.create_task(_ping(entry, request, start, deadline, ctx)): (entry, request)
        for entry, request in ready
    }
    if not tasks:
        return 0.0
    try:
        done, pending = await asyncio.wait(
            tasks, timeout=max(0.0, deadline - time.monotonic()) + GUARD_GRACE
        )
    finally:
        for task in tasks:
            if not task.done():
                _abandon(task)
    elapsed_ms = (time.monotonic() - start) * 1000
    for task in pending:
        entry, request = tasks[task]
        entry.ping = Exchange(request, None, ROUND_TIMEOUT, latency_ms=elapsed_ms, attempts=1)
        entry.set("error", TIMEOUT)
    for task in done:
        entry, request = tasks[task]
        error = task.exception()
        if error is None:
            _judge(entry, request, *task.result())
        else:  # a bug, not the buyer: that account loses, the auction goes on
            entry.ping = Exchange(request, None, None, latency_ms=elapsed_ms)
            entry.set("error", f"internal error: {type(error).__name__}: {error}")
    return elapsed_ms


def _render(entry: Entry, ctx: AuctionContext) -> RenderedRequest | None:
    try:
        return ctx.render(entry, "ping")
    except Exception as exc:
        entry.ping = Exchange(None, None, None)
        entry.set("error", f"ping not sent: {why_not_rendered(exc)}")
        return None


async def _ping(
    entry: Entry, request: RenderedRequest, start: float, deadline: float, ctx: AuctionContext
) -> tuple[RawResponse, Outcome]:
    # Returns rather than mutates the entry: a task abandoned at the deadline must not
    # change the auction afterwards, even if something in it swallowed the cancellation.
    timeout = entry.method.ping.timeout
    own_deadline = deadline if timeout is None else min(deadline, start + timeout)
    response = await ctx.transport.send(request, ctx.options(entry, "ping", own_deadline))
    return response, interpret(entry.method.ping.response, response, phase="ping")


def _judge(entry: Entry, request: RenderedRequest, response: RawResponse, outcome: Outcome) -> None:
    entry.ping = Exchange(
        request, response, outcome, latency_ms=response.elapsed_ms, attempts=response.attempts
    )
    # a rejection's captures are traced, never posted with
    entry.captures = outcome.captures if outcome.status == "accepted" else {}
    status, bid, reason = judge_ping(outcome, entry.account.pricing)
    entry.bid = bid
    entry.set(status, reason)


def _abandon(task: asyncio.Task[tuple[RawResponse, Outcome]]) -> None:
    """Cancel a straggler without waiting for it (its cleanup is the transport's job)."""
    task.cancel()
    task.add_done_callback(_consume)


def _consume(task: asyncio.Task[tuple[RawResponse, Outcome]]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log "exception never retrieved"
