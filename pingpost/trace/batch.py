"""A batch of leads, for people: one line per lead, and the summary of the batch.

What is printed where, and when, is the CLI's (`pingpost.cli.batch`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from pingpost.masking import Masker
from pingpost.render.views import displayable
from pingpost.trace.auction import final_line

if TYPE_CHECKING:
    from pingpost.auction.result import AuctionResult
    from pingpost.auction.stats import BatchStats


def lead_line(line_no: int, result: AuctionResult, masker: Masker) -> Text:
    """`line 3 SOLD to acme-gold for $12.50 in 412 ms`."""
    return Text.assemble((f"line {line_no} ", "dim"), final_line(result, masker))


def error_line(error: Exception) -> Text:
    """A line of the batch that is not a valid lead (its message names the line)."""
    return Text(f"error: {displayable(str(error))}", "red")


def summary_table(stats: BatchStats, *, dry_run: bool = False) -> Table:
    """The figures of a finished batch, one per row (narrow enough for any terminal)."""
    figures = stats.summary()
    rows = [
        ("leads", f"{figures['leads']:,}"),
        ("sold", f"{figures['sold']:,}"),
        ("sold, another post in doubt", f"{figures.get('sold_in_doubt', 0):,}"),
        ("unsold", f"{figures['unsold']:,}"),
        ("in doubt", f"{figures['in_doubt']:,}"),
        ("invalid", f"{figures['invalid']:,}"),
        *_when(figures, "duplicate", "duplicate"),
        *_when(figures, "skipped", "skipped (delivered before)"),
        *_when(figures, "skipped_sold", "  of which sold before"),
        *_when(figures, "not_delivered", "not delivered (store unavailable)"),
        ("revenue", f"${Decimal(figures['revenue']):,.2f}"),
        ("leads/s", f"{figures['leads_per_s']:,.1f}"),
        ("p50 auction", f"{figures['p50_ms']:,.0f} ms"),
        ("p99 auction", f"{figures['p99_ms']:,.0f} ms"),
        ("elapsed", f"{figures['elapsed_s']:,.1f} s"),
    ]
    title = "batch (dry run: nothing sent)" if dry_run else "batch"
    table = Table(title=title, title_justify="left", show_header=False, box=None, padding=(0, 2))
    table.add_column("figure", style="bold")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(Text(name), Text(value))
    return table


def _when(figures: dict[str, Any], key: str, label: str) -> list[tuple[str, str]]:
    """A row only when it counts something (a batch without a store never shows them)."""
    count = int(figures.get(key, 0))
    return [(label, f"{count:,}")] if count else []
