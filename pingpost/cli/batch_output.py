"""What a batch prints, and where: results on stdout, the rest on stderr.

stdout carries one JSON document a line (`--json`), else one line per lead
(the full trace with `--verbose`). stderr carries a progress bar (terminals
only, transient), each bad line with its number, and the summary table.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from pingpost.auction.posting import INTERRUPTED_POSTING
from pingpost.auction.stats import BatchStats
from pingpost.cli.stdout import write_stdout
from pingpost.masking import Masker
from pingpost.render.views import displayable
from pingpost.trace.auction import auction_trace
from pingpost.trace.batch import error_line, lead_line
from pingpost.trace.json import auction_json_line, dumps

if TYPE_CHECKING:
    from rich.progress import Progress

    from pingpost.auction.batch import BatchItem
    from pingpost.auction.result import AuctionResult
    from pingpost.config.bundle import Config

OUTPUT_CLOSED = "the output was closed"


class BatchProgress:
    """A transient progress bar on stderr; a no-op when stderr is not a terminal."""

    def __init__(self, err: Console, total: int | None, *, redirect_stdout: bool) -> None:
        self.console = err
        self._progress: Progress | None = None
        if not err.is_terminal:  # no bar: nor its machinery (a pipe's start-up is shorter)
            return
        from rich.progress import (  # imported for terminals only (start-up of pipes)
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("delivering"),
            BarColumn(),
            MofNCompleteColumn() if total else TextColumn("{task.completed} leads"),
            TextColumn("{task.fields[sold]} sold"),
            TextColumn("{task.fields[rate]:.0f} leads/s"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            redirect_stdout=redirect_stdout,
            redirect_stderr=False,
            refresh_per_second=4,
        )
        self._task = self._progress.add_task("batch", total=total, sold=0, rate=0.0)

    def __enter__(self) -> BatchProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, stats: BatchStats) -> None:
        if self._progress is not None:
            self._progress.update(
                self._task, completed=stats.leads, sold=stats.sold, rate=stats.leads_per_s
            )


@dataclass
class BatchOutput:
    """How to print each item of a batch, and what was printed."""

    out: Console  # stdout
    err: Console  # stderr
    as_json: bool = False
    verbose: bool = False
    show_pii: bool = False
    render_errors: int = 0  # dry run: accounts whose requests could not be rendered
    store_errors: int = 0  # results the store could not record all of (W1-W2)
    stats: BatchStats = field(default_factory=BatchStats)
    closed: bool = False  # stdout was closed (`| head`): nothing more is written to it
    last_line: int = 0  # the last line number printed
    on_closed: Callable[[str], None] | None = None  # told when stdout is closed

    def item(self, item: BatchItem, config: Config, progress: BatchProgress) -> None:
        self.stats.add(item)
        self.last_line = max(self.last_line, item.line_no)
        try:
            self._print(item, config, progress)
        except BrokenPipeError:  # `| head`: stop reading, finish what is in flight, quietly
            self.closed = True
            _silence_stdout()
            if self.on_closed is not None:
                self.on_closed(OUTPUT_CLOSED)
        progress.update(self.stats)

    def _print(self, item: BatchItem, config: Config, progress: BatchProgress) -> None:
        if self.closed:
            return
        if item.error is not None:
            progress.console.print(error_line(item.error), soft_wrap=True)
            if self.as_json:  # stdout stays a complete record: one JSON line per line read
                write_json_line({"line": item.line_no, "error": displayable(str(item.error))})
            return
        result = item.result
        assert result is not None  # a BatchItem holds a result or an error
        if result.dry_run:  # an account that could not render; live, `error` is the buyer's
            self.render_errors += sum(1 for a in result.accounts if a.status == "error")
        self._cut_off(item.line_no, result)
        if result.store_error is not None:
            self.store_errors += 1
            self.err.print(
                Text(f"line {item.line_no}: error: {displayable(result.store_error)}", "bold red"),
                soft_wrap=True,
            )
        masker = Masker.for_result(config, result, show_pii=self.show_pii)
        if self.as_json:
            write_stdout(auction_json_line(result, masker, item.line_no) + "\n")
            return
        # on a terminal, rich prints above the progress bar; elsewhere, whole (stdout.py)
        with contextlib.nullcontext() if self.out.is_terminal else self.out.capture() as held:
            if self.verbose:
                self.out.print(Text(f"line {item.line_no}", "bold"))
                self.out.print(auction_trace(result, masker, verbose=True), crop=False)
            else:
                self.out.print(lead_line(item.line_no, result, masker), soft_wrap=True)
        if held is not None:
            write_stdout(held.get())

    def _cut_off(self, line_no: int, result: AuctionResult) -> None:
        """On stderr too, each post an abort cut off: it may have reached its buyer."""
        for account in result.accounts:
            if account.status == "in_doubt" and account.reason == INTERRUPTED_POSTING:
                self.err.print(
                    Text(
                        f"line {line_no}: IN DOUBT: lead {result.lead_id}: the post to "
                        f"{account.account} was cut off (the batch was aborted while posting; "
                        "it may have reached its buyer)",
                        "bold magenta",
                    ),
                    soft_wrap=True,
                )


def write_json_line(document: dict[str, Any]) -> None:
    """One line on stdout, flushed at once: a process killed a second later (`kill -9`)
    keeps the lines of the leads it finished."""
    write_stdout(dumps(document, pretty=False) + "\n")


def _silence_stdout() -> None:
    """Send the rest of stdout to /dev/null, so that later writes (and the interpreter's
    final flush) do not fail again (the recipe of the Python docs for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor
        pass
