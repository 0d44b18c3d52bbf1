"""The batch runner: streaming, bounded concurrency, bad lines, early close."""

from __future__ import annotations

import asyncio
import io
import json
import os
import tracemalloc
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from pingpost.auction import BatchItem, BatchStats, read_lines, run_batch
from pingpost.auction import batch as batch_module
from pingpost.auction.lines import MAX_LINE_BYTES, UnreadableLine
from pingpost.config.bundle import Config
from pingpost.exchange import RawResponse, RenderedRequest
from pingpost.transport import SendOptions

from .fakes import LEAD_TYPE, FakeTransport, account, bid, config, reject, reply, sold


def lead_line(state: str = "CA", zip_code: str = "90210", **extra: Any) -> str:
    return json.dumps({"State": state, "ZipCode": zip_code, **extra}) + "\n"


async def collect(lines: Any, cfg: Config, transport: Any, **kw: Any) -> list[BatchItem]:
    return [item async for item in run_batch(lines, cfg, LEAD_TYPE, transport=transport, **kw)]


def test_every_line_is_an_item_with_its_line_number_and_bad_lines_do_not_stop_the_batch() -> None:
    cfg = config([account("a")])
    lines = [
        lead_line(),
        "{not json\n",
        "\n",  # blank lines are skipped, but still counted for line numbers
        lead_line(state="ZZ"),
        lead_line(Age=40),
    ]
    transport = FakeTransport({"a/ping": bid(5), "a/post": sold()})
    items = asyncio.run(collect(lines, cfg, transport, source="leads.jsonl"))
    by_line = {item.line_no: item for item in items}
    assert sorted(by_line) == [1, 2, 4, 5]
    assert by_line[1].result is not None and by_line[1].result.result == "sold"
    assert by_line[5].result is not None and by_line[5].result.lead.values["Age"] == 40
    for bad in (2, 4):
        assert by_line[bad].result is None and by_line[bad].error is not None
        assert "leads.jsonl" in str(by_line[bad].error)
    stats = BatchStats()
    for item in items:
        stats.add(item)
    assert (stats.sold, stats.invalid, stats.revenue) == (2, 2, 10)


@pytest.mark.parametrize(
    "hostile",
    [
        "[" * 100_000,  # nested past the recursion limit
        '{"State": "CA", "ZipCode": "90210", "Age": ' + "7" * 5_000 + "}",  # past int's limit
        '{"State": "CA", "ZipCode": "90210", "Age": "1e999999999"}',  # an integer too long
        '{"State": "CA", "ZipCode": "90210", "Age": ' + "[" * 5_000 + "]" * 5_000 + "}",
    ],
    ids=["deep", "digits", "exponent", "deep-value"],
)
def test_a_hostile_line_is_an_invalid_lead_and_the_batch_ends(hostile: str) -> None:
    cfg = config([account("a")])
    lines = [lead_line(), hostile + "\n", lead_line(Age=40)]
    transport = FakeTransport({"a/ping": bid(5), "a/post": sold()})

    async def bounded() -> list[BatchItem]:  # a batch that hangs fails here, not forever
        return await asyncio.wait_for(collect(lines, cfg, transport, source="b.jsonl"), 10)

    by_line = {item.line_no: item for item in asyncio.run(bounded())}
    assert sorted(by_line) == [1, 2, 3]
    assert by_line[2].error is not None and str(by_line[2].error).startswith("b.jsonl:2 ")
    assert [by_line[n].result is not None for n in (1, 3)] == [True, True]


def test_any_exception_while_reading_a_line_makes_it_an_invalid_lead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = batch_module.parse_lead_line

    def parser_with_a_bug(line: str, *args: Any, **kw: Any) -> Any:
        if "boom" in line:
            raise RuntimeError("a bug in the lead parser")
        return real(line, *args, **kw)

    monkeypatch.setattr(batch_module, "parse_lead_line", parser_with_a_bug)
    cfg = config([account("a")])
    lines = [lead_line(), '{"boom": 1}\n', lead_line()]
    transport = FakeTransport({"a/ping": bid(5), "a/post": sold()})
    items = asyncio.run(asyncio.wait_for(collect(lines, cfg, transport, source="b.jsonl"), 10))
    by_line = {item.line_no: item for item in items}
    assert sorted(by_line) == [1, 2, 3]
    assert str(by_line[2].error) == (
        "b.jsonl:2 is not a valid lead:\n"
        "  - cannot be read as a lead (RuntimeError: a bug in the lead parser)"
    )


