"""Many leads, a stream of auctions: at most `concurrency` in flight, flat memory.

Lines are read lazily, one at a time, only when a slot is free, and results
are yielded as they finish (each with its line number), so a 10-million-line
file costs no more memory than a 1,000-line one. A bad line is an item, not
the end of the batch, and so is every line read when the batch is stopped or
aborted: nothing read goes unreported.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pingpost.auction.continuing import deliver_lead
from pingpost.auction.engine import INTERRUPTED, AuctionInterrupted
from pingpost.auction.failures import AuctionFailed, NotDelivered
from pingpost.auction.lines import Line, UnreadableLine
from pingpost.auction.posting import AuctionControl
from pingpost.auction.result import AuctionResult
from pingpost.config.bundle import Config
from pingpost.config.models import LeadType
from pingpost.errors import LeadError
from pingpost.gcpolicy import fewer_collections
from pingpost.ids import new_auction_id
from pingpost.leads import Lead, parse_lead_line
from pingpost.store.errors import StoreUnavailable

if TYPE_CHECKING:
    from pingpost.controls import Controls
    from pingpost.store.api import Store
    from pingpost.transport import Transport


@dataclass(frozen=True)
class BatchItem:
    """One line of the batch: its auction's result, or why the line is not a valid lead."""

    line_no: int  # 1-based
    result: AuctionResult | None = None
    error: LeadError | AuctionFailed | NotDelivered | None = None


@dataclass(frozen=True)
class Delivery:
    """How each lead of a batch is delivered: the store and the controls of the run."""

    store: Store | None = None
    controls: Controls | None = None
    again: bool = False  # auction leads the store has seen finished (W3)
    clock: Callable[[], float] = time.time


