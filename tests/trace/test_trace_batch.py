"""Batch printing: the gentle stop, a closed stdout, the summary, line counting."""

from __future__ import annotations

import asyncio
import io
import json
from decimal import Decimal

import pytest
from rich.console import Console
from trace_cli_fixtures import LEAD

from pingpost.auction.stats import BatchStats
from pingpost.trace.batch import BatchOutput, BatchStop, count_lines, deliver_batch, summary_table


async def collect(stop: BatchStop, lines, after: int) -> list[str]:
    seen = []
    async for line in stop.lines(lines):
        seen.append(line)
        if len(seen) == after:
            stop("enough")
    return seen


async def agen(values):
    for value in values:
        yield value


def test_a_stop_ends_the_reading_sync_or_async():
    assert asyncio.run(collect(BatchStop(), iter("abcdef"), after=2)) == ["a", "b"]
    assert asyncio.run(collect(BatchStop(), agen("abcdef"), after=3)) == ["a", "b", "c"]
    stop = BatchStop()
    stop("first")
    stop("second")
    assert stop.why == "first"


class ClosedPipe(io.StringIO):
    def write(self, s: str) -> int:
        raise BrokenPipeError


def test_a_closed_stdout_stops_reading_and_finishes_what_is_in_flight(
    buyer_setup, monkeypatch, render
):
    from pingpost.config import load_config

    setup = buyer_setup("acme")
    setup.answer("acme", "ping", {"status": "accepted", "price": "2", "ping_id": "p"})
    setup.answer("acme", "post", {"result": "success"})
    config = load_config(setup.dir)
    err = Console(file=io.StringIO(), width=100)
    output = BatchOutput(out=Console(file=io.StringIO()), err=err, as_json=True)
    monkeypatch.setattr("sys.stdout", ClosedPipe())
    lines = [json.dumps(LEAD)] * 40
    stats = asyncio.run(
        deliver_batch(lines, config, config.lead_type(), output, source="x.jsonl", concurrency=2)
    )
    assert output.stop.why == "the output was closed"
    assert 1 <= stats.leads < 40  # stopped early ...
    assert stats.sold == stats.leads  # ... yet every auction that started, finished
    pinged = len(setup.requests("acme", "ping"))
    assert pinged == stats.leads == len(setup.requests("acme", "post"))


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


def test_count_lines(tmp_path):
    path = tmp_path / "l.jsonl"
    path.write_text("a\nb\nc")
    assert count_lines(path) == 3
    path.write_text("a\nb\n")
    assert count_lines(path) == 2
    assert count_lines(tmp_path / "missing") is None


class InterruptingOutput(BatchOutput):
    """Presses Ctrl-C `presses` times when the first result arrives."""

    presses = 1

    def item(self, item, config, progress) -> None:
        import os
        import signal

        if self.stop.last_line == 0:
            for _ in range(self.presses):
                os.kill(os.getpid(), signal.SIGINT)
        super().item(item, config, progress)


def run_interrupted(setup, presses: int):
    from pingpost.config import load_config

    config = load_config(setup.dir)
    output = InterruptingOutput(
        out=Console(file=io.StringIO()), err=Console(file=io.StringIO()), as_json=True
    )
    output.presses = presses
    batch = deliver_batch(
        [json.dumps(LEAD)] * 30, config, config.lead_type(), output, source="x", concurrency=2
    )
    return output, asyncio.run(batch)


def test_ctrl_c_stops_reading_then_aborts(buyer_setup, monkeypatch):
    monkeypatch.setattr("sys.stdout", io.StringIO())
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", {"status": "accepted", "price": "2", "ping_id": "p"})
    setup.answer("acme", "post", {"result": "success"})
    output, stats = run_interrupted(setup, presses=1)
    assert output.stop.why == "interrupted"
    assert 1 <= stats.leads < 30 and stats.sold == stats.leads
    assert "stopping: no new leads" in output.err.file.getvalue()
    with pytest.raises(KeyboardInterrupt):
        run_interrupted(setup, presses=2)
