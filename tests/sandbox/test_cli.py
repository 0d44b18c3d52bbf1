"""`pingpost sandbox`: help, bad input (exit 2), and a real run in its own process."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from pingpost.cli.app import app
from pingpost.sandbox import load_sandbox_spec, start_sandbox

from .client import call


def test_help_lists_the_options():
    result = CliRunner().invoke(app, ["sandbox", "--help"])
    assert result.exit_code == 0
    for option in ("--port", "--seed", "--no-ledger", "--json", "FILE"):
        assert option in result.output


def test_bad_file_exits_2_with_a_located_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "buyers:\n  - name: a\n    style: json_flag\n"
        "    ping_path: /a\n    post_path: /b\n    hnag: 1\n"
    )
    result = CliRunner().invoke(app, ["sandbox", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:6:5: buyers[0].hnag: unknown key `hnag`" in result.stderr
    assert "Traceback" not in result.output


def test_missing_file_exits_2(tmp_path):
    result = CliRunner().invoke(app, ["sandbox", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 and "no sandbox file at" in result.stderr


def test_busy_port_exits_2():
    with start_sandbox(load_sandbox_spec(), port=0) as sb:
        result = CliRunner().invoke(app, ["sandbox", "--port", str(sb.port)])
    assert result.exit_code == 2
    assert (
        f"error: cannot listen on 127.0.0.1:{sb.port}: the address is in use "
        "(pass --port; 0 picks a free one)" in result.stderr
    )


def start_process(*args: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "pingpost.sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    ready, _, _ = select.select([process.stderr], [], [], 30)
    line = process.stderr.readline() if ready else "(nothing in 30 s)"
    if "sandbox listening on " not in line:
        process.kill()
        pytest.fail(f"no ready line: {line!r} {process.communicate()}")
    return process, line.split("sandbox listening on ")[1].split()[0]


def test_serves_in_its_own_process_and_stops_on_sigterm():
    process, url = start_process("--port", "0", "--seed", "11", "--json")
    try:
        summary = json.loads(process.stdout.readline())
        assert summary["url"] == url and summary["seed"] == 11
        assert summary["buyers"][0]["ping_url"] == f"{url}/acme/ping"
        assert call(f"{url}/acme/ping", body={"state": "CA"}).json()["Success"] is True
    finally:
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        _, err = process.communicate(timeout=10)
    assert process.returncode == 0 and "sandbox stopped" in err
    assert time.monotonic() - started < 5


def test_prints_the_buyers_table_and_stops_on_ctrl_c():
    process, url = start_process("--port", "0", "--no-ledger")
    try:
        call(f"{url}/acme/ping", body={"state": "CA"})
        assert call(f"{url}/_sandbox/ledger", method="GET").json()["recording"] is False
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0 and "sandbox stopped" in err
    assert f"sandbox buyers at {url} (seed 7)" in out
    for name in ("acme", "foxtrot", "/foxtrot/post/", "post_reject", "hang 1 (ping)", "post cap 3"):
        assert name in out
