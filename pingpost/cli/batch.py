"""`pingpost deliver` on many leads: the batch runner of the command line.

Lines are read lazily and run through `run_batch` on one HTTP transport;
each item is printed as it finishes (`batch_output.py`). Signals go through
the interrupt helper (`interrupt.py`): a first Ctrl-C or SIGTERM stops the
reading and lets the auctions in flight finish; a second cancels them, and
the posts it cut off are reported in doubt.

Exit codes: 0 every lead sold, 1 any lead unsold, in doubt or invalid, 130
aborted. A dry run: 0 every request rendered, 1 some could not be (or a lead is invalid).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from pathlib import Path

from pingpost.auction import read_lines, run_batch
from pingpost.auction.batch import PostInFlight
from pingpost.auction.stats import BatchStats
from pingpost.cli.batch_output import BatchOutput, BatchProgress
from pingpost.cli.common import EXIT_NEGATIVE, EXIT_OK
from pingpost.cli.interrupt import Interrupts
from pingpost.config.bundle import Config
from pingpost.config.models import LeadType
from pingpost.errors import UsageError
from pingpost.trace.batch import summary_table
from pingpost.transport import HttpTransport

STOPPING = "stopping: no new leads; finishing the auctions in flight (Ctrl-C again to abort)"
COUNT_LINES_UP_TO = 256 * 1024 * 1024  # bytes; bigger files get a bar without a total


def deliver_file(
    config: Config,
    lead_type: LeadType,
    lead: str,
    output: BatchOutput,
    *,
    test: bool,
    dry_run: bool,
    concurrency: int,
) -> int:
    """Stream the leads of `lead` (a .jsonl file, or - for stdin) through the auction;
    results on stdout, the rest on stderr. Returns the exit code."""
    path = None if lead == "-" else Path(lead)
    if path is not None and not path.is_file():
        raise UsageError(f"lead file `{lead}` not found (pass a .jsonl file, or - for stdin)")
    stop = BatchStop()
    opened = path.open(encoding="utf-8", errors="replace") if path else None
    with opened or contextlib.nullcontext(sys.stdin) as stream:
        batch = deliver_batch(
            read_lines(stream),
            config,
            lead_type,
            output,
            stop,
            source=lead if path else "<stdin>",
            total=count_lines(path) if path else None,
            concurrency=concurrency,
            test=test,
            dry_run=dry_run,
        )
        try:
            stats = asyncio.run(batch)
        except KeyboardInterrupt:  # a second Ctrl-C: report the posts it cut off, then exit 130
            output.aborted(stop.in_flight)
            raise
    output.err.print()
    output.err.print(summary_table(stats, dry_run=dry_run))
    if stop.why:
        output.err.print(f"stopped ({stop.why}): no lead after line {output.last_line} was read")
    failed = stats.invalid or output.render_errors or stop.why
    if dry_run:
        return EXIT_NEGATIVE if failed else EXIT_OK
    return EXIT_OK if not failed and stats.sold == stats.leads else EXIT_NEGATIVE


class BatchStop:
    """Stops a batch gently: no new lead is read, the auctions in flight finish.

    Abandoning an auction mid-post could lose a sale, or the record of one
    (P6), so Ctrl-C and a closed stdout only stop the reading; a second Ctrl-C
    aborts (`aborted`), and the posts then cut off are in `in_flight`.
    """

    def __init__(self) -> None:
        self.why: str | None = None
        self.aborted = False  # a second signal cancelled the auctions in flight
        self.in_flight: list[PostInFlight] = []  # posts cut off by an abort

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


async def deliver_batch(
    lines: Iterable[str] | AsyncIterable[str],
    config: Config,
    lead_type: LeadType,
    output: BatchOutput,
    stop: BatchStop,
    *,
    source: str,
    total: int | None = None,
    concurrency: int = 50,
    test: bool = False,
    dry_run: bool = False,
) -> BatchStats:
    """Run the batch on one HTTP transport and print each item as it finishes."""
    output.stats = BatchStats()
    output.on_closed = stop
    task = asyncio.current_task()

    def on_signal(count: int, why: str) -> None:
        """First signal: stop reading, drain. Second: cancel what is in flight."""
        if count == 1:
            stop(why)
            output.err.print(STOPPING)
        elif task is not None and not stop.aborted:
            stop.aborted = True
            task.cancel()

    # with stdout on the same terminal, results print above the bar instead of through it
    progress = BatchProgress(output.err, total, redirect_stdout=output.out.is_terminal)
    with progress, Interrupts(on_signal):
        try:
            async with HttpTransport.for_config(config) as transport:
                items = run_batch(
                    stop.lines(lines),
                    config,
                    lead_type,
                    transport=transport,
                    concurrency=concurrency,
                    test=test,
                    dry_run=dry_run,
                    source=source,
                    in_flight=stop.in_flight,
                )
                async for item in items:
                    output.item(item, config, progress)
        except asyncio.CancelledError:
            if stop.aborted:
                raise KeyboardInterrupt from None
            raise
    return output.stats


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
