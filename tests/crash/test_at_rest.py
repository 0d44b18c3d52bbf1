"""What a real batch leaves in the store (SQLite files and rows, PostgreSQL rows): no
secret (P12 at rest), the lead as received, and the source's own lead ids (the lead
type's `id_field`) as auction ids and in the idempotency keys."""

from __future__ import annotations

import asyncio
import json

import pytest

from pingpost.store.grep import find_text

from .market import Market, base_ref, write_leads

CANARY = "canary-secret-4f9e1d"  # every method's bearer token (tests/crash/market.py)


def deliver_and_check(market: Market) -> None:
    leads = write_leads(market.configs.parent / "leads.jsonl", 12)
    deliver = ("deliver", str(leads), "--json", "--concurrency", "4")
    crashed = market.pingpost(*deliver, crash="post_in_flight:6")  # an intent left open too
    assert crashed.code == -9, crashed.err
    done = market.pingpost(*deliver)
    assert done.code == 1 and "in_doubt" in {d["result"] for d in done.documents}, done.out
    assert market.pingpost("deliver", str(leads), "--json", "--show-pii").code == 1

    assert asyncio.run(find_text(market.store, CANARY)) == []  # not in a file, row or document
    # what must be there is found: the lead as received, its id, its idempotency key
    assert asyncio.run(find_text(market.store, "4155550007")) != []
    logged = market.logged()
    assert {base_ref(a) for a in logged} == {f"R{i}" for i in range(1, 13)}  # not new uuids
    # a lead the kill cut off between a rejection and its next post (nothing open, nothing
    # sold) is auctioned again by the rerun, as `R4~2` (W3): its first auction stays open
    for again in (a for a in logged if a != base_ref(a)):
        assert logged[base_ref(again)]["result"] == "interrupted", again
    by_beta = [  # leads beta answered whose auction is finished (a document in the log)
        e["lead"]
        for e in market.sandbox.ledger(phase="post", buyer="beta")
        if logged[e["lead"]]["result"] in ("sold", "unsold")
    ]
    assert by_beta, "beta was posted to no lead: its idempotency key is untested"
    shown = market.cli("log", "show", by_beta[0], "--json")
    doc = json.loads(shown.out)
    beta = next(a for a in doc["accounts"] if a["account"] == "beta-main")
    headers = beta["post"]["request"]["headers"]
    assert headers["Idempotency-Key"] == f"{by_beta[0]}:beta-main"
    assert headers["Authorization"] == "Bearer ****"
    assert asyncio.run(find_text(market.store, f"{by_beta[0]}:beta-main")) != []


@pytest.mark.slow
def test_nothing_secret_at_rest_in_sqlite(market: Market) -> None:
    deliver_and_check(market)
    raw = b"".join(p.read_bytes() for p in market.configs.parent.glob("store.db*"))
    assert raw and CANARY.encode() not in raw


@pytest.mark.slow
def test_nothing_secret_at_rest_in_postgresql(pg_market: Market) -> None:
    deliver_and_check(pg_market)
