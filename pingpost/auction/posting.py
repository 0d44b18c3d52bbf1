"""Posts, one at a time, to the ranked bidders (P4, P5, P6), each behind its intent (W1).

A post goes to the next bidder only after the previous one ended
definitively: rejected, or provably never sent. A post that may have reached
its buyer is `in_doubt`; by default (`in_doubt: hold`) that ends the auction.
Before a post leaves, its intent is durable in the store (and the caps'
reservation made with it): a refused reservation moves on to the next bidder
without counting as a post; a store that cannot be written stops the posts.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from pingpost.auction.context import AuctionContext, Entry, why_not_rendered
from pingpost.auction.result import Exchange
from pingpost.auction.verdicts import judge_post
from pingpost.auction.writeahead import Recorder
from pingpost.exchange import RawResponse, RenderedRequest
from pingpost.responses import interpret
from pingpost.responses.outcome import Outcome
from pingpost.store.errors import StoreUnavailable

INTERRUPTED_POSTING = "interrupted while posting"
NOT_POSTED_STORE = "not posted: store unavailable"
# What became of one offer of the post: a post's status, `capped` (the store refused the
# reservation: nothing was sent) or `not_sent` (it could not be rendered or recorded).
PostResult = Literal["sold", "post_rejected", "post_error", "in_doubt", "capped", "not_sent"]


@dataclass
class AuctionControl:
    """Lets the caller of one auction watch it and stop it gently (Ctrl-C, SIGTERM).

    `stopping` ends the auction after the post in flight (no new post, no new
    ping round): a post cut off midway could be a sale nobody knows about (P6).
    """

    lead_id: str | None = None  # set when the auction starts
    posts: list[str] = field(default_factory=list)  # accounts whose post is in flight
    stopping: bool = False

    @property
    def posting(self) -> str | None:
        """The accounts whose post is in flight (`a, b` for a shared lead), if any."""
        return ", ".join(self.posts) if self.posts else None


@dataclass
class PostRun:
    """What the posts of one auction decided so far (shared across priority tiers)."""

    max_posts: int
    hold_in_doubt: bool = True
    control: AuctionControl = field(default_factory=AuctionControl)
    recorder: Recorder | None = None
    sales: list[tuple[Entry, Decimal]] = field(default_factory=list)
    held_by: Entry | None = None  # the in-doubt post that stopped the auction (hold)
    tried: int = 0  # posts sent (or attempted): what max_posts counts
    capped: int = 0  # reservations the store refused
    posted_to: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)  # shared leads: each sale decision

    @property
    def winner(self) -> Entry | None:
        """The highest-paying sale (the first one made on a tie)."""
        best = max(self.sales, key=lambda sale: sale[1], default=None)
        return best[0] if best is not None else None

    @property
    def price(self) -> Decimal | None:
        best = max((price for _, price in self.sales), default=None)
        return best

    @property
    def store_failed(self) -> bool:
        return self.recorder is not None and self.recorder.failure is not None

    @property
    def over(self) -> bool:
        over = bool(self.sales) or self.held_by is not None or self.exhausted
        return over or self.control.stopping or self.store_failed

    @property
    def exhausted(self) -> bool:
        return self.tried >= self.max_posts

    def why_over(self) -> str:
        if self.sales:
            return f"sold to {', '.join(e.name for e, _ in self.sales)}"
        if self.held_by is not None:
            return f"held: the post to {self.held_by.name} is in doubt"
        if self.store_failed:
            return "store unavailable"
        if self.control.stopping and not self.exhausted:
            return "interrupted"
        return f"max_posts ({self.max_posts}) reached"


async def post_in_turn(bidders: list[Entry], ctx: AuctionContext, run: PostRun) -> None:
    """Offer the post to `bidders` in rank order until one buys or the run is over."""
    for entry in bidders:
        if run.over:
            return
        await post_one(entry, ctx, run)


async def post_one(entry: Entry, ctx: AuctionContext, run: PostRun) -> PostResult:
    """Render, record the intent, send and judge one post; update `run`."""
    try:
        request = ctx.render(entry, "post", entry.captures)
    except Exception as exc:
        run.tried += 1
        entry.post = Exchange(None, None, None)
        entry.set("post_error", f"post not sent: {why_not_rendered(exc)}")
        return "not_sent"
    if run.recorder is not None:
        held = await _intent(entry, run.recorder, run)
        if held is not None:
            return held
    run.tried += 1
    run.posted_to.append(entry.name)
    run.control.posts.append(entry.name)
    try:
        response, outcome = await _send(entry, request, ctx)
    except asyncio.CancelledError:  # cut off mid-post: it may have reached the buyer (P6)
        entry.post = Exchange(request, None, _interrupted())
        entry.set("in_doubt", INTERRUPTED_POSTING)
        run.held_by = entry
        raise
    finally:
        run.control.posts.remove(entry.name)
    return await _judged(entry, request, response, outcome, run)


async def _intent(entry: Entry, recorder: Recorder, run: PostRun) -> PostResult | None:
    """W1 for one post: None when it may leave, else what stopped it."""
    assert entry.bid is not None  # only bidders are posted to
    try:
        verdict = await recorder.intent(entry, entry.bid)
    except StoreUnavailable:  # fail closed: no intent, no post
        entry.set(entry.status, NOT_POSTED_STORE)
        return "not_sent"
    if verdict is None:
        return None
    run.capped += 1
    entry.set("capped", verdict.reason)
    return "capped"


async def _judged(
    entry: Entry,
    request: RenderedRequest,
    response: RawResponse | None,
    outcome: Outcome,
    run: PostRun,
) -> PostResult:
    latency = response.elapsed_ms if response is not None else 0.0
    attempts = response.attempts if response is not None else 1
    entry.post = Exchange(request, response, outcome, latency_ms=latency, attempts=attempts)
    status = judge_post(outcome, response)
    reason = None if status == "sold" else outcome.reason or outcome.decided_by or None
    entry.set(status, reason)
    price = None
    if status == "sold":
        price = outcome.price if outcome.price is not None else entry.bid
        assert price is not None
        run.sales.append((entry, price))
    elif status == "in_doubt" and run.hold_in_doubt:
        run.held_by = entry
    if run.recorder is not None:  # the last post in flight: its outcome goes with the result
        await run.recorder.outcome(entry, status, price, reason, hold=not run.control.posts)
    return status


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