class CountingTransport(FakeTransport):
    """Tracks how many sends are in flight at once."""

    def __init__(self, answers: dict[str, Any]) -> None:
        super().__init__(answers)
        self.in_flight = 0
        self.most = 0

    async def send(self, request: RenderedRequest, options: SendOptions) -> RawResponse:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            return await super().send(request, options)
        finally:
            self.in_flight -= 1


def test_at_most_concurrency_auctions_are_in_flight() -> None:
    cfg = config([account("a")])
    transport = CountingTransport({"a/ping": reply({"status": "rejected"}, delay=0.01)})
    items = asyncio.run(collect([lead_line()] * 60, cfg, transport, concurrency=7))
    assert len(items) == 60
    assert transport.most == 7


def test_lines_are_read_lazily_as_slots_free_up() -> None:
    pulled = 0

    def lines() -> Iterator[str]:
        nonlocal pulled
        for _ in range(1000):
            pulled += 1
            yield lead_line()

    async def main() -> list[int]:
        cfg = config([account("a")])
        transport = FakeTransport({"a/ping": reject()})
        seen = []
        async for _ in run_batch(lines(), cfg, LEAD_TYPE, transport=transport, concurrency=5):
            seen.append(pulled)
            if len(seen) == 20:
                break
        return seen

    ahead = [pulled - taken for taken, pulled in enumerate(asyncio.run(main()), start=1)]
    # never more than `concurrency` lines read beyond those handed to the consumer
    assert max(ahead) <= 5
    assert pulled < 30


def test_results_come_as_they_finish_not_in_line_order() -> None:
    cfg = config([account("a")])

    async def answer(request: RenderedRequest, options: SendOptions) -> RawResponse:
        slow = json.loads(request.body)["state"] == "TX"
        return await reply({"status": "rejected"}, delay=0.2 if slow else 0.0)(request, options)

    items = asyncio.run(
        collect([lead_line("TX"), lead_line("CA")], cfg, FakeTransport({"a/ping": answer}))
    )
    assert [item.line_no for item in items] == [2, 1]


def test_an_async_iterable_of_lines_works() -> None:
    async def lines() -> AsyncIterator[str]:
        for state in ("CA", "TX"):
            await asyncio.sleep(0)
            yield lead_line(state)

    cfg = config([account("a")])
    items = asyncio.run(collect(lines(), cfg, FakeTransport({"a/ping": reject()})))
    assert sorted(item.line_no for item in items) == [1, 2]


def test_a_broken_source_finishes_the_auctions_in_flight_then_raises() -> None:
    def lines() -> Iterator[str]:
        yield lead_line()
        yield lead_line()
        raise OSError("disk on fire")

    cfg = config([account("a")])
    transport = FakeTransport({"a/ping": reply({"status": "rejected"}, delay=0.05)})
    got: list[BatchItem] = []

    async def main() -> None:
        async for item in run_batch(lines(), cfg, LEAD_TYPE, transport=transport):
            got.append(item)

    with pytest.raises(OSError, match="disk on fire"):
        asyncio.run(main())
    assert sorted(item.line_no for item in got) == [1, 2]


