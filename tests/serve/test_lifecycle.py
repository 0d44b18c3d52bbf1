"""`pingpost serve` as a real process with real signals: SIGTERM finishes every auction in
flight (each answered) and exits 0; SIGHUP reloads; a config that cannot serve is refused
at start with validate's located errors."""

from __future__ import annotations

import signal
import socket
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
    buyers: Callable[..., Sandbox], tmp_path: Path
) -> None:
    sandbox = buyers(buyer("slow", 10, latency_ms=500))
    config = write_config(tmp_path, sandbox.url, ["slow"])
    service = _started(config)
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
