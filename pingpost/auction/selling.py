"""Selling to the ranked bidders: one exclusive buyer, or several shared ones.

    max_sells 1 ──► post in turn (posting.py): the best bidder, then the next, ...
    max_sells N ──► plan_sale (controls/shared.py): exclusive or shared, whichever earns more
                    exclusive ──► one post; if it fails, plan again with the bids left
                    shared ──► parallel posts to the shared winners; a failed one is
                               replaced by the next shared bidder within max_posts

A shared lead sells several times: every sale is in `PostRun.sales`, and the
highest-paying one is the result's `sold_to` and `price`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from pingpost.auction.context import AuctionContext, Entry
from pingpost.auction.posting import PostResult, PostRun, post_in_turn, post_one
from pingpost.auction.selection import Bid
from pingpost.controls import SalePlan, SharedRun, plan_sale
from pingpost.store.errors import OtherAuction

if TYPE_CHECKING:
    from pingpost.config.bundle import Config
    from pingpost.controls.shared import SharedOutcome

# how long an aborted shared sale waits for its cut-off posts to be marked in doubt
CUT_OFF_WAIT = 1.0
_SHARED: list[tuple[Config, frozenset[str]]] = []


def shared_accounts(config: Config) -> frozenset[str]:
    """The accounts that buy shared leads (`exclusive: false`)."""
    for known, names in _SHARED:
        if known is config:
            return names
    names = frozenset(n for n, a in config.accounts.items() if not a.exclusive)
    _SHARED[:] = [(config, names)]
    return names


async def sell(bidders: list[Entry], ctx: AuctionContext, run: PostRun) -> None:
    """Offer the lead to `bidders` (best first) until it sells or the run is over."""
    max_sells = ctx.settings.auction.max_sells
    if max_sells <= 1:
        await post_in_turn(bidders, ctx, run)
        return
    shared = shared_accounts(ctx.config)
    remaining = list(bidders)
    while remaining and not run.over:
        by_name = {e.name: e for e in remaining}
        bids = [_bid(e) for e in remaining]
        plan = plan_sale(
            bids, shared=shared, max_sells=max_sells, posts_left=run.max_posts - run.tried
        )
        if plan is None:
            return
        run.plans.append(plan.reason)
        if plan.mode == "exclusive":
            entry = by_name[plan.first[0].account]
            remaining.remove(entry)
            await post_one(entry, ctx, run)
            continue
        offered = await _sell_shared(plan, by_name, ctx, run)
        remaining = [e for e in remaining if e.name not in offered]


def _bid(entry: Entry) -> Bid:
    assert entry.bid is not None
    return Bid(entry.name, entry.account.priority, entry.bid, weight=entry.account.weight)


async def _sell_shared(
    plan: SalePlan, by_name: dict[str, Entry], ctx: AuctionContext, run: PostRun
) -> set[str]:
    """Post to the plan's shared winners at once, replacing failures; the names offered."""
    if run.recorder is not None:
        await run.recorder.claim()  # once, before the parallel intents
    shared = SharedRun(plan, run.max_posts - run.tried, hold_in_doubt=run.hold_in_doubt)
    offered: set[str] = set()
    tasks: dict[asyncio.Task[PostResult], Bid] = {}

    def start(bid: Bid) -> None:
        offered.add(bid.account)
        tasks[asyncio.create_task(post_one(by_name[bid.account], ctx, run))] = bid

    for bid in shared.first():
        start(bid)
    try:
        while tasks:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                bid = tasks.pop(task)
                entry = by_name[bid.account]
                settled = _shared_outcome(task.result())
                price = next((p for e, p in run.sales if e is entry), None)
                replacement = shared.settle(bid, settled, price)
                if replacement is not None and not (run.store_failed or run.control.stopping):
                    start(replacement)
    except asyncio.CancelledError:  # each cut-off post marks itself in doubt (P6)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=CUT_OFF_WAIT)
        raise
    except OtherAuction:  # another run's lead: the store refuses every intent of this auction
        if tasks:
            await asyncio.wait(tasks)
        raise
    return offered


def _shared_outcome(result: PostResult) -> SharedOutcome:
    """A post's result in the shared run's terms (a post not sent frees its seat)."""
    return "post_error" if result == "not_sent" else result
