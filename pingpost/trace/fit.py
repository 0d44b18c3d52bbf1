"""Tables that fit the console: columns are left out, least useful first, rather than cut.

An id, a name or a number cut to `acme-g…` is worse than a column not shown: a
column that may not wrap is never narrower than its widest cell, and when the
table cannot fit, the column with the lowest `keep` goes (the first one never).
Pipes and files are 160 columns wide (`fit_for_pipes`), where every table fits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

Justify = Literal["left", "right"]


@dataclass
class Column:
    name: str
    keep: int = 100  # lower: left out sooner when the console is narrow
    justify: Justify = "left"
    wrap: bool = False  # free text (a reason): may wrap, takes what width is left
    # a wrapping list ("timeout 778, connect 193"): its items, split on this, are never
    # cut (`http_…`); the column is at least as wide as the longest one
    items: str | None = None
    cells: list[Text] = field(default_factory=list)

    def min_width(self) -> int | None:
        sep = self.items
        if self.wrap and sep is None:
            return None
        if sep is not None:
            pieces = (piece for cell in self.cells for piece in cell.plain.split(sep))
            widest = max((len(piece) + len(sep.rstrip()) for piece in pieces), default=0)
        else:
            widest = max((cell.cell_len for cell in self.cells), default=0)
        return max(widest, len(self.name))


class FittedTable:
    """A borderless table of `columns` (filled by row) that fits the console's width."""

    def __init__(self, columns: list[Column]) -> None:
        self.columns = columns

    def add_row(self, *cells: Text) -> None:
        for column, cell in zip(self.columns, cells, strict=True):
            column.cells.append(cell)

    def table(self, columns: list[Column]) -> Table:
        table = Table(box=None, header_style="bold", pad_edge=False, padding=(0, 2, 0, 0))
        for c in columns:
            table.add_column(
                c.name,
                justify=c.justify,
                no_wrap=not c.wrap,
                min_width=c.min_width(),
                ratio=1 if c.wrap else None,
            )
        for row in zip(*(c.cells for c in columns), strict=True):
            table.add_row(*row)
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        shown = list(self.columns)
        table = self.table(shown)
        unbounded = options.update(max_width=1_000_000)  # a measure is clamped to its width
        while len(shown) > 1 and self._width(console, table, unbounded) > options.max_width:
            shown.remove(min(shown[1:], key=lambda c: c.keep))
            table = self.table(shown)
        yield table

    @staticmethod
    def _width(console: Console, table: Table, options: ConsoleOptions) -> int:
        return console.measure(table, options=options).minimum
