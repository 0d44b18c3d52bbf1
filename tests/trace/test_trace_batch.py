"""The batch's renderables: the summary of a batch."""

from __future__ import annotations

from decimal import Decimal

from pingpost.auction.stats import BatchStats
from pingpost.trace.batch import summary_table


def test_summary_table_shows_every_figure(render):
    stats = BatchStats(started=0.0)
    stats.sold, stats.unsold, stats.in_doubt, stats.invalid = 1200, 3, 1, 2
    stats.revenue = Decimal("12345.5")
    text = render(summary_table(stats))
    for label in ("leads", "sold", "unsold", "in doubt", "invalid", "revenue", "leads/s"):
        assert label in text
    assert "1,206" in text and "$12,345.50" in text
    assert "p50 auction" in text and "p99 auction" in text
    assert "dry run" in render(summary_table(stats, dry_run=True))
