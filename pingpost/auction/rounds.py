"""The rounds of one auction: ping, rank, sell; with `priority`, tier by tier.

eligible ──► ping round (one deadline) ──► health ──► rank valid bids ──► sell
         (priority: the next tier only when the earlier ones did not sell)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pingpost.auction.context import AuctionContext, Entry
from pingpost.auction.controlling import health
from pingpost.auction.pinging import ping_round
from pingpost.auction.posting import PostRun
from pingpost.auction.selection import Bid, rank, tiers
from pingpost.auction.selling import sell

if TYPE_CHECKING:
    from pingpost.controls import Controls


async def run_rounds(
    eligible: list[Entry], ctx: AuctionContext, run: PostRun, controls: Controls | None
) -> float:
    """Ping and sell; with `priority`, tier by tier until one sells. Returns ping ms."""
    if ctx.settings.auction.strategy == "priority":
        rounds = tiers(eligible, lambda e: e.account.priority)
    else:
        rounds = [eligible] if eligible else []
    ping_ms = 0.0
    for group in rounds:
        if run.over:
            for entry in group:
                entry.set("not_pinged", f"not pinged: {run.why_over()}")
            continue
        ping_ms += await ping_round(group, ctx)
        if controls is not None:
            await health(controls, group, "ping")
        bidders = await _ranked(group, ctx, controls)
        try:
            await sell(bidders, ctx, run)
        finally:
            _unsold_bidders(bidders, run)
        if controls is not None:
            await health(controls, bidders, "post")
    return ping_ms


def _unsold_bidders(bidders: list[Entry], run: PostRun) -> None:
    """The bidders the post never reached: outbid, or why they were not posted to."""
    for entry in bidders:
        if entry.status != "accepted":
            continue
        if run.sales:
            entry.set("outbid", f"outbid: {run.why_over()}")
        elif entry.reason is None or not entry.reason.startswith("not posted"):
            entry.set("accepted", f"not posted: {run.why_over()}")


async def _ranked(
    group: list[Entry], ctx: AuctionContext, controls: Controls | None
) -> list[Entry]:
    """The group's valid bidders, best first (selection.rank decides)."""
    auction = ctx.settings.auction
    by_name = {e.name: e for e in group if e.status == "accepted" and e.bid is not None}
    last_sales: dict[str, float | None] = {}
    if auction.strategy == "round_robin" and controls is not None and by_name:
        last_sales = await controls.last_sales(by_name)
    bids = [
        Bid(
            e.name,
            e.account.priority,
            e.bid,
            e.ping.latency_ms if e.ping else 0.0,
            last_sale_at=last_sales.get(e.name),
            weight=e.account.weight,
        )
        for e in by_name.values()
        if e.bid is not None
    ]
    ranked = rank(bids, strategy=auction.strategy, tie_break=auction.tie_break, seed=ctx.lead_id)
    return [by_name[bid.account] for bid in ranked]