def test_closing_early_cancels_the_auctions_in_flight() -> None:
    cfg = config([account("a")], ping_deadline=30)
    started: list[asyncio.Task[Any] | None] = []

    async def hang(request: RenderedRequest, options: SendOptions) -> RawResponse:
        started.append(asyncio.current_task())
        await asyncio.sleep(30)
        raise AssertionError("not cancelled")

    async def main() -> None:
        batch = run_batch(
            [lead_line()] * 3, cfg, LEAD_TYPE, transport=FakeTransport({"a/ping": hang})
        )
        waiter = asyncio.ensure_future(batch.__anext__())
        await asyncio.sleep(0.05)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        await batch.aclose()
        await asyncio.sleep(0.01)
        assert len(started) == 3
        assert all(task is not None and task.done() for task in started)

    asyncio.run(main())


def test_read_lines_reads_files_directly_and_pipes_in_a_thread(tmp_path: Path) -> None:
    path = tmp_path / "leads.jsonl"
    path.write_text(lead_line() * 2)
    with path.open("rb") as f:
        lines = read_lines(f)
        assert not isinstance(lines, AsyncIterable)  # a regular file: read in place
        assert list(lines) == [lead_line()] * 2
    assert list(read_lines(io.StringIO("x\ny"))) == ["x\n", "y"]  # type: ignore[arg-type]

    read_fd, write_fd = os.pipe()
    with os.fdopen(write_fd, "w") as w:
        w.write("one\ntwo\n")

    async def drain(lines: Any) -> list[str]:
        return [line async for line in lines]

    with os.fdopen(read_fd) as r:
        assert asyncio.run(drain(read_lines(r))) == ["one\n", "two\n"]


def test_a_line_above_the_cap_is_skipped_unheld_and_is_an_invalid_lead(tmp_path: Path) -> None:
    path = tmp_path / "leads.jsonl"
    huge = b'{"State": "CA", "ZipCode": "90210", "Note": "' + b"x" * 5_000_000 + b'"}\n'
    path.write_bytes(lead_line().encode() + huge + lead_line(Age=40).encode())
    cfg = config([account("a")])
    transport = FakeTransport({"a/ping": bid(5), "a/post": sold()})

    def run() -> list[BatchItem]:
        with path.open("rb") as stream:
            return asyncio.run(collect(read_lines(stream), cfg, transport, source="b.jsonl"))

    tracemalloc.start()
    try:
        items = run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    by_line = {item.line_no: item for item in items}
    assert sorted(by_line) == [1, 2, 3]
    assert str(by_line[2].error) == (
        f"b.jsonl:2 is not a valid lead:\n  - the line is {len(huge) - 1:,} bytes long, above "
        "the 1,048,576 a batch line may hold (one lead a line)"
    )
    assert by_line[3].result is not None and by_line[3].result.lead.values["Age"] == 40
    assert peak < 2 * MAX_LINE_BYTES + 1_000_000  # never the 5 MB line whole


@pytest.mark.parametrize("piped", [False, True], ids=["file", "pipe"])
def test_line_caps_and_bad_bytes_in_files_and_pipes(tmp_path: Path, piped: bool) -> None:
    data = b"a" * 10 + b"\n" + b"b" * 11 + b"\n" + b"c" * 30 + b"\n" + b"\xffok\n" + b"d" * 11
    path = tmp_path / "leads.jsonl"
    path.write_bytes(data)

    async def lines() -> list[Any]:
        got = read_lines(stream, max_bytes=10)
        if isinstance(got, AsyncIterable):
            return [line async for line in got]
        return list(got)

    if piped:
        read_fd, write_fd = os.pipe()
        os.write(write_fd, data)
        os.close(write_fd)
        stream: Any = os.fdopen(read_fd, "rb")
    else:
        stream = path.open("rb")
    with stream:
        assert asyncio.run(lines()) == [
            "a" * 10 + "\n",  # the cap counts the lead, not its newline
            UnreadableLine("the line is 11 bytes long, above the 10 a batch line may hold "
                           "(one lead a line)"),
            UnreadableLine("the line is 30 bytes long, above the 10 a batch line may hold "
                           "(one lead a line)"),
            UnreadableLine("not UTF-8 text (byte 1 of the line)"),
            UnreadableLine("the line is 11 bytes long, above the 10 a batch line may hold "
                           "(one lead a line)"),
        ]  # fmt: skip


