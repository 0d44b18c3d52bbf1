"""The auction of one lead: eligibility, the ping round(s), ranking, posts, the result.

    eligible accounts ──► ping round (one deadline) ──► rank valid bids ──► post in turn
                                                       (priority: tier by tier, a later tier
                                                        only when the earlier ones did not sell)

Buyer trouble never raises: it ends as that account's status and reason.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from pingpost.auction.context import AuctionContext, Entry, why_not_rendered
from pingpost.auction.eligibility import ineligibility
from pingpost.auction.pinging import ping_round
from pingpost.auction.posting import AuctionControl, PostRun, post_in_turn
from pingpost.auction.result import AuctionResult, AuctionStatus, Exchange
from pingpost.auction.selection import Bid, rank, tiers
from pingpost.config.bundle import Config
from pingpost.leads import Lead
from pingpost.render import placeholder_captures
from pingpost.transport import HttpTransport, Transport

DRY_RUN = "dry run"
INTERRUPTED = "interrupted"


class AuctionInterrupted(asyncio.CancelledError):
    """The auction was cancelled: `result` records what is known (a post cut off is
    `in_doubt`, what was not done is `interrupted`), so the caller can still report the
    lead, and above all a post that may have sold (P6)."""

    def __init__(self, result: AuctionResult) -> None:
        super().__init__("auction interrupted")
        self.result = result


async def run_auction(
    lead: Lead,
    config: Config,
    *,
    transport: Transport,
    lead_id: str | None = None,
    test: bool = False,
    dry_run: bool = False,
    control: AuctionControl | None = None,
) -> AuctionResult:
    """Run the auction for one valid lead and return every account's status.

    `dry_run` renders every ping and post (with placeholder captures) without
    sending anything. Raises only for bugs; a buyer's failure is a status.
    `control` lets the caller see the post in flight and stop after it.
    Cancelled, it raises `AuctionInterrupted` (a `CancelledError`) carrying the
    result so far.
    """
    started = time.monotonic()
    control = control if control is not None else AuctionControl()
    ctx = AuctionContext(lead, lead_id or str(uuid.uuid4()), config, transport, test)
    control.lead_id = ctx.lead_id
    entries = _entries(lead, config)
    eligible = _eligible(entries, lead, config)
    run = PostRun(
        max_posts=config.settings.auction.max_posts,
        hold_in_doubt=config.settings.auction.in_doubt == "hold",
        control=control,
    )
    ping_ms = 0.0
    interrupted = False
    if dry_run:
        _dry_run(eligible, ctx)
    else:
        try:
            ping_ms = await _deliver(eligible, ctx, run)
        except asyncio.CancelledError:
            interrupted = True
            _cut_off(eligible, run)
    result = _result(ctx, entries, eligible, run, started, ping_ms, dry_run)
    if interrupted:
        raise AuctionInterrupted(result) from None
    return result


def _result(
    ctx: AuctionContext,
    entries: list[Entry],
    eligible: list[Entry],
    run: PostRun,
    started: float,
    ping_ms: float,
    dry_run: bool,
) -> AuctionResult:
    result, reason = _verdict(entries, eligible, run, dry_run)
    return AuctionResult(
        lead_id=ctx.lead_id,
        lead=ctx.lead,
        result=result,
        sold_to=run.winner.name if run.winner else None,
        price=run.price if run.winner else None,
        duration_ms=(time.monotonic() - started) * 1000,
        accounts=tuple(entry.result() for entry in entries),
        ping_round_ms=ping_ms,
        posted_to=tuple(run.posted_to),
        dry_run=dry_run,
        reason=reason,
    )


def run_auction_sync(lead: Lead, config: Config, **kw: Any) -> AuctionResult:
    """`run_auction` for one lead from synchronous code, on its own HTTP transport
    (one pool per account, sized by the config: P3)."""

    async def main() -> AuctionResult:
        async with HttpTransport.for_config(config) as transport:
            return await run_auction(lead, config, transport=transport, **kw)

    return asyncio.run(main())


def _entries(lead: Lead, config: Config) -> list[Entry]:
    """The accounts that buy this lead type, tier 0 first then by name (a stable order)."""
    entries = [
        Entry(account, config.methods[account.method])
        for account in config.accounts.values()
        if config.methods[account.method].lead_type == lead.lead_type
    ]
    return sorted(entries, key=lambda e: (e.account.priority, e.name))


def _eligible(entries: list[Entry], lead: Lead, config: Config) -> list[Entry]:
    lead_type = config.lead_types.get(lead.lead_type)
    fields = lead_type.fields if lead_type is not None else None
    eligible = []
    for entry in entries:
        reason = ineligibility(entry.account, lead, fields)
        if reason is None:
            eligible.append(entry)
        else:
            entry.set("filtered", reason)
    return eligible


async def _deliver(eligible: list[Entry], ctx: AuctionContext, run: PostRun) -> float:
    """Ping and post; with `priority`, tier by tier until one sells. Returns ping ms."""
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
        bidders = _ranked(group, ctx)
        await post_in_turn(bidders, ctx, run)
        for entry in bidders:  # the bidders the post never reached
            if entry.status == "accepted" and run.winner is not None:
                entry.set("outbid", f"outbid: {run.why_over()}")
            elif entry.status == "accepted":
                entry.set("accepted", f"not posted: {run.why_over()}")
    return ping_ms


def _cut_off(eligible: list[Entry], run: PostRun) -> None:
    """The auction was cancelled: the accounts it did not get to say so (a post cut off
    is `in_doubt` already, `posting.py`)."""
    run.control.stopping = True
    for entry in eligible:
        if entry.status == "not_pinged" and entry.reason is None:
            entry.set("not_pinged", INTERRUPTED)


def _ranked(group: list[Entry], ctx: AuctionContext) -> list[Entry]:
    """The group's valid bidders, best first (selection.rank decides)."""
    auction = ctx.settings.auction
    by_name = {e.name: e for e in group if e.status == "accepted" and e.bid is not None}
    bids = [
        Bid(
            e.name,
            e.account.priority,
            e.bid,
            e.ping.latency_ms if e.ping else 0.0,
            weight=e.account.weight,
        )
        for e in by_name.values()
        if e.bid is not None
    ]
    ranked = rank(bids, strategy=auction.strategy, tie_break=auction.tie_break, seed=ctx.lead_id)
    return [by_name[bid.account] for bid in ranked]


