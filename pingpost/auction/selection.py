"""Pure ranking of bids: floors, ceilings, strategy and tie-break. No I/O, no clock.

The engine posts to the ranked bidders in order, so the order *is* the
decision: `highest_bid` ranks every valid bid by amount; `priority` ranks by
tier first (ascending `priority`), then amount, so the first tier with a valid
bid is tried before any later one. Ties go to the lower tier number then the
name (`tie_break: priority`), or the faster ping then the name (`latency`);
the name last makes the order total, so the same bids always rank the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import Literal, TypeVar

from pingpost.config.models import Pricing

Strategy = Literal["highest_bid", "priority"]
TieBreak = Literal["priority", "latency"]
PriceVerdict = Literal["below_floor", "above_max"]
T = TypeVar("T")


@dataclass(frozen=True)
class Bid:
    account: str
    priority: int
    amount: Decimal
    latency_ms: float = 0.0


def price_verdict(amount: Decimal, pricing: Pricing) -> tuple[PriceVerdict, str] | None:
    """`below_floor`/`above_max` with a reason when the bid is out of the account's bounds."""
    if pricing.min_bid is not None and amount < pricing.min_bid:
        return "below_floor", f"bid {amount} below min_bid {pricing.min_bid}"
    if pricing.max_bid is not None and amount > pricing.max_bid:
        return "above_max", f"bid {amount} above max_bid {pricing.max_bid}"
    return None


def rank(bids: Iterable[Bid], *, strategy: Strategy, tie_break: TieBreak) -> list[Bid]:
    """Valid bids in the order they are offered the post, best first."""

    def tie(bid: Bid) -> tuple[float, str]:
        first = float(bid.priority) if tie_break == "priority" else bid.latency_ms
        return first, bid.account

    if strategy == "priority":
        return sorted(bids, key=lambda b: (b.priority, -b.amount, *tie(b)))
    return sorted(bids, key=lambda b: (-b.amount, *tie(b)))


def tiers(items: Iterable[T], priority: Callable[[T], int]) -> list[list[T]]:
    """Items grouped by ascending priority (tier 0 first); order within a tier is kept."""
    ordered = sorted(items, key=priority)
    return [list(group) for _, group in groupby(ordered, key=priority)]
