"""A batch of leads, for people and for pipes.

stdout carries the results: one JSON document a line (`--json`), else one
line per lead (the full trace with `--verbose`). stderr carries the rest: a
progress bar (terminals only, transient), each bad line with its number, and
the summary table at the end.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from pingpost.render.views import displayable

if TYPE_CHECKING:
    from rich.progress import Progress

    from pingpost.auction.batch import BatchItem, PostInFlight
    from pingpost.auction.result import AuctionResult
    from pingpost.auction.stats import BatchStats
    from pingpost.config.bundle import Config
    from pingpost.config.models import LeadType
    from pingpost.trace.json import MaskerLike

STOPPING = "stopping: no new leads; finishing the auctions in flight (Ctrl-C again to abort)"
COUNT_LINES_UP_TO = 256 * 1024 * 1024  # bytes; bigger files get a bar without a total


def count_lines(path: Path) -> int | None:
    """Lines in a regular file, for the progress bar's total (None: unknown or too big)."""
    try:
        if not path.is_file() or path.stat().st_size > COUNT_LINES_UP_TO:
            return None
        lines, last = 0, b"\n"
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
        return lines + (last != b"\n")
    except OSError:
        return None


class BatchProgress:
    """A transient progress bar on stderr; a no-op when stderr is not a terminal."""

    def __init__(self, err: Console, total: int | None, *, redirect_stdout: bool) -> None:
        self.console = err
        self._progress: Progress | None = None
        if not err.is_terminal:  # no bar: nor its machinery (a pipe's start-up is shorter)
            return
        from rich.progress import (
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


class BatchStop:
    """Stops a batch gently: no new lead is read, the auctions in flight finish.

    Abandoning an auction mid-post could lose a sale, or the record of one
    (P6), so Ctrl-C and a closed stdout only stop the reading; a second Ctrl-C
    aborts.
    """

    def __init__(self) -> None:
        self.why: str | None = None
        self.last_line = 0  # the last line number delivered
        self.aborted = False  # a second signal cancelled the auctions in flight

    def __call__(self, why: str) -> None:
        if self.why is None:
            self.why = why

    async def lines(self, lines: Iterable[str] | AsyncIterable[str]) -> AsyncIterator[str]:
        if isinstance(lines, AsyncIterable):
            async for line in lines:
                if self.why:
                    return
                yield line
        else:
            for line in lines:
                if self.why:
                    return
                yield line

    @contextmanager
    def on_interrupt(self, err: Console) -> Iterator[None]:
        """First Ctrl-C or SIGTERM: stop reading, drain; second: cancel what is in flight
        (KeyboardInterrupt; the posts it cut off are reported by `BatchOutput.aborted`)."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()

        def interrupted(why: str) -> None:
            if self.why is None:
                self(why)
                err.print(STOPPING)
            elif task is not None:
                self.aborted = True
                task.cancel()

        installed: list[signal.Signals] = []
        for sig, why in ((signal.SIGINT, "interrupted"), (signal.SIGTERM, "terminated")):
            try:
                loop.add_signal_handler(sig, interrupted, why)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
                continue
            installed.append(sig)
        try:
            yield
        except asyncio.CancelledError:
            if self.aborted:
                raise KeyboardInterrupt from None
            raise
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)


@dataclass
class BatchOutput:
    """How to print each item of a batch."""

    out: Console  # stdout
    err: Console  # stderr
    as_json: bool = False
    verbose: bool = False
    show_pii: bool = False
    render_errors: int = 0  # dry run: accounts whose requests could not be rendered
    stop: BatchStop = field(default_factory=BatchStop)
    stats: BatchStats | None = None  # set when the batch starts (for the summary on abort)
    in_flight: list[PostInFlight] = field(default_factory=list)  # posts cut off by an abort

    def aborted(self) -> None:
        """After a hard abort: every post cut off in flight as in doubt, on stderr (and a
        JSON line on stdout with --json), counted in the summary's `in doubt`."""
        for post in sorted(self.in_flight, key=lambda p: p.line_no):
            why = "the batch was aborted while posting; it may have reached its buyer"
            self.err.print(
                Text(
                    f"line {post.line_no}: IN DOUBT: lead {post.lead_id}: the post to "
                    f"{post.account} was cut off ({why})",
                    "bold magenta",
                ),
                soft_wrap=True,
            )
            if self.as_json:
                document = {
                    "line": post.line_no,
                    "lead_id": post.lead_id,
                    "result": "in_doubt",
                    "in_doubt": post.account,
                    "reason": "interrupted while posting",
                }
                _write_json_line(document)
        if self.stats is not None:
            import time

            self.stats.finished = time.monotonic()
            self.stats.in_doubt += len(self.in_flight)
            self.err.print()
            self.err.print(summary_table(self.stats))

    def item(self, item: BatchItem, config: Config, progress: BatchProgress) -> None:
        self.stop.last_line = max(self.stop.last_line, item.line_no)
        try:
            self._print(item, config, progress)
        except BrokenPipeError:  # `| head`: stop reading, finish what is in flight, quietly
            self.stop("the output was closed")
            _silence_stdout()

    def _print(self, item: BatchItem, config: Config, progress: BatchProgress) -> None:
        if self.stop.why == "the output was closed":
            return
        if item.error is not None:
            text = Text(f"error: {displayable(str(item.error))}", "red")
            progress.console.print(text, soft_wrap=True)
            if self.as_json:  # stdout stays a complete record: one JSON line per line read
                _write_json_line({"line": item.line_no, "error": displayable(str(item.error))})
            return
        result = item.result
        assert result is not None  # a BatchItem holds a result or an error
        self.render_errors += sum(1 for a in result.accounts if a.status == "error")
        masker = lead_masker(config, result, show_pii=self.show_pii)
        if self.as_json:
            from pingpost.trace.json import auction_json, dumps

            document: dict[str, Any] = {"line": item.line_no, **auction_json(result, masker)}
            sys.stdout.write(dumps(document, pretty=False) + "\n")
            return
        from pingpost.trace.auction import auction_trace, final_line

        if self.verbose:
            self.out.print(Text(f"line {item.line_no}", "bold"))
            self.out.print(auction_trace(result, masker, verbose=True), crop=False)
        else:
            line = Text.assemble((f"line {item.line_no} ", "dim"), final_line(result, masker))
            self.out.print(line, soft_wrap=True)


def _write_json_line(document: dict[str, Any]) -> None:
    from pingpost.trace.json import dumps

    sys.stdout.write(dumps(document, pretty=False) + "\n")


def _silence_stdout() -> None:
    """Send the rest of stdout to /dev/null, so that later writes (and the interpreter's
    final flush) do not fail again (the recipe of the Python docs for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor
        pass


def lead_masker(config: Config, result: AuctionResult, *, show_pii: bool) -> MaskerLike:
    from pingpost.masking import Masker

    return Masker.for_result(config, result, show_pii=show_pii)


async def deliver_batch(
    lines: Iterable[str] | AsyncIterable[str],
    config: Config,
    lead_type: LeadType,
    output: BatchOutput,
    *,
    source: str,
    total: int | None = None,
    concurrency: int = 50,
    test: bool = False,
    dry_run: bool = False,
) -> BatchStats:
    """Run the batch on one HTTP transport and print each item as it finishes."""
    from pingpost.auction import BatchStats, run_batch
    from pingpost.transport import HttpTransport

    stats = output.stats = BatchStats()
    # with stdout on the same terminal, results print above the bar instead of through it
    progress = BatchProgress(output.err, total, redirect_stdout=output.out.is_terminal)
    with progress, output.stop.on_interrupt(output.err):
        async with HttpTransport.for_config(config) as transport:
            items = run_batch(
                output.stop.lines(lines),
                config,
                lead_type,
                transport=transport,
                concurrency=concurrency,
                test=test,
                dry_run=dry_run,
                source=source,
                in_flight=output.in_flight,
            )
            async for item in items:
                stats.add(item)
                output.item(item, config, progress)
                progress.update(stats)
    return stats