def test_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        asyncio.run(collect([], config([]), FakeTransport({}), concurrency=0))


def test_stop_drains_the_auctions_in_flight_and_reads_no_further() -> None:
    pulled = 0

    def lines() -> Iterator[str]:
        nonlocal pulled
        for _ in range(100):
            pulled += 1
            yield lead_line()

    cfg = config([account("a")])
    transport = FakeTransport(
        {"a/ping": bid(5), "a/post": reply({"result": "success"}, delay=0.05)}
    )

    async def main() -> list[BatchItem]:
        stop = asyncio.Event()
        got = []
        batch = run_batch(lines(), cfg, LEAD_TYPE, transport=transport, concurrency=4, stop=stop)
        async for item in batch:
            got.append(item)
            stop.set()  # after the first result: the 3-4 auctions in flight still finish
        return got

    items = asyncio.run(main())
    assert all(item.result is not None and item.result.result == "sold" for item in items)
    assert 4 <= len(items) <= pulled <= 6
    posts = [r for r, _ in transport.sent if r.url.endswith("/post")]
    assert len(posts) == len(items)  # every post that was sent is reported


def test_stop_ends_a_batch_waiting_on_a_silent_pipe() -> None:
    read_fd, write_fd = os.pipe()
    writer = os.fdopen(write_fd, "w")
    reader = os.fdopen(read_fd)
    writer.write(lead_line())
    writer.flush()  # one lead, then the writer stays silent (an idle `tail -f`)
    cfg = config([account("a")])

    async def main() -> list[BatchItem]:
        stop = asyncio.Event()
        got = []
        transport = FakeTransport({"a/ping": reject()})
        batch = run_batch(read_lines(reader), cfg, LEAD_TYPE, transport=transport, stop=stop)
        async for item in batch:
            got.append(item)
            stop.set()
        return got

    try:
        assert [item.line_no for item in asyncio.run(main())] == [1]
    finally:
        writer.close()  # EOF ends the reading thread, which holds the reader's lock
        reader.close()


def test_the_gc_threshold_is_raised_while_batches_run_and_restored_after() -> None:
    import gc

    from pingpost.gcpolicy import AUCTION_GC_THRESHOLD

    before = gc.get_threshold()
    cfg = config([account("a")])
    seen = []

    async def main() -> None:
        transport = FakeTransport({"a/ping": reject()})
        outer = run_batch([lead_line()] * 3, cfg, LEAD_TYPE, transport=transport)
        async for _ in outer:
            seen.append(gc.get_threshold()[0])
            inner = run_batch([lead_line()], cfg, LEAD_TYPE, transport=transport)
            async for _ in inner:
                seen.append(gc.get_threshold()[0])
            seen.append(gc.get_threshold()[0])  # the inner batch ended; the outer still runs

    asyncio.run(main())
    assert seen and all(s == max(AUCTION_GC_THRESHOLD, before[0]) for s in seen)
    assert gc.get_threshold() == before


def test_a_single_run_auction_runs_under_the_same_gc_policy() -> None:
    """Library callers of run_auction (one lead at a time) get the batch's threshold too,
    and the old one back afterwards."""
    import gc

    from pingpost.auction import run_auction
    from pingpost.gcpolicy import AUCTION_GC_THRESHOLD
    from pingpost.leads import parse_lead_line

    before = gc.get_threshold()
    seen: list[int] = []

    class Watching(FakeTransport):
        async def send(self, request: Any, options: Any) -> Any:
            seen.append(gc.get_threshold()[0])
            return await super().send(request, options)

    async def main() -> None:
        transport = Watching({"a/ping": reject()})
        lead = parse_lead_line(lead_line(), LEAD_TYPE, line_no=1, source="-")
        await run_auction(lead, config([account("a")]), transport=transport)

    asyncio.run(main())
    assert seen == [max(AUCTION_GC_THRESHOLD, before[0])]
    assert gc.get_threshold() == before


