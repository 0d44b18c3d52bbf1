"""Shared leads (`max_sells > 1`): one exclusive buyer, or several shared ones?

    ranked bids ──► plan_sale ──► exclusive: post to the best exclusive bidder
                              └─► shared: post to up to max_sells shared bidders at once
                                   SharedRun: a failed post is replaced by the next
                                   shared bidder while posts are left (max_posts)

"Best" follows the strategy's ranking (for `highest_bid`, the highest amounts):
the first exclusive bid against the sum of the first `max_sells` shared bids
(accounts with `exclusive: false`). The one that earns more wins; a tie goes to
the exclusive sale (the same money from one post and one buyer). With fewer
shared bidders than `max_sells`, the shared side is the sum of those there are.
With `max_sells: 1` every account competes for one sale, shared or not.

An exclusive plan has no replacements: when its post fails, plan again with the
bids left (the next choice may be shared). A shared run that sold nothing (every
post failed, no replacement left) may also plan again with the bids left.
Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from pingpost.auction.selection import Bid

SaleMode = Literal["exclusive", "shared"]
# what became of one post of a shared run; `capped`: the store refused the reservation,
# so no post left (it costs no post of max_posts)
SharedOutcome = Literal["sold", "post_rejected", "post_error", "in_doubt", "capped"]


@dataclass(frozen=True)
class SalePlan:
    mode: SaleMode
    first: tuple[Bid, ...]  # posted at once: one exclusive bid, or up to max_sells shared
    replacements: tuple[Bid, ...]  # shared bidders next in line, in order
    revenue: Decimal  # what `first` earns if every post sells
    reason: str  # the decision in words, for the trace


def plan_sale(
    ranked: Sequence[Bid], *, shared: Collection[str], max_sells: int, posts_left: int
) -> SalePlan | None:
    """The sale to attempt with `ranked` (best first); None when nothing can be posted."""
    if not ranked or posts_left < 1:
        return None
    if max_sells <= 1:
        best = ranked[0]
        return SalePlan("exclusive", (best,), (), best.amount, f"sale to {best.account}")
    exclusive = next((b for b in ranked if b.account not in shared), None)
    sharing = [b for b in ranked if b.account in shared]
    seats = min(max_sells, posts_left)
    winners, rest = tuple(sharing[:seats]), tuple(sharing[seats:])
    total = sum((b.amount for b in winners), Decimal(0))
    if exclusive is not None and (not winners or exclusive.amount >= total):
        return SalePlan(
            "exclusive", (exclusive,), (), exclusive.amount, _exclusive_reason(exclusive, winners)
        )
    return SalePlan("shared", winners, rest, total, _shared_reason(winners, total, exclusive))


def _exclusive_reason(best: Bid, winners: tuple[Bid, ...]) -> str:
    text = f"exclusive sale to {best.account} ({best.amount})"
    if not winners:
        return text + ": no shared bid"
    total = sum((b.amount for b in winners), Decimal(0))
    bids = "1 shared bid" if len(winners) == 1 else f"{len(winners)} shared bids"
    if best.amount == total:
        return text + f", equal to {bids} ({total}): a tie goes to the exclusive sale"
    return text + f" beats {bids} ({total})"


def _shared_reason(winners: tuple[Bid, ...], total: Decimal, exclusive: Bid | None) -> str:
    names = ", ".join(b.account for b in winners)
    text = f"shared sale to {names} ({total} in all)"
    if exclusive is None:
        return text + ": no exclusive bid"
    return text + f" beats exclusive {exclusive.account} ({exclusive.amount})"


@dataclass
class SharedRun:
    """The posts of one shared sale, as their answers come in (in any order).

    `first()` are posted at once. Each answer goes to `settle`, which returns the
    replacement to post now, if any: a rejected post, a post that provably never
    left, or a reservation the store refused frees its seat for the next shared
    bidder while posts are left. A post in doubt keeps its seat (it may have sold)
    unless `in_doubt: fallback` (`hold_in_doubt=False`) lets it be replaced.
    """

    plan: SalePlan
    posts_left: int  # max_posts minus the posts this auction already sent
    hold_in_doubt: bool = True
    sold: list[tuple[Bid, Decimal]] = field(default_factory=list)
    in_doubt: list[Bid] = field(default_factory=list)
    failed: list[tuple[Bid, SharedOutcome]] = field(default_factory=list)
    _queue: deque[Bid] = field(init=False)
    _in_flight: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self._queue = deque(self.plan.replacements)
        self._in_flight = set()

    def first(self) -> tuple[Bid, ...]:
        posts = self.plan.first[: self.posts_left]
        self.posts_left -= len(posts)
        self._in_flight |= {b.account for b in posts}
        return posts

    def settle(self, bid: Bid, outcome: SharedOutcome, price: Decimal | None = None) -> Bid | None:
        """Record one answer; the bid to post in its place, or None."""
        self._in_flight.discard(bid.account)
        if outcome == "sold":
            self.sold.append((bid, price if price is not None else bid.amount))
            return None
        if outcome == "in_doubt":
            self.in_doubt.append(bid)
            if self.hold_in_doubt:
                return None
        else:
            self.failed.append((bid, outcome))
            if outcome == "capped":
                self.posts_left += 1  # nothing was sent
        return self._replacement()

    def _replacement(self) -> Bid | None:
        if not self._queue or self.posts_left < 1:
            return None
        self.posts_left -= 1
        bid = self._queue.popleft()
        self._in_flight.add(bid.account)
        return bid

    @property
    def done(self) -> bool:
        return not self._in_flight

    @property
    def revenue(self) -> Decimal:
        return sum((price for _, price in self.sold), Decimal(0))

    def unused(self) -> tuple[Bid, ...]:
        """Shared bidders never posted to (outbid, or no post left for them)."""
        return tuple(self._queue)
