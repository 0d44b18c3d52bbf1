"""What a post's outcome does to its cap reservation, and what a resolved auction became.

Shared by every backend so that they count alike. A post holds its reservation
(one lead, and its amount of spend, in each of its cap windows) while it has no
outcome, is in doubt, or sold; a releasing outcome (definitive rejection, or a
post that provably never left) gives it back. A sale re-counts the spend at the
sale's price. Any sequence of outcomes keeps the counters right: settling twice
never releases twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from pingpost.store.records import RELEASING, AccountLine, LoggedResult, OpenPost, PostRecord

ZERO = Decimal(0)
# Why `close_auction` refuses an auction (it exists: UnknownAuction says so otherwise).
NOT_CLOSABLE = "not an interrupted auction whose posts were all answered"


def holds(status: str | None) -> bool:
    """True while a post's cap reservation is counted."""
    return status not in RELEASING


@dataclass(frozen=True, slots=True)
class Settlement:
    """The change to each of the post's cap counters, and the spend now counted for it."""

    leads: int
    spend: Decimal
    counted: Decimal


def settle(
    before: str | None, counted: Decimal, after: str, price: Decimal | None, amount: Decimal
) -> Settlement:
    """Move a post from status `before` (spend `counted` held) to `after`; `amount` is its bid."""
    if not holds(after):
        return Settlement(-1, -counted, counted) if holds(before) else Settlement(0, ZERO, counted)
    now = counted if holds(before) else amount
    if after == "sold" and price is not None:
        now = price
    if holds(before):
        return Settlement(0, now - counted, now)
    return Settlement(1, now, now)


@dataclass(frozen=True, slots=True)
class Sale:
    account: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class Resolved:
    """An auction's result recomputed from its posts (after `recover --resolve`)."""

    result: LoggedResult
    sold_to: str | None
    price: Decimal | None
    revenue: Decimal


def resolved(sales: Iterable[Sale], still_open: bool) -> Resolved:
    """Sold when any post sold (the best sale names it), else in doubt while a post is open."""
    prices: dict[str, Decimal] = {}
    for sale in sales:
        prices[sale.account] = sale.price
    if not prices:
        return Resolved("in_doubt" if still_open else "unsold", None, None, ZERO)
    best = max(prices.items(), key=lambda kv: kv[1])
    return Resolved("sold", best[0], best[1], sum(prices.values(), ZERO))


def resolved_line(line: AccountLine, status: str, price: Decimal | None) -> AccountLine:
    """An account line after its open post was resolved (`sold` at `price`, or rejected)."""
    return replace(line, status=status, price=price if status == "sold" else None)


def open_post(p: PostRecord) -> OpenPost:
    status: Literal["in_doubt"] | None = "in_doubt" if p.status == "in_doubt" else None
    return OpenPost(p.account, p.attempt, p.sent_at, p.amount, p.idempotency_key, status, p.reason)


def is_open(p: PostRecord) -> bool:
    return p.status is None or p.status == "in_doubt"
