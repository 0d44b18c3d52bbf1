"""An instance that dies mid-auction (SIGKILL) leaves its Idempotency-Key claimed and
unanswered. Until the claim is stale (`serve.idempotency_stale_after`) a retry on another
instance waits and is told the key is in use; after, one retry takes it over, and the
store's write-ahead decides: a post that may have left holds the lead in doubt (never a
second sale); a lead that was only pinged is auctioned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pingpost.sandbox import Sandbox
from pingpost.store.backends import store_for_url

from .helpers import ENV, ROOT, buyer, post_lead, problem_of, running_service, start_process
from .helpers import write_config as write_base

pytestmark = pytest.mark.slow
SETTINGS = """\
auction: {ping_deadline: 1, max_posts: 1}
serve: {idempotency_stale_after: 2s}
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("postgres_url"))


def _wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def _killed_during(sandbox: Sandbox, config: Path, url: str, phase: str) -> None:
    """An instance that takes the lead with key `k-1` and is SIGKILLed once the buyer has
    received its `phase` request (the buyer takes 600 ms to answer)."""
    dying = start_process(["-c", str(config), "--store", url], ENV)
    box: dict[str, Any] = {}

    def send() -> None:
        try:
            box["answer"] = post_lead(dying.url, headers={"Idempotency-Key": "k-1"})
        except OSError as exc:  # the connection dies with the process
            box["error"] = exc

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    _wait_for(lambda: bool(sandbox.ledger(phase=phase)))
    dying.signal(signal.SIGKILL)
    assert dying.finish() == -signal.SIGKILL
    sender.join(10)
    assert "answer" not in box  # it never answered


def test_a_dead_instance_s_post_holds_the_lead_in_doubt(
    buyers: Callable[..., Sandbox], tmp_path: Path, store_url: str
) -> None:
    sandbox = buyers(buyer("s", 10, latency_ms=600))
    config = write_base(tmp_path / "configs", sandbox.url, ["s"], settings=SETTINGS)
    _killed_during(sandbox, config, store_url, "post")
    with running_service(config, store=store_for_url(store_url)) as survivor:
        time.sleep(2.1)  # the claim is stale now
        taken = post_lead(survivor.url, headers={"Idempotency-Key": "k-1"})
        retried = post_lead(survivor.url, headers={"Idempotency-Key": "k-1"})
        assert survivor.events("idempotency_key_taken_over")
        # the operator learns from the buyer that the dead instance's post sold
        held_by = taken.json()["lead_id"]
        recovered = _recover(config, store_url, "--resolve", held_by, "--as", "sold")
        settled = post_lead(survivor.url, headers={"Idempotency-Key": "k-1"})
    assert taken.status == 202, taken.body
    document = taken.json()
    assert document["result"] == "in_doubt" and "pingpost recover" in document["reason"]
    assert document["earlier"]["auction_id"] == held_by  # the dead instance's auction
    assert retried.status == 202 and retried.body == taken.body
    assert retried.headers["idempotent-replayed"] == "true"
    assert recovered.returncode == 0, recovered.stderr
    assert settled.status == 201, settled.body
    assert (settled.json()["lead_id"], settled.json()["result"]) == (held_by, "sold")
    assert settled.json()["sold_to"] == "s-acct" and settled.json()["duration_ms"] is None
    assert len(sandbox.ledger(phase="post")) == 1  # never posted a second time


def _recover(config: Path, store_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pingpost", "recover", "-c", str(config), "--store", store_url]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, **ENV}, timeout=60,
    )  # fmt: skip


def test_a_dead_instance_s_key_waits_then_is_taken_over_and_auctioned(
    buyers: Callable[..., Sandbox], tmp_path: Path, store_url: str
) -> None:
    sandbox = buyers(buyer("s", 10, latency_ms=600))
    config = write_base(tmp_path / "configs", sandbox.url, ["s"], settings=SETTINGS,
                        timeout=0.8, post_timeout=0.8)  # fmt: skip
    _killed_during(sandbox, config, store_url, "ping")  # nothing durable: no post left
    with running_service(config, store=store_for_url(store_url)) as survivor:
        in_use = post_lead(survivor.url, headers={"Idempotency-Key": "k-1"})
        # that wait (about 3 s) has made the claim stale
        taken = post_lead(survivor.url, headers={"Idempotency-Key": "k-1"})
    # the claim was fresh: the retry waited for an answer (the longest auction) in vain
    problem_of(in_use, 409, "idempotency_key_in_use")
    assert in_use.headers["retry-after"] == "1"
    assert taken.status == 201 and taken.json()["result"] == "sold"
    assert len(sandbox.ledger(phase="post")) == 1
