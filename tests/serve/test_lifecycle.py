"""`pingpost serve` as a real process with real signals: SIGTERM finishes every auction in
flight (each answered) and exits 0; SIGHUP reloads; a config that cannot serve is refused
at start with validate's located errors."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pingpost.sandbox import Sandbox

from .helpers import (
    ENV,
    KEY,
    Process,
    buyer,
    call,
    post_lead,
    run_to_end,
    start_process,
    write_config,
)

pytestmark = pytest.mark.slow


def _wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError("timed out waiting")


def _started(config: Path, *args: str) -> Process:
    return start_process(["-c", str(config), *args], ENV)


def test_sigterm_finishes_every_post_in_flight_answers_it_and_exits_0(
    buyers: Callable[..., Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PINGPOST_STORE")  # this test checks the default store
    sandbox = buyers(buyer("slow", 10, latency_ms=500))
    config = write_config(tmp_path / "configs", sandbox.url, ["slow"])
    service = _started(config)  # on the default store: .pingpost/store.db beside configs
    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(post_lead, service.url) for _ in range(6)]
        # every post has reached the buyer, whose answer takes another 500 ms
        _wait_for(lambda: len(sandbox.ledger(phase="post")) == 6)
        service.signal(signal.SIGTERM)
        _wait_for(lambda: service.saw("stopping"))
        late = post_lead(service.url)
        answers = [f.result(timeout=30) for f in futures]
    assert service.finish() == 0
    assert [a.status for a in answers] == [201] * 6
    assert {a.json()["result"] for a in answers} == {"sold"}
    assert late.status == 503 and late.json()["code"] == "shutting_down"
    assert late.headers["retry-after"] and late.headers["connection"] == "close"
    events = service.events()
    stopping = next(e for e in events if e["event"] == "stopping")
    assert stopping["in_flight"] == 6
    sold = [e for e in events if e["event"] == "request" and e["status"] == 201]
    assert len(sold) == 6 and events[-1]["event"] == "stopped"
    assert len(sandbox.ledger(phase="post")) == 6  # no post was sent twice or dropped
    # every one was written to the store before it was answered: in the log, by source
    assert (tmp_path / ".pingpost/store.db").is_file()
    logged = _pingpost("log", "-c", str(config), "--json")
    rows = [json.loads(line) for line in logged.splitlines()]
    assert sorted(r["auction_id"] for r in rows) == sorted(a.json()["lead_id"] for a in answers)
    assert {(r["result"], r["source"]) for r in rows} == {("sold", "web-form")}
    shown = _pingpost("log", "show", rows[0]["auction_id"], "-c", str(config))
    assert "SOLD to slow-acct for $10.00" in shown
    stats = json.loads(_pingpost("stats", "-c", str(config), "--by", "source", "--json"))
    assert stats["rows"] == [{"source": "web-form", "leads": 6, "sold": 6, "revenue": "60.00"}]


def test_sigterm_when_idle_exits_0_at_once(buyers: Callable[..., Sandbox], tmp_path: Path) -> None:
    sandbox = buyers(buyer("a"))
    config = write_config(tmp_path, sandbox.url, ["a"])
    service = _started(config)
    assert post_lead(service.url).status == 201
    started = time.monotonic()
    service.signal(signal.SIGTERM)
    assert service.finish() == 0
    assert time.monotonic() - started < 10


def test_sighup_reloads_and_a_bad_config_keeps_the_old_one(
    buyers: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sandbox = buyers(buyer("a", 12), buyer("b", 9))
    config = write_config(tmp_path, sandbox.url, ["a", "b"])
    service = _started(config)
    try:
        assert post_lead(service.url).json()["sold_to"] == "a-acct"
        account = config / "accounts/a.yaml"
        account.write_text(account.read_text() + "enabled: false\n")
        service.signal(signal.SIGHUP)
        _wait_for(lambda: service.saw("reloaded"))
        assert post_lead(service.url).json()["sold_to"] == "b-acct"
        account.write_text(account.read_text() + "priority: lots\n")
        service.signal(signal.SIGHUP)
        _wait_for(lambda: service.saw("reload_refused"))
        assert post_lead(service.url).json()["sold_to"] == "b-acct"
    finally:
        service.signal(signal.SIGTERM)
        assert service.finish() == 0
    refused = next(e for e in service.events() if e["event"] == "reload_refused")
    assert any("accounts/a.yaml:5:11" in p for p in refused["problems"])


def _pingpost(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "pingpost", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, **ENV})  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_an_unreachable_store_is_refused_before_listening(tmp_path: Path) -> None:
    config = write_config(tmp_path / "configs", "http://127.0.0.1:9", ["a"])
    code, stderr = _refused(["-c", str(config), "--store", "postgresql://nobody@127.0.0.1:9/x"])
    assert code == 2 and "Traceback" not in stderr
    assert "store unavailable: postgresql://nobody@127.0.0.1:9/x" in stderr
    assert "--no-store runs without one" in stderr and "listening" not in stderr


def test_a_store_from_a_newer_pingpost_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path / "configs", "http://127.0.0.1:9", ["a"])
    path = tmp_path / "store.db"
    assert _pingpost("store", "migrate", "--store", f"sqlite:///{path}")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    code, stderr = _refused(["-c", str(config), "--store", f"sqlite:///{path}"])
    assert code == 2 and "has schema version 99, newer than this pingpost" in stderr
    assert "upgrade pingpost" in stderr


def test_no_store_serves_and_writes_nothing(buyers: Callable[..., Sandbox], tmp_path: Path) -> None:
    sandbox = buyers(buyer("a"))
    config = write_config(tmp_path / "configs", sandbox.url, ["a"])
    service = _started(config, "--no-store")
    key = {"Idempotency-Key": "k-1"}
    try:
        first, again = post_lead(service.url, headers=key), post_lead(service.url, headers=key)
    finally:
        service.signal(signal.SIGTERM)
        assert service.finish() == 0
    assert first.status == again.status == 201 and first.body == again.body  # in process
    listening = next(e for e in service.events() if e["event"] == "listening")
    assert listening.get("store") is None  # no store: none named
    assert any("--no-store" in str(e.get("message")) for e in service.events())
    assert not (tmp_path / ".pingpost").exists()


def test_no_store_refuses_controls_that_need_one(tmp_path: Path) -> None:
    config = write_config(tmp_path / "configs", "http://127.0.0.1:9", ["a"])
    account = config / "accounts/a.yaml"
    account.write_text(account.read_text() + "caps:\n  - {per: day, leads: 5}\n")
    code, stderr = _refused(["-c", str(config), "--no-store"])
    assert code == 2 and "need a store" in stderr and "caps on delivery_account `a-acct`" in stderr


def _refused(args: list[str]) -> tuple[int, str]:
    done = run_to_end(args, ENV)
    return done.returncode, done.stderr


def test_an_invalid_config_is_refused_with_located_errors(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9", ["a"])
    method = config / "methods/a.yaml"
    method.write_text(method.read_text().replace("timeout: 2.0", "timout: 2.0"))
    code, stderr = _refused(["-c", str(config)])
    assert code == 2
    assert "invalid config" in stderr
    assert "methods/a.yaml:6:3: unknown key `timout`" in stderr
    assert "Traceback" not in stderr


def test_no_source_is_refused_with_the_way_out(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9", ["a"], sources=None)
    code, stderr = _refused(["-c", str(config)])
    assert code == 2
    assert "declares no lead source" in stderr and "--insecure-no-auth" in stderr


def test_a_port_in_use_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9", ["a"])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, stderr = _refused(["-c", str(config), "--port", str(port)])
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}: the address is in use" in stderr
    assert "--port" in stderr


def test_the_log_is_json_lines_without_secrets_or_pii(
    buyers: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sandbox = buyers(buyer("a"))
    config = write_config(tmp_path, sandbox.url, ["a"])
    service = _started(config)
    try:
        post_lead(service.url, query="?lead_type=auto&secret=query-value")
        post_lead(service.url, {"FirstName": "Grace", "Zip": "bad-zip"})
        post_lead(service.url, key="wrong-key-0123456789")
        call(f"{service.url}/healthz")
    finally:
        service.signal(signal.SIGTERM)
        assert service.finish() == 0
    text = "".join(service.lines)
    for secret in (KEY, "wrong-key-0123456789", "query-value", "Grace", "Ada", "4155550142",
                   "bad-zip", "ada@example.com"):  # fmt: skip
        assert secret not in text
    requests = [e for e in service.events() if e["event"] == "request"]
    assert [e["status"] for e in requests] == [201, 422, 401]  # probes are not logged
    sold = requests[0]
    assert set(sold) == {"time", "event", "method", "path", "status", "duration_ms", "source",
                         "lead_type", "auction_id", "result"}  # fmt: skip
    assert sold["path"] == "/v1/leads" and sold["result"] == "sold"
