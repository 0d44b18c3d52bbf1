"""How an auction ends: the result and the one line that says why (pure, no I/O).

sold ──► the highest-paying sale is `sold_to`/`price`; every sale in `sales`
in_doubt ──► a post that may have reached its buyer, and no sale
duplicate ──► the lead type's dedupe rule refused the lead
unsold ──► why not: no bidder, every account held back, posts rejected, ...
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from pingpost.auction.context import AuctionContext, Entry
from pingpost.auction.posting import PostRun
from pingpost.auction.result import AuctionResult, AuctionStatus, Earlier, Sale
from pingpost.controls import CONTROL_STATUSES

DRY_RUN = "dry run"
INTERRUPTED = "interrupted"
DUPLICATE_LEAD = "not pinged: the lead is a duplicate"


@dataclass(frozen=True)
class Field:
    """Where the auction's accounts stood: all of them, past the filters, past the controls."""

    entries: list[Entry]
    eligible: list[Entry]  # past `enabled` and the filters
    pinged: list[Entry]  # past the controls too


def auction_result(
    ctx: AuctionContext,
    field: Field,
    run: PostRun,
    *,
    started: float,
    started_at: float,
    ping_ms: float,
    dry_run: bool,
) -> AuctionResult:
    result, reason = verdict(field, run, dry_run)
    winner = run.winner
    return AuctionResult(
        lead_id=ctx.lead_id,
        lead=ctx.lead,
        result=result,
        sold_to=winner.name if winner else None,
        price=run.price if winner else None,
        duration_ms=(time.monotonic() - started) * 1000,
        accounts=tuple(entry.result() for entry in field.entries),
        ping_round_ms=ping_ms,
        posted_to=tuple(run.posted_to),
        dry_run=dry_run,
        reason=reason,
        sales=tuple(Sale(entry.name, price) for entry, price in run.sales),
        started_at=started_at,
        decisions=tuple(run.plans),
    )


def duplicate_result(
    ctx: AuctionContext,
    entries: list[Entry],
    reason: str,
    earlier: str | None,
    *,
    started: float,
    started_at: float,
) -> AuctionResult:
    """The lead type's dedupe rule refused the lead: no account is offered it."""
    for entry in entries:
        if entry.status in ("not_pinged", "accepted"):
            entry.set(
                entry.status,
                DUPLICATE_LEAD if entry.ping is None else "not posted: the lead is a duplicate",
            )
    return AuctionResult(
        lead_id=ctx.lead_id,
        lead=ctx.lead,
        result="duplicate",
        sold_to=None,
        price=None,
        duration_ms=(time.monotonic() - started) * 1000,
        accounts=tuple(entry.result() for entry in entries),
        reason=reason,
        started_at=started_at,
        # only its id is known here: its result is not this one (it may have sold)
        earlier=Earlier(earlier, None) if earlier is not None else None,
    )


def verdict(field: Field, run: PostRun, dry_run: bool) -> tuple[AuctionStatus, str | None]:
    """The auction's result and, unless sold, why not (one line for the trace)."""
    doubtful = [e for e in field.entries if e.status == "in_doubt"]
    names = ", ".join(e.name for e in doubtful)
    if run.sales:  # with `in_doubt: fallback` an earlier post may also have sold
        return "sold", f"the post to {names} may also have reached its buyer" if doubtful else None
    if doubtful:
        return "in_doubt", f"the post to {names} may have reached the buyer: {doubtful[0].reason}"
    return "unsold", _unsold_reason(field, run, dry_run)


def _unsold_reason(field: Field, run: PostRun, dry_run: bool) -> str:
    if dry_run:
        return DRY_RUN
    if not field.entries:
        return "no delivery account buys this lead type"
    if not field.eligible:
        return "every account was filtered out"
    if not field.pinged:
        held = Counter(e.status for e in field.eligible if e.status in CONTROL_STATUSES)
        return "no account could take the lead: " + ", ".join(
            f"{status} {held[status]}" for status in CONTROL_STATUSES if held[status]
        )
    if run.store_failed:
        return "not posted: store unavailable"
    if run.control.stopping:
        return INTERRUPTED
    if not run.tried:
        return "every bidder was at a cap" if run.capped else "no valid bid"
    if run.exhausted and any(e.status == "accepted" for e in field.entries):
        return f"max_posts ({run.max_posts}) reached without a sale"
    return "every post failed or was rejected"