def _dry_run(eligible: list[Entry], ctx: AuctionContext) -> None:
    """Render every ping and post, send nothing: each request is in the account's exchanges."""
    for entry in eligible:
        placeholders = placeholder_captures(entry.method)
        try:
            entry.ping = Exchange(ctx.render(entry, "ping"), None, None)
            entry.post = Exchange(ctx.render(entry, "post", placeholders), None, None)
        except Exception as exc:
            entry.set("error", f"not sent: {why_not_rendered(exc)}")
        else:
            entry.set("not_pinged", DRY_RUN)


def _verdict(
    entries: list[Entry], eligible: list[Entry], run: PostRun, dry_run: bool
) -> tuple[AuctionStatus, str | None]:
    """The auction's result and, unless sold, why not (one line for the trace)."""
    doubtful = [e for e in entries if e.status == "in_doubt"]
    names = ", ".join(e.name for e in doubtful)
    if run.winner is not None:  # with `in_doubt: fallback` an earlier post may also have sold
        return "sold", f"the post to {names} may also have reached its buyer" if doubtful else None
    if doubtful:
        return "in_doubt", f"the post to {names} may have reached the buyer: {doubtful[0].reason}"
    if dry_run:
        return "unsold", DRY_RUN
    if not entries:
        return "unsold", "no delivery account buys this lead type"
    if not eligible:
        return "unsold", "every account was filtered out"
    if run.control.stopping:
        return "unsold", INTERRUPTED
    if not run.tried:
        return "unsold", "no valid bid"
    if run.exhausted and any(e.status == "accepted" for e in entries):
        return "unsold", f"max_posts ({run.max_posts}) reached without a sale"
    return "unsold", "every post failed or was rejected"
