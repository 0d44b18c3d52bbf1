"""Running figures of a batch: counts, revenue, throughput and auction-time percentiles.

Percentiles come from a log-bucketed histogram (0.5% wide buckets), so the
memory stays flat however many leads go through.
"""

from __future__ import annotations

import math
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pingpost.auction.failures import NotDelivered

if TYPE_CHECKING:
    from pingpost.auction.batch import BatchItem

_GROWTH = 1.005  # bucket i holds durations in [GROWTH**i, GROWTH**(i+1)) ms (+1 offset)
_LOG_GROWTH = math.log(_GROWTH)


class Histogram:
    """Approximate percentiles of non-negative values in bounded memory (within 0.5%)."""

    def __init__(self) -> None:
        self._buckets: dict[int, int] = {}
        self.count = 0
        self.max = 0.0

    def add(self, value: float) -> None:
        index = int(math.log1p(max(value, 0.0)) / _LOG_GROWTH)
        self._buckets[index] = self._buckets.get(index, 0) + 1
        self.count += 1
        self.max = max(self.max, value)

    def percentile(self, p: float) -> float:
        """The value at or below which `p` percent of the values fall (0.0 when empty)."""
        if not self.count:
            return 0.0
        rank = max(1, math.ceil(self.count * p / 100))
        seen = 0
        for index in sorted(self._buckets):
            seen += self._buckets[index]
            if seen >= rank:
                middle = math.expm1((index + 0.5) * _LOG_GROWTH)
                return min(middle, self.max)
        return self.max


class BatchStats:
    """Add each `BatchItem` as it arrives; `summary()` gives the figures for the report."""

    def __init__(self, started: float | None = None) -> None:
        self.started = time.monotonic() if started is None else started
        self.finished = self.started
        self.sold = 0
        self.sold_in_doubt = 0  # sold while an earlier post is in doubt (`in_doubt: fallback`)
        self.unsold = 0
        self.in_doubt = 0
        self.invalid = 0
        self.not_delivered = 0  # the store could not be written: nothing was posted (W1)
        self.duplicate = 0  # refused by the lead type's dedupe rule
        self.skipped = 0  # delivered before (W3): not auctioned again
        self.skipped_sold = 0  # ... and sold then
        self.revenue = Decimal(0)
        self.durations = Histogram()

    def add(self, item: BatchItem) -> None:
        self.finished = time.monotonic()
        result = item.result
        if result is None:
            if isinstance(item.error, NotDelivered):
                self.not_delivered += 1
            else:
                self.invalid += 1
            return
        if result.result == "skipped":
            self.skipped += 1
            self.skipped_sold += bool(result.earlier is not None and result.earlier.sold_to)
            return
        self.durations.add(result.duration_ms)
        if result.result == "sold":
            self.sold += 1
            self.revenue += result.revenue if result.sales else (result.price or Decimal(0))
            if any(a.status == "in_doubt" for a in result.accounts):
                self.sold_in_doubt += 1
        elif result.result == "in_doubt":
            self.in_doubt += 1
        elif result.result == "duplicate":
            self.duplicate += 1
        else:
            self.unsold += 1

    @property
    def leads(self) -> int:
        return (
            self.sold
            + self.unsold
            + self.in_doubt
            + self.invalid
            + self.not_delivered
            + self.duplicate
            + self.skipped
        )

    @property
    def all_sold(self) -> bool:
        """Every lead sold, now or before (W3: a rerun batch that is done exits 0)."""
        return self.sold + self.skipped_sold == self.leads

    @property
    def elapsed_s(self) -> float:
        return self.finished - self.started

    @property
    def leads_per_s(self) -> float:
        return self.leads / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def p50_ms(self) -> float:
        return self.durations.percentile(50)

    @property
    def p99_ms(self) -> float:
        return self.durations.percentile(99)

    p50 = p50_ms
    p99 = p99_ms

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures (revenue as a decimal string, times in ms)."""
        return {
            "leads": self.leads,
            "sold": self.sold,
            "sold_in_doubt": self.sold_in_doubt,
            "unsold": self.unsold,
            "in_doubt": self.in_doubt,
            "invalid": self.invalid,
            "duplicate": self.duplicate,
            "skipped": self.skipped,
            "skipped_sold": self.skipped_sold,
            "not_delivered": self.not_delivered,
            "revenue": str(self.revenue),
            "elapsed_s": round(self.elapsed_s, 3),
            "leads_per_s": round(self.leads_per_s, 1),
            "p50_ms": round(self.p50_ms, 1),
            "p99_ms": round(self.p99_ms, 1),
        }
