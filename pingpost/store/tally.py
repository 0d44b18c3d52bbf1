"""`Tally`: the figures `pingpost stats` shows, as a value that adds and subtracts.

The SQL backends keep one tally per account (and per source) per minute, hour
and day (`rollups.py`), written with each finished auction, so that stats over a
million account lines read a few hundred small rows. Counts and revenue are
exact. Percentiles come from log-scale histograms (the DDSketch idea): a value
v > 0 falls in bin i = ceil(log_γ v) with γ = (1+α)/(1−α), and bin i reports
2γ^i/(γ+1), which is within α = 1% of every value in the bin. The reported
percentile is then clamped to the smallest and largest value seen, and the
lowest and highest ranks are those values themselves, so a flat distribution
(every bid 12.50) and a p99 of few values read exactly. Once something was
taken out of a tally (a purge), its smallest and largest may be gone: they
only bound the estimate from then on (`exact_ends` false).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pingpost.store.records import AccountLine, StatsRow

ALPHA = 0.01  # the relative error of every reported percentile
GAMMA = (1 + ALPHA) / (1 - ALPHA)
_LOG_GAMMA = math.log(GAMMA)
ZERO_BIN = -(10**6)  # values <= 0
BID_PERCENTILES = (50, 95)
LATENCY_PERCENTILES = (50, 95, 99)

# Account statuses whose ping was accepted (a bid came back), and those of posts.
ACCEPTED_PING = frozenset(
    {"accepted", "below_floor", "above_max", "outbid", "sold"}
    | {"post_rejected", "post_error", "in_doubt"}
)
POSTED = frozenset({"sold", "post_rejected", "post_error", "in_doubt"})


def bin_of(value: float) -> int:
    return ZERO_BIN if value <= 0 else math.ceil(math.log(value) / _LOG_GAMMA)


def bin_value(index: int) -> float:
    return 0.0 if index == ZERO_BIN else 2 * GAMMA**index / (GAMMA + 1)


def _count(into: dict[Any, int], key: Any, n: int) -> None:
    total = into.get(key, 0) + n
    if total:
        into[key] = total
    else:
        into.pop(key, None)


@dataclass
class Tally:
    """Figures of one account (or source) over some auctions; `add` merges two tallies."""

    auctions: int = 0
    pings: int = 0
    accepted: int = 0
    wins: int = 0
    revenue: Decimal = Decimal(0)
    posts: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    latency: dict[int, int] = field(default_factory=dict)  # histogram bin -> count
    bids: dict[int, int] = field(default_factory=dict)
    latency_range: tuple[float, float] | None = None  # min, max seen (kept on subtraction)
    bid_range: tuple[Decimal, Decimal] | None = None
    exact_ends: bool = True  # nothing was taken out: the ranges are the true min and max

    def add_line(self, line: AccountLine, sign: int = 1) -> None:
        """Count one account line of a finished auction (sign -1 takes it back)."""
        self.auctions += sign
        self.exact_ends = self.exact_ends and sign > 0
        if line.ping_ms is not None:
            self.pings += sign
            _count(self.latency, bin_of(line.ping_ms), sign)
            self.latency_range = _widen(self.latency_range, line.ping_ms)
            if line.status in ACCEPTED_PING:
                self.accepted += sign
        if line.bid is not None:
            _count(self.bids, bin_of(float(line.bid)), sign)
            self.bid_range = _widen(self.bid_range, line.bid)
        if line.status == "sold":
            self.wins += sign
        if line.status in POSTED:
            _count(self.posts, line.status, sign)
        if line.error_kind:
            _count(self.errors, line.error_kind, sign)
        if line.price is not None:
            self.revenue += sign * line.price

    def add_auction(self, result: str, revenue: Decimal, sign: int = 1) -> None:
        """Count one finished auction of a source."""
        self.auctions += sign
        if result == "sold":
            self.wins += sign
        self.revenue += sign * revenue

    def add(self, other: Tally, sign: int = 1) -> None:
        self.exact_ends = self.exact_ends and other.exact_ends and sign > 0
        self.auctions += sign * other.auctions
        self.pings += sign * other.pings
        self.accepted += sign * other.accepted
        self.wins += sign * other.wins
        self.revenue += sign * other.revenue
        for mine, theirs in (
            (self.posts, other.posts),
            (self.errors, other.errors),
            (self.latency, other.latency),
            (self.bids, other.bids),
        ):
            for key, n in theirs.items():
                _count(mine, key, sign * n)
        for value in other.latency_range or ():
            self.latency_range = _widen(self.latency_range, value)
        for bid in other.bid_range or ():
            self.bid_range = _widen(self.bid_range, bid)

    @property
    def empty(self) -> bool:
        return self.auctions == 0 and not self.revenue

    def row(self, name: str) -> StatsRow:
        bids: tuple[Decimal, ...] = ()
        if self.bids and self.bid_range is not None:
            bids = tuple(
                percentile(self.bids, p, *self.bid_range, exact=self.exact_ends)
                for p in BID_PERCENTILES
            )
        latency: tuple[float, ...] = ()
        if self.latency and self.latency_range is not None:
            latency = tuple(
                percentile(self.latency, p, *self.latency_range, exact=self.exact_ends)
                for p in LATENCY_PERCENTILES
            )
        return StatsRow(
            name=name,
            auctions=self.auctions,
            pings=self.pings,
            accepted=self.accepted,
            bids=bids,
            wins=self.wins,
            posts=dict(sorted(self.posts.items())),
            revenue=self.revenue,
            latency_ms=latency,
            errors=dict(sorted(self.errors.items())),
        )

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "n": self.auctions,
            "p": self.pings,
            "a": self.accepted,
            "w": self.wins,
            "r": str(self.revenue),
            "ps": self.posts,
            "e": self.errors,
            "l": self.latency,
            "b": self.bids,
        }
        if self.latency_range is not None:
            data["lr"] = list(self.latency_range)
        if self.bid_range is not None:
            data["br"] = [str(b) for b in self.bid_range]
        if not self.exact_ends:
            data["x"] = False
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> Tally:
        d = json.loads(text)
        lr, br = d.get("lr"), d.get("br")
        return cls(
            auctions=d["n"],
            pings=d["p"],
            accepted=d["a"],
            wins=d["w"],
            revenue=Decimal(str(d["r"])),
            posts=d["ps"],
            errors=d["e"],
            latency={int(k): v for k, v in d["l"].items()},
            bids={int(k): v for k, v in d["b"].items()},
            latency_range=(float(lr[0]), float(lr[1])) if lr else None,
            bid_range=(Decimal(str(br[0])), Decimal(str(br[1]))) if br else None,
            exact_ends=bool(d.get("x", True)),
        )


def percentile(histogram: dict[int, int], p: float, low: Any, high: Any, *, exact: bool) -> Any:
    """Nearest-rank percentile of a histogram (the memory store's rule, on bins), given the
    smallest and largest value seen: clamped between them, and those values at either end
    when `exact` (they are the true ends)."""
    total = sum(histogram.values())
    rank = max(1, math.ceil(p / 100 * total))
    if exact and rank == 1:
        return low
    if exact and rank >= total:
        return high
    seen = 0
    for index in sorted(histogram):
        seen += histogram[index]
        if seen >= rank:
            estimate = bin_value(index)
            value = Decimal(repr(round(estimate, 4))) if isinstance(low, Decimal) else estimate
            return min(max(value, low), high)
    return high


def _widen(span: tuple[Any, Any] | None, value: Any) -> tuple[Any, Any]:
    if span is None:
        return (value, value)
    low, high = span
    return (value if value < low else low, value if value > high else high)
