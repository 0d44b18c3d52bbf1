"""The batch runner of `deliver`: the gentle stop, a closed stdout, Ctrl-C, line counting."""

from __future__ import annotations

import asyncio
import io
import json
import sys
import time

import pytest
from rich.console import Console

from pingpost.cli.app import app
from pingpost.cli.batch import BatchStop, count_lines, deliver_batch
from pingpost.cli.batch_output import BatchOutput
from pingpost.cli.interrupt import Interrupts
from tests.trace_cli_fixtures import LEAD


def test_a_stop_keeps_its_first_reason_and_an_abort_comes_once():
    said: list[str] = []
    stop = BatchStop(said.append)
    stop("first")
    stop("second")
    assert stop.why == "first" and stop.reading_stopped.is_set()
    assert not stop.cut_off.is_set()
    for count in (2, 3, 4):
        stop.on_signal(count, "interrupted")
    assert stop.aborted and stop.cut_off.is_set()
    assert len([s for s in said if s.startswith("aborting")]) == 1


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
    # this test's posts only: a slow post of an earlier test's process may still be logged
    posted = [body for body in setup.requests("acme", "post") if body["ping_id"] == "p"]
    assert pinged == stats.leads == len(posted)


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
                time.sleep(0.01)  # each handled on its own turn of the loop
        super().item(item, config, progress)


def run_interrupted(setup, presses: int):
    from pingpost.config import load_config

    config = load_config(setup.dir)
    output = InterruptingOutput(
        out=Console(file=io.StringIO()), err=Console(file=io.StringIO()), as_json=True
    )
    output.presses = presses
    stop = BatchStop(output.err.print)
    lines = [json.dumps(LEAD)] * 30
    kind = config.lead_type()
    with Interrupts(stop.on_signal) as interrupts:
        batch = deliver_batch(
            lines, config, kind, output, stop, interrupts=interrupts, source="x", concurrency=2
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
    output, stop, stats = run_interrupted(setup, presses=2)
    assert stop.aborted and "aborting" in output.err.file.getvalue()
    lines = [json.loads(line) for line in sys.stdout.getvalue().splitlines()]
    # every line read is on stdout, once: the ones cut off too
    started = max(doc["line"] for doc in lines)
    assert sorted(doc["line"] for doc in lines[-stats.leads :]) == list(range(1, started + 1))


@pytest.mark.parametrize("content", ["", "\n\n  \n"], ids=["empty", "blank lines"])
def test_a_batch_without_a_lead_says_so_and_exits_1(runner, buyer_setup, content):
    setup = buyer_setup("acme")
    path = setup.dir.parent / "none.jsonl"
    path.write_text(content)
    result = runner.invoke(app, ["deliver", str(path), "-c", str(setup.dir)])
    assert result.exit_code == 1
    assert f"no lead was read: {path} has no lead lines" in result.stderr
    piped = runner.invoke(app, ["deliver", "-", "-c", str(setup.dir)], input=content)
    assert piped.exit_code == 1 and "no lead was read: stdin has no lead lines" in piped.stderr


def test_a_json_error_in_a_batch_line_names_the_line_and_its_column(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", {"status": "rejected"})
    leads = setup.leads_file(['{"ZipCode": "94107", oops}', '{"ZipCode": "9'])
    result = runner.invoke(app, ["deliver", str(leads), "-c", str(setup.dir), "--json"])
    assert result.exit_code == 1
    assert f"{leads}:1 is not a valid lead:" in result.stderr
    assert "Expecting property name enclosed in double quotes at column 22" in result.stderr
    assert f"{leads}:2 is not a valid lead:" in result.stderr
    assert "Invalid control character at column 15" in result.stderr  # the line's own newline
    assert "at at" not in result.stderr and "line 1 column" not in result.stderr


def test_an_overlong_or_undecodable_line_is_an_invalid_lead_with_its_number(runner, buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", {"status": "rejected"})
    path = setup.dir.parent / "big.jsonl"
    good = json.dumps({**LEAD}).encode()
    path.write_bytes(good + b"\n" + b'{"x": "' + b"y" * 2_000_000 + b'"}\n' + b"\xff\n" + good)
    result = runner.invoke(app, ["deliver", str(path), "-c", str(setup.dir), "--json"])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(line["line"] for line in lines) == [1, 2, 3, 4]
    errors = {line["line"]: line["error"] for line in lines if "error" in line}
    assert "above the 1,048,576 a batch line may hold" in errors[2]
    assert "not UTF-8 text (byte 1 of the line)" in errors[3]
