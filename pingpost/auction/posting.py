"""Posts, one at a time, to the ranked bidders (P4, P5, P6).

A post goes to the next bidder only after the previous one ended
definitively: rejected, or provably never sent. A post that may have reached
its buyer is `in_doubt`; by default (`in_doubt: hold`) that ends the auction.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from decimal import Decimal

from pingpost.auction.context import AuctionContext, Entry, why_not_rendered
from pingpost.auction.result import Exchange
from pingpost.auction.verdicts import judge_post
from pingpost.exchange import RawResponse, RenderedRequest
from pingpost.responses import interpret
from pingpost.responses.outcome import Outcome

INTERRUPTED_POSTING = "interrupted while posting"


@dataclass
class AuctionControl:
    """Lets the caller of one auction watch it and stop it gently (Ctrl-C, SIGTERM).

    `stopping` ends the auction after the post in flight (no new post, no new
    ping round): a post cut off midway could be a sale nobody knows about (P6).
    """

    lead_id: str | None = None  # set when the auction starts
    posting: str | None = None  # the account whose post is in flight, if any
    stopping: bool = False


@dataclass
class PostRun:
    """What the posts of one auction decided so far (shared across priority tiers)."""

    max_posts: int
    hold_in_doubt: bool = True
    control: AuctionControl = field(default_factory=AuctionControl)
    winner: Entry | None = None
    price: Decimal | None = None
    held_by: Entry | None = None  # the in-doubt post that stopped the auction (hold)
    tried: int = 0
    posted_to: list[str] = field(default_factory=list)

    @property
    def over(self) -> bool:
        over = self.winner is not None or self.held_by is not None or self.exhausted
        return over or self.control.stopping

    @property
    def exhausted(self) -> bool:
        return self.tried >= self.max_posts

    def why_over(self) -> str:
        if self.winner is not None:
            return f"sold to {self.winner.name}"
        if self.held_by is not None:
            return f"held: the post to {self.held_by.name} is in doubt"
        if self.control.stopping and not self.exhausted:
            return "interrupted"
        return f"max_posts ({self.max_posts}) reached"


async def post_in_turn(bidders: list[Entry], ctx: AuctionContext, run: PostRun) -> None:
    """Offer the post to `bidders` in rank order until one buys or the run is over."""
    for entry in bidders:
        if run.over:
            return
        run.tried += 1
        await _post(entry, ctx, run)


async def _post(entry: Entry, ctx: AuctionContext, run: PostRun) -> None:
    try:
        request = ctx.render(entry, "post", entry.captures)
    except Exception as exc:
        entry.post = Exchange(None, None, None)
        entry.set("post_error", f"post not sent: {why_not_rendered(exc)}")
        return
    run.posted_to.append(entry.name)
    run.control.posting = entry.name
    try:
        response, outcome = await _send(entry, request, ctx)
    except asyncio.CancelledError:  # cut off mid-post: it may have reached the buyer (P6)
        entry.post = Exchange(request, None, _interrupted())
        entry.set("in_doubt", INTERRUPTED_POSTING)
        run.held_by = entry
        raise
    finally:
        run.control.posting = None
    latency = response.elapsed_ms if response is not None else 0.0
    attempts = response.attempts if response is not None else 1
    entry.post = Exchange(request, response, outcome, latency_ms=latency, attempts=attempts)
    status = judge_post(outcome, response)
    entry.set(status, None if status == "sold" else outcome.reason or outcome.decided_by or None)
    if status == "sold":
        run.winner = entry
        run.price = outcome.price if outcome.price is not None else entry.bid
    elif status == "in_doubt" and run.hold_in_doubt:
        run.held_by = entry


async def _send(
    entry: Entry, request: RenderedRequest, ctx: AuctionContext
) -> tuple[RawResponse | None, Outcome]:
    """Send and interpret one post. Once a post may have left, nothing here may raise:
    a bug past that point must still leave the account `in_doubt`, never lost (P6)."""
    post = entry.method.post
    deadline = time.monotonic() + (post.timeout or ctx.settings.auction.post_timeout)
    try:
        response = await ctx.transport.send(request, ctx.options(entry, "post", deadline))
    except Exception as exc:
        return None, _internal("sending", exc)
    try:
        return response, interpret(post.response, response, phase="post")
    except Exception as exc:
        return response, _internal("reading the response of", exc)


def _interrupted() -> Outcome:
    return Outcome(status="in_doubt", reason=INTERRUPTED_POSTING, decided_by="interrupted")


def _internal(doing: str, exc: Exception) -> Outcome:
    return Outcome(
        status="in_doubt",
        reason=f"internal error {doing} the post: {type(exc).__name__}: {exc}",
        decided_by="internal error",
    )
