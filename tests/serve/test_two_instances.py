"""Two `pingpost serve` processes on one PostgreSQL store are one system: 200 leads across
both, a cap of 20 on the best buyer, exactly 20 sold to it, and no lead posted twice
(checked in the sandbox's ledger, which records what the buyers received); a duplicate
sent to the other instance is refused, an Idempotency-Key answered by one is replayed by
the other, and the one log holds every auction of both. (Round robin across instances:
test_store.py.)"""

from __future__ import annotations

import asyncio
import json
import signal
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pingpost.sandbox import Sandbox
from pingpost.store.backends import open_store
from pingpost.store.records import LogQuery

from .helpers import ENV, LEAD, buyer, post_lead, problem_of, start_process, write_config

pytestmark = pytest.mark.slow


def _leads(count: int) -> list[dict[str, str]]:
    """Distinct leads: each phone number is one lead, so the ledger tells them apart."""
    return [{**LEAD, "Phone": f"(415) 555-{i:04d}"} for i in range(count)]


def _phone(post_body: str) -> str:
    return str(json.loads(post_body)["phone"])


def test_two_instances_share_caps_and_never_post_a_lead_twice(
    buyers: Callable[..., Sandbox], tmp_path: Path, postgres_url: str
) -> None:
    sandbox = buyers(buyer("best", 20, latency_ms=5), buyer("next", 10, latency_ms=5))
    config = write_config(tmp_path / "configs", sandbox.url, ["best", "next"])
    account = config / "accounts/best.yaml"
    account.write_text(account.read_text() + "caps:\n  - {per: total, leads: 20}\n")
    lead_type = config / "lead_types/auto.yaml"
    lead_type.write_text(lead_type.read_text() + "dedupe: {fields: [Phone], within: 1d}\n")
    args = ["-c", str(config), "--store", postgres_url]
    one, two = start_process(args, ENV), start_process(args, ENV)
    leads = _leads(200)
    try:
        with ThreadPoolExecutor(16) as pool:
            urls = [(one if i % 2 else two).url for i in range(len(leads))]
            answers = list(
                pool.map(lambda pair: post_lead(pair[0], pair[1]), zip(urls, leads, strict=True))
            )
        duplicate = post_lead(one.url, leads[0])  # sold by `two`
        keyed = post_lead(one.url, _leads(201)[200], headers={"Idempotency-Key": "order-1"})
        replayed = post_lead(two.url, _leads(201)[200], headers={"Idempotency-Key": "order-1"})
        reused = post_lead(two.url, leads[1], headers={"Idempotency-Key": "order-1"})
    finally:
        for process in (one, two):
            process.signal(signal.SIGTERM)
        codes = [one.finish(), two.finish()]
    assert codes == [0, 0]
    assert [a.status for a in answers] == [201] * 200
    sold_to = Counter(a.json()["sold_to"] for a in answers)
    assert sold_to == {"best-acct": 20, "next-acct": 180}
    posts = sandbox.ledger(phase="post")
    received = Counter(_phone(p["body"]) for p in posts)
    # each lead posted once (the 200, and the keyed one once for its two requests)
    assert len(received) == 201 and set(received.values()) == {1}
    assert Counter(p["buyer"] for p in posts) == {"best": 20, "next": 181}
    assert all(p["outcome"] == "accepted" for p in posts)
    assert duplicate.status == 409 and duplicate.json()["result"] == "duplicate"
    assert keyed.status == replayed.status == 201 and keyed.body == replayed.body
    assert replayed.headers["idempotent-replayed"] == "true"
    problem_of(reused, 422, "idempotency_key_reused")
    logged = asyncio.run(_log(postgres_url))
    ids = {a.json()["lead_id"] for a in [*answers, duplicate, keyed]}
    assert {row.auction_id for row in logged} == ids and len(logged) == 202


async def _log(url: str) -> list[object]:
    store = await open_store(url)
    try:
        return list(await store.log(LogQuery(limit=1000)))
    finally:
        await store.close()
