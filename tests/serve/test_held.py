"""A submission answered 202 (a post in doubt holds the lead) keeps its Idempotency-Key's
202 while the post is open; once `pingpost recover` records what the buyer said, a retry
with the key gets the settled result (201 sold, 200 unsold), still without a second
auction."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pingpost.sandbox import Sandbox
from pingpost.store.backends import store_for_url

from .helpers import ENV, ROOT, buyer, post_lead, running_service, write_config

KEY = {"Idempotency-Key": "order-7"}


@pytest.fixture
def held(buyers: Callable[..., Sandbox], tmp_path: Path) -> tuple[Sandbox, Path, str]:
    """A buyer whose post hangs past its 0.3 s timeout (in doubt), a config, a SQLite store."""
    sandbox = buyers(buyer("h", 10, faults={"post_hang": 1.0}, fault_phase="post"))
    config = write_config(tmp_path / "configs", sandbox.url, ["h"], post_timeout=0.3)
    return sandbox, config, f"sqlite:///{tmp_path / 'store.db'}"


def _recover(config: Path, store: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pingpost", "recover", "-c", str(config), "--store", store]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, **ENV}, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("settled_as", "status", "sold_to", "price"),
    [(["--as", "sold", "--price", "11.50"], 201, "h-acct", "11.50"),
     (["--as", "unsold"], 200, None, None)],
    ids=["sold", "unsold"],
)  # fmt: skip
def test_a_retry_after_recover_gets_the_settled_answer(
    held: tuple[Sandbox, Path, str],
    settled_as: list[str],
    status: int,
    sold_to: str | None,
    price: str | None,
) -> None:
    sandbox, config, store = held
    with running_service(config, store=store_for_url(store)) as service:
        first = post_lead(service.url, headers=KEY)
        still = post_lead(service.url, headers=KEY)
        auction_id = first.json()["lead_id"]
        recovered = _recover(config, store, "--resolve", auction_id, *settled_as)
        settled = post_lead(service.url, headers=KEY)
        again = post_lead(service.url, headers=KEY)
        logged = service.events("request")
    assert first.status == 202 and first.json()["result"] == "in_doubt"
    assert still.status == 202 and still.body == first.body  # open: the 202, byte for byte
    assert recovered.returncode == 0, recovered.stderr
    assert settled.status == status, settled.body
    assert settled.headers["idempotent-replayed"] == "true"
    document = settled.json()
    assert (document["lead_id"], document["result"]) == (
        auction_id,
        "sold" if sold_to else "unsold",
    )
    assert (document["sold_to"], document["price"]) == (sold_to, price)
    assert document["recovery"]["posts"][0]["account"] == "h-acct"  # what changed, as log show
    assert again.status == status and again.body == settled.body
    text = settled.body.decode()
    assert "Ada" not in text and "4155550142" not in text  # the lead's pii stays masked
    assert len(sandbox.ledger(phase="post")) == 1  # no second auction, no second post
    assert logged[-1]["result"] == document["result"] and logged[-1]["replayed"] is True
