"""`pingpost deliver` on many leads: the batch runner of the command line.

Lines are read lazily and run through `run_batch` on one HTTP transport;
each item is printed, and flushed, as it finishes (`batch_output.py`).
Signals go through the interrupt helper (`interrupt.py`): a first Ctrl-C or
SIGTERM stops the reading and lets the auctions in flight finish; a second
cuts them off, and each is still printed (a post cut off in doubt). Every
line read is accounted for on stdout, whatever the signals.

Exit codes: 0 every lead sold (now, or before: a rerun skips what is done), 1
any lead unsold, in doubt, duplicate, invalid or not delivered (store
unavailable), no lead at all, or the batch stopped before its end; 130 aborted.
A dry run: 0 every request rendered,
1 some could not be (or a lead is invalid).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterable, Callable, Iterable
from pathlib import Path

from pingpost.auction import read_lines, run_batch
from pingpost.auction.lines import Line
from pingpost.auction.setup import delivery_for
from pingpost.auction.stats import BatchStats
from pingpost.cli.batch_output import BatchOutput, BatchProgress
from pingpost.cli.common import EXIT_INTERRUPTED, EXIT_NEGATIVE, EXIT_OK
from pingpost.cli.interrupt import Interrupts
from pingpost.config.bundle import Config
from pingpost.config.models import LeadType
from pingpost.errors import UsageError
from pingpost.runloop import run
from pingpost.store.backends import opened_store
from pingpost.trace.batch import summary_table
from pingpost.transport import HttpTransport

STOPPING = "stopping: no new leads; finishing the auctions in flight (Ctrl-C again to abort)"
ABORTING = "aborting: cutting off the auctions in flight; each is still reported"
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
    store_url: str | None = None,
    again: bool = False,
) -> int:
    """Stream the leads of `lead` (a .jsonl file, or - for stdin) through the auction;
    results on stdout, the rest on stderr. Returns the exit code. `store_url`: the
    store of the run (None: none); `again`: auction leads it has seen finished."""
    path = None if lead == "-" else Path(lead)
    if path is not None and not path.is_file():
        raise UsageError(f"lead file `{lead}` not found (pass a .jsonl file, or - for stdin)")
    stop = BatchStop(lambda text: output.err.print(text))
    opened = path.open("rb") if path else None  # bytes: each line is read with a size cap
    # held from the first lead to the summary: a signal never kills the process there
    stream_of = opened or contextlib.nullcontext(sys.stdin)
    with Interrupts(stop.on_signal) as interrupts, stream_of as stream:
        batch = deliver_batch(
            read_lines(stream),
            config,
            lead_type,
            output,
            stop,
            interrupts=interrupts,
            source=lead if path else "<stdin>",
            total=count_lines(path) if path else None,
            concurrency=concurrency,
            test=test,
            dry_run=dry_run,
            store_url=store_url,
            again=again,
        )
        stats = run(batch)
        output.err.print()
        output.err.print(summary_table(stats, dry_run=dry_run))
        _recover_hint(output, stats, writes=store_url is not None and not (dry_run or test))
        if stop.why:
            line = output.last_line
            output.err.print(f"stopped ({stop.why}): no lead after line {line} was read")
    if stop.aborted or interrupts.count > 1:
        return EXIT_INTERRUPTED
    if stats.leads == 0 and not stop.why:  # an empty file is a mistake, not a clean batch
        output.err.print(
            f"no lead was read: {lead if path else 'stdin'} has no lead lines", soft_wrap=True
        )
        return EXIT_NEGATIVE
    failed = stats.invalid or output.render_errors or stop.why or output.store_errors
    if dry_run:
        return EXIT_NEGATIVE if failed else EXIT_OK
    return EXIT_OK if not failed and stats.all_sold else EXIT_NEGATIVE


class BatchStop:
    """How a batch stops. Abandoning an auction mid-post could lose a sale, or the record
    of one (P6), so the first signal (or a closed stdout) only stops the reading: the
    auctions in flight finish. The second cuts them off; each is still reported."""

    def __init__(self, announce: Callable[[str], None] = print) -> None:
        self.why: str | None = None
        self.aborted = False
        self.reading_stopped = asyncio.Event()  # for `run_batch(stop=...)`
        self.cut_off = asyncio.Event()  # for `run_batch(abort=...)`
        self._announce = announce

    def __call__(self, why: str) -> None:
        """Stop reading (`why`: interrupted, terminated, the output was closed)."""
        if self.why is None:
            self.why = why
        self.reading_stopped.set()

    def on_signal(self, count: int, why: str) -> None:
        if count == 1:
            self(why)
            self._announce(STOPPING)
        elif not self.aborted:  # later signals: the abort is under way, nothing is dropped
            self.aborted = True
            self.cut_off.set()
            self._announce(ABORTING)


async def deliver_batch(
    lines: Iterable[Line] | AsyncIterable[Line],
    config: Config,
    lead_type: LeadType,
    output: BatchOutput,
    stop: BatchStop,
    *,
    interrupts: Interrupts | None = None,
    source: str,
    total: int | None = None,
    concurrency: int = 50,
    test: bool = False,
    dry_run: bool = False,
    store_url: str | None = None,
    again: bool = False,
) -> BatchStats:
    """Run the batch on one HTTP transport (and one store, one set of controls) and
    print each item as it finishes."""
    output.stats = BatchStats()
    output.on_closed = stop
    # with stdout on the same terminal, results print above the bar instead of through it
    progress = BatchProgress(output.err, total, redirect_stdout=output.out.is_terminal)
    signals = interrupts.on_loop() if interrupts is not None else contextlib.nullcontext()
    writes = not (dry_run or test)
    with progress, signals:
        async with (
            opened_store(store_url, create=writes) as store,
            HttpTransport.for_config(config, concurrency=concurrency) as transport,
        ):
            delivery = delivery_for(config, store, writes=writes, again=again)
            items = run_batch(
                lines,
                config,
                lead_type,
                transport=transport,
                concurrency=concurrency,
                test=test,
                dry_run=dry_run,
                source=source,
                stop=stop.reading_stopped,
                abort=stop.cut_off,
                delivery=delivery,
            )
            async for item in items:
                output.item(item, config, progress)
    return output.stats


def _recover_hint(output: BatchOutput, stats: BatchStats, *, writes: bool) -> None:
    """After the summary: what to do about leads a buyer may have without our knowing."""
    open_ = stats.in_doubt + stats.sold_in_doubt + output.store_errors
    if not open_ or not writes:
        return
    leads = "1 lead" if open_ == 1 else f"{open_:,} leads"
    output.err.print(
        f"{leads} may have reached a buyer without a known answer: `pingpost recover` lists "
        "them; ask the buyer, then record its answer with `pingpost recover --resolve "
        "AUCTION_ID --as sold|unsold` (a rerun of this batch holds them meanwhile)",
        soft_wrap=True,
    )


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
