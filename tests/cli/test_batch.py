"""The batch runner of `deliver`: the gentle stop, a closed stdout, Ctrl-C, line counting."""

from __future__ import annotations

import asyncio
import io
import json

import pytest
from rich.console import Console

from pingpost.cli.batch import BatchStop, count_lines, deliver_batch
from pingpost.cli.batch_output import BatchOutput
from tests.trace_cli_fixtures import LEAD


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


def test_a_closed_stdout_stops_reading_and_finishes_what_is_in_flight(buyer_setup, monkeypatch):
    from pingpost.config import load_config

    setup = buyer_setup("acme")
    setup.answer("acme", "ping", {"status": "accepted", "price": "2", "ping_id": "p"})
    setup.answer("acme", "post", {"result": "success"})
    config = load_config(setup.dir)
    err = Console(file=io.StringIO(), width=100)
    output = BatchOutput(out=Console(file=io.StringIO()), err=err, as_json=True)
    monkeypatch.setattr("sys.stdout", ClosedPipe())
    lines = [json.dumps(LEAD)] * 40
    stop = BatchStop()
    stats = asyncio.run(
        deliver_batch(lines, config, config.lead_type(), output, stop, source="x", concurrency=2)
    )
    assert stop.why == "the output was closed"
    assert 1 <= stats.leads < 40  # stopped early ...
    assert stats.sold == stats.leads  # ... yet every auction that started, finished
    pinged = len(setup.requests("acme", "ping"))
    assert pinged == stats.leads == len(setup.requests("acme", "post"))


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

        if self.last_line == 0:
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
    stop = BatchStop()
    lines = [json.dumps(LEAD)] * 30
    batch = deliver_batch(
        lines, config, config.lead_type(), output, stop, source="x", concurrency=2
    )
    return output, stop, asyncio.run(batch)


def test_ctrl_c_stops_reading_then_aborts(buyer_setup, monkeypatch):
    monkeypatch.setattr("sys.stdout", io.StringIO())
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", {"status": "accepted", "price": "2", "ping_id": "p"})
    setup.answer("acme", "post", {"result": "success"})
    output, stop, stats = run_interrupted(setup, presses=1)
    assert stop.why == "interrupted"
    assert 1 <= stats.leads < 30 and stats.sold == stats.leads
    assert "stopping: no new leads" in output.err.file.getvalue()
    with pytest.raises(KeyboardInterrupt):
        run_interrupted(setup, presses=2)
