"""Console helpers shared by the traces."""

from __future__ import annotations

import os

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

PIPE_WIDTH = 160  # columns when stdout is a file or a pipe: long lines stay whole
SECTION_WIDTH = 72


def fit_for_pipes(console: Console) -> Console:
    """Terminals keep their width; a pipe or file gets a wide one (unless COLUMNS says
    otherwise), so tables and reasons are not wrapped at rich's default 80 columns."""
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = PIPE_WIDTH
    return console


class section:
    """`── acme-gold · ping ──────…`: a heading as wide as the console, at most 72 columns
    (a Rule would fill a pipe's 160)."""

    def __init__(self, title: str) -> None:
        self.title = title

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = min(SECTION_WIDTH, options.max_width)
        rule = "─" * max(3, width - len(self.title) - 4)
        yield Text.assemble(("── ", "dim"), (self.title, "bold"), (f" {rule}", "dim"))
