from __future__ import annotations

import time
from decimal import Decimal

import pytest

from pingpost.auction.batch import BatchItem
from pingpost.auction.result import AuctionResult
from pingpost.auction.stats import BatchStats, Histogram
from pingpost.errors import LeadError
from pingpost.leads import Lead


def item(result: str, ms: float, price: str | None = None) -> BatchItem:
    auction = AuctionResult(
        lead_id="x",
        lead=Lead("t", {}),
        result=result,  # type: ignore[arg-type]
        sold_to="a" if price else None,
        price=Decimal(price) if price else None,
        duration_ms=ms,
        accounts=(),
    )
    return BatchItem(1, result=auction)


def test_histogram_percentiles_are_within_half_a_percent() -> None:
    histogram = Histogram()
    for value in range(1, 1001):
        histogram.add(float(value))
    assert histogram.percentile(50) == pytest.approx(500, rel=0.005)
    assert histogram.percentile(99) == pytest.approx(990, rel=0.005)
    assert histogram.percentile(100) == pytest.approx(1000, rel=0.005)
    assert Histogram().percentile(50) == 0.0


def test_histogram_memory_is_bounded() -> None:
    histogram = Histogram()
    for value in range(200_000):
        histogram.add(value / 100)
    assert histogram.count == 200_000
    assert len(histogram._buckets) < 2000


def test_batch_stats_count_and_sum() -> None:
    stats = BatchStats(started=time.monotonic() - 1.0)  # one second ago
    for one in (
        item("sold", 10, "12.50"),
        item("sold", 20, "7.5"),
        item("unsold", 30),
        item("in_doubt", 40),
        BatchItem(7, error=LeadError(["bad"])),
    ):
        stats.add(one)
    summary = stats.summary()
    assert {k: summary[k] for k in ("leads", "sold", "unsold", "in_doubt", "invalid")} == {
        "leads": 5,
        "sold": 2,
        "unsold": 1,
        "in_doubt": 1,
        "invalid": 1,
    }
    assert summary["revenue"] == "20.00"
    assert stats.revenue == Decimal("20.00")
    assert stats.p50 == pytest.approx(20, rel=0.01)
    assert stats.p99_ms == pytest.approx(40, rel=0.01)
    assert 4 < summary["leads_per_s"] <= 5