async def run_batch(
    lines: Iterable[Line] | AsyncIterable[Line],
    config: Config,
    lead_type: LeadType,
    *,
    transport: Transport,
    concurrency: int = 50,
    test: bool = False,
    dry_run: bool = False,
    source: str = "-",
    stop: asyncio.Event | None = None,
    abort: asyncio.Event | None = None,
    delivery: Delivery | None = None,
) -> AsyncIterator[BatchItem]:
    """Run an auction per line; yield each item as soon as it finishes (not in line order).

    At most `concurrency` items are in flight or finished-but-not-yet-taken, so
    a slow consumer slows the reading instead of piling results up. Blank lines
    are skipped. A synchronous iterable must not block (a file on disk is fine);
    wrap a pipe or a terminal with `read_lines`. If reading fails, the auctions
    already started finish and are yielded, then the error is raised.

    Setting `stop` (e.g. on a first Ctrl-C) drains the batch: no new line is
    read, the auctions in flight finish (a post may be under way: its outcome
    must be reported, P6) and are yielded, then the iterator ends. Setting
    `abort` (a second Ctrl-C) also cuts the auctions in flight off; each is still
    yielded, with what is known (a post cut off is `in_doubt`, the rest
    `interrupted`), so that every line read is reported. Closing the iterator
    early instead cancels the auctions still in flight, unreported.

    `delivery` gives the store (write-ahead, and W3: leads delivered before are
    skipped), the controls (built once for the whole batch) and the clock.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    how = delivery or Delivery()
    feed = _Feed(
        concurrency,
        lambda line_no, lead, lead_id, control: _auction(
            line_no, lead, lead_id, config, transport, test, dry_run, control, how, source
        ),
    )
    reader = asyncio.create_task(feed.read(lines, lead_type, source, stop))
    watchers = [
        asyncio.create_task(_when(event, actions))
        for event, actions in ((stop, (reader.cancel,)), (abort, (reader.cancel, feed.cancel)))
        if event is not None
    ]
    try:
        with fewer_collections():
            while (item := await feed.next()) is not None:
                yield item
    finally:
        feed.cancel()
        reader.cancel()
        for watcher in watchers:
            watcher.cancel()
    if feed.failure is not None:
        raise feed.failure


class _Feed:
    """The reader side of a batch: starts auctions as slots free up, queues what finishes."""

    def __init__(
        self,
        concurrency: int,
        start: Callable[[int, Lead, str, AuctionControl], Coroutine[Any, Any, BatchItem]],
    ) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._auction = start
        self._finished: asyncio.Queue[_Started | BatchItem | None] = asyncio.Queue()
        self._running: dict[asyncio.Task[BatchItem], _Started] = {}
        self._owed = 0  # items started (or refused) and not yet taken by the consumer
        self._reading = True
        self.failure: BaseException | None = None

    async def read(
        self,
        lines: Iterable[Line] | AsyncIterable[Line],
        lead_type: LeadType,
        source: str,
        stop: asyncio.Event | None,
    ) -> None:
        numbered = _numbered(lines)
        try:
            while True:
                await self._slots.acquire()  # a free slot first: never read ahead of it
                if stop is not None and stop.is_set():
                    break
                try:
                    line_no, line = await anext(numbered)
                except StopAsyncIteration:
                    break
                if isinstance(line, UnreadableLine) or line.strip():
                    self._start(line_no, line, lead_type, source)
                else:
                    self._slots.release()  # blank lines are skipped
        except Exception as exc:  # the source broke: finish what runs, then raise it
            self.failure = exc
        finally:
            self._finished.put_nowait(None)

    def _start(self, line_no: int, line: Line, lead_type: LeadType, source: str) -> None:
        where = f"{source}:{line_no}"
        self._owed += 1  # owed from here on: every path below queues exactly one item
        if isinstance(line, UnreadableLine):  # too long, or not text: no lead to parse
            self._finished.put_nowait(BatchItem(line_no, error=LeadError([line.problem], where)))
            return
        try:
            lead = parse_lead_line(line, lead_type, line_no=line_no, source=source)
        except LeadError as exc:
            self._finished.put_nowait(BatchItem(line_no, error=exc))
            return
        except Exception as exc:  # whatever else a line does to the parser, it is invalid
            why = f"cannot be read as a lead ({type(exc).__name__}: {str(exc)[:200]})"
            self._finished.put_nowait(BatchItem(line_no, error=LeadError([why], where)))
            return
        # chosen here: known even if the auction never starts (the store may give another)
        lead_id = lead.lead_id or new_auction_id()
        control = AuctionControl(lead_id=lead_id)
        task = asyncio.create_task(self._auction(line_no, lead, lead_id, control))
        self._running[task] = _Started(task, line_no, lead, lead_id)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[BatchItem]) -> None:
        started = self._running.pop(task, None)
        if started is not None:
            self._finished.put_nowait(started)

    async def next(self) -> BatchItem | None:
        """The next finished item; None once the lines are read and every item is taken."""
        while self._reading or self._owed:
            got = await self._finished.get()
            if got is None:
                self._reading = False
                continue
            self._owed -= 1
            self._slots.release()
            return got.item() if isinstance(got, _Started) else got
        return None

    def cancel(self) -> None:
        """Cut off the auctions in flight: each still becomes an item (`_auction`)."""
        for task in list(self._running):
            task.cancel()


@dataclass(frozen=True)
class _Started:
    """An auction started for a line, and what its item is if it never got to run."""

    task: asyncio.Task[BatchItem]
    line_no: int
    lead: Lead
    lead_id: str

    def item(self) -> BatchItem:
        if not self.task.cancelled():
            return self.task.result()
        # cancelled before its first step: nothing was sent
        result = AuctionResult(
            self.lead_id, self.lead, "unsold", None, None, 0.0, (), reason=INTERRUPTED
        )
        return BatchItem(self.line_no, result=result)


async def _when(event: asyncio.Event, actions: tuple[Callable[[], object], ...]) -> None:
    await event.wait()
    for action in actions:
        action()  # cancelling the reader: its `finally` marks the reading done


async def _auction(
    line_no: int,
    lead: Lead,
    lead_id: str,
    config: Config,
    transport: Transport,
    test: bool,
    dry_run: bool,
    control: AuctionControl,
    how: Delivery,
    source: str,
) -> BatchItem:
    try:
        result = await deliver_lead(
            lead, config, transport=transport, store=how.store, again=how.again,
            new_id=lead_id, controls=how.controls, clock=how.clock, source=source,
            test=test, dry_run=dry_run, control=control,
        )  # fmt: skip
    except AuctionInterrupted as cut_off:  # aborted: still reported, a post left in doubt
        return BatchItem(line_no, result=cut_off.result)
    except StoreUnavailable as exc:  # fail closed: nothing was posted for this line (W1)
        return BatchItem(line_no, error=NotDelivered(line_no, exc))
    except Exception as exc:  # a bug in one auction must not end the batch
        failed = AuctionFailed(f"line {line_no}: auction failed: {type(exc).__name__}: {exc}")
        return BatchItem(line_no, error=failed)
    return BatchItem(line_no, result=result)


async def _numbered(
    lines: Iterable[Line] | AsyncIterable[Line],
) -> AsyncIterator[tuple[int, Line]]:
    line_no = 0
    if isinstance(lines, AsyncIterable):
        async for line in lines:
            line_no += 1
            yield line_no, line
    else:
        for line in lines:
            line_no += 1
            yield line_no, line