def test_a_quiet_start_up_ends_when_the_first_auction_starts() -> None:
    """The CLI's start-up (gcpolicy.quiet_startup): no young collection while it loads;
    the first auction freezes what start-up made and restores the threshold of before,
    which the auction raises as usual and gives back at its end."""
    import gc

    from pingpost import gcpolicy
    from pingpost.auction import run_auction
    from pingpost.leads import parse_lead_line

    before = gc.get_threshold()
    seen: list[int] = []

    class Watching(FakeTransport):
        async def send(self, request: Any, options: Any) -> Any:
            seen.append(gc.get_threshold()[0])
            return await super().send(request, options)

    async def main() -> None:
        lead = parse_lead_line(lead_line(), LEAD_TYPE, line_no=1, source="-")
        await run_auction(lead, config([account("a")]), transport=Watching({"a/ping": reject()}))

    try:
        gcpolicy.quiet_startup()
        gcpolicy.quiet_startup()  # once is what counts
        assert gc.get_threshold()[0] == gcpolicy.STARTUP_GC_THRESHOLD
        assert gc.get_freeze_count() == 0
        asyncio.run(main())
        assert seen == [max(gcpolicy.AUCTION_GC_THRESHOLD, before[0])]
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() > 0  # what start-up made: out of later collections
        gcpolicy.startup_over()  # already over: nothing more
        assert gc.get_threshold() == before
    finally:  # this process as it was, whatever failed
        gcpolicy.startup_over()
        gc.unfreeze()
        gc.set_threshold(*before)


def test_the_docs_give_the_gc_threshold_the_code_uses() -> None:
    from pingpost.gcpolicy import AUCTION_GC_THRESHOLD

    docs = Path(__file__).resolve().parents[2] / "docs" / "auction.md"
    text = " ".join(docs.read_text(encoding="utf-8").split())
    assert f"Python's 700 to {AUCTION_GC_THRESHOLD:,} allocations" in text
    from pingpost.gcpolicy import STARTUP_GC_THRESHOLD

    assert f"the threshold is {STARTUP_GC_THRESHOLD:,}, more than" in text


def test_abort_cuts_the_auctions_off_and_still_yields_every_line_read() -> None:
    """A second Ctrl-C: posts in flight are reported in doubt, auctions that had not
    posted as interrupted, auctions not yet started too; no line read is lost."""
    cfg = config([account("a")], ping_deadline=30)
    slow_post = reply({"result": "success"}, delay=30)
    transport = FakeTransport({"a/ping": bid(5), "a/post": slow_post})

    async def main() -> list[BatchItem]:
        abort = asyncio.Event()
        batch = run_batch(
            [lead_line()] * 6, cfg, LEAD_TYPE, transport=transport, concurrency=3, abort=abort
        )
        got: list[BatchItem] = []
        asyncio.get_running_loop().call_later(0.2, abort.set)  # posts are in flight by then
        async for item in batch:
            got.append(item)
        return got

    items = asyncio.run(main())
    assert sorted(item.line_no for item in items) == [1, 2, 3]  # read: one per slot
    for item in items:
        assert item.result is not None and item.result.result == "in_doubt"
        (account_result,) = item.result.accounts
        assert (account_result.status, account_result.reason) == (
            "in_doubt",
            "interrupted while posting",
        )
    posts = [r for r, _ in transport.sent if r.url.endswith("/post")]
    assert len(posts) == 3


def test_an_auction_cut_off_before_it_started_is_still_an_item() -> None:
    cfg = config([account("a")])
    transport = FakeTransport({"a/ping": reject()})

    async def main() -> list[BatchItem]:
        abort = asyncio.Event()
        abort.set()  # the reader starts an auction, the watcher cuts it off before it runs
        batch = run_batch([lead_line()], cfg, LEAD_TYPE, transport=transport, abort=abort)
        return [item async for item in batch]

    (item,) = asyncio.run(main())
    assert item.line_no == 1 and item.result is not None
    assert (item.result.result, item.result.reason) == ("unsold", "interrupted")
    assert item.result.lead_id and transport.sent == []
