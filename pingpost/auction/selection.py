"""Pure ranking of bids: floors, ceilings, strategy and tie-break. No I/O, no clock.

The engine posts to the ranked bidders in order, so the order *is* the
decision: `highest_bid` ranks every valid bid by amount; `priority` ranks by
tier first (ascending `priority`), then amount, so the first tier with a valid
bid is tried before any later one. Ties go to the lower tier number then the
name (`tie_break: priority`), or the faster ping then the name (`latency`);
the name last makes the order total, so the same bids always rank the same.

Two strategies share the work out instead of following the money, each within
a tier (as `priority`):
- `round_robin`: the account longest without a sale first (never sold: first of
  all), then by amount and the tie-break;
- `weighted`: a weighted random order by each account's `weight`, drawn with a
  generator seeded by the auction id, so one auction always draws the same
  order. An account with twice the weight comes first twice as often.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import Literal, TypeVar

from pingpost.config.models import Pricing

Strategy = Literal["highest_bid", "priority", "round_robin", "weighted"]
TieBreak = Literal["priority", "latency"]
PriceVerdict = Literal["below_floor", "above_max"]
T = TypeVar("T")


@dataclass(frozen=True)
class Bid:
    account: str
    priority: int
    amount: Decimal
    latency_ms: float = 0.0
    last_sale_at: float | None = None  # round_robin: from the store's AccountState
    weight: float = 1.0  # weighted: the account's `weight`


def price_verdict(amount: Decimal, pricing: Pricing) -> tuple[PriceVerdict, str] | None:
    """`below_floor`/`above_max` with a reason when the bid is out of the account's bounds."""
    if pricing.min_bid is not None and amount < pricing.min_bid:
        return "below_floor", f"bid {amount} below min_bid {pricing.min_bid}"
    if pricing.max_bid is not None and amount > pricing.max_bid:
        return "above_max", f"bid {amount} above max_bid {pricing.max_bid}"
    return None


def rank(
    bids: Iterable[Bid], *, strategy: Strategy, tie_break: TieBreak, seed: str = ""
) -> list[Bid]:
    """Valid bids in the order they are offered the post, best first.

    `seed` (the auction id) seeds the `weighted` draw; the other strategies ignore it.
    """

    def tie(bid: Bid) -> tuple[float, str]:
        first = float(bid.priority) if tie_break == "priority" else bid.latency_ms
        return first, bid.account

    if strategy == "priority":
        return sorted(bids, key=lambda b: (b.priority, -b.amount, *tie(b)))
    if strategy == "round_robin":
        return sorted(bids, key=lambda b: (b.priority, _last_sale(b), -b.amount, *tie(b)))
    if strategy == "weighted":
        draw = weighted_draw(bids, seed)
        return sorted(bids, key=lambda b: (b.priority, draw[b.account]))
    return sorted(bids, key=lambda b: (-b.amount, *tie(b)))


def weighted_draw(bids: Iterable[Bid], seed: str) -> dict[str, float]:
    """A draw for each account: lower comes first, with P(first) = weight / total weight.

    Each draw is exponential with the account's weight as its rate (the first of
    independent exponential clocks is account i with probability w_i / sum w).
    Accounts draw in name order from one generator seeded by `seed`, so the same
    auction id and accounts always give the same order, in every process.
    """
    rng = random.Random(f"pingpost-weighted:{seed}")
    ordered = sorted(bids, key=lambda b: b.account)
    return {b.account: rng.expovariate(b.weight) for b in ordered}


def _last_sale(bid: Bid) -> float:
    return bid.last_sale_at if bid.last_sale_at is not None else -math.inf


def tiers(items: Iterable[T], priority: Callable[[T], int]) -> list[list[T]]:
    """Items grouped by ascending priority (tier 0 first); order within a tier is kept."""
    ordered = sorted(items, key=priority)
    return [list(group) for _, group in groupby(ordered, key=priority)]
