"""A second process for the store suite: `python worker.py SCENARIO NAME`.

Prints `ready` once pingpost is imported, then for each store URL read from stdin
opens that store, runs the scenario and prints its result as one JSON line (or
`error: ...`), until stdin ends. The test writes each URL to every worker at once,
so that they open the store and run together.
"""

from __future__ import annotations

import asyncio
import json
import sys
from decimal import Decimal
from typing import Any

from pingpost.store.backends import open_store
from pingpost.store.records import CapClaim, KeyClaimed, LeadRecord, PostIntent


def _lead(name: str, n: int) -> LeadRecord:
    return LeadRecord(f"{name}-{n}", f"key-{name}-{n}", "auto", "{}", 1_800_000_000.0 + n)


async def caps(store: Any, name: str) -> Any:
    claim = CapClaim("day:2027-01-15", leads=10)

    async def one(n: int) -> bool:
        lead = _lead(name, n)
        intent = PostIntent(
            lead.auction_id, "acme", 1, Decimal("10"), lead.started_at, None, (claim,)
        )
        return await store.post_intent(lead, intent) is None

    return sum(await asyncio.gather(*(one(n) for n in range(25))))


async def spend(store: Any, name: str) -> Any:
    claim = CapClaim("month:2027-01", spend=Decimal("1.00"))

    async def one(n: int) -> bool:
        lead = _lead(name, n)
        intent = PostIntent(
            lead.auction_id, "acme", 1, Decimal("0.07"), lead.started_at, None, (claim,)
        )
        return await store.post_intent(lead, intent) is None

    return sum(await asyncio.gather(*(one(n) for n in range(25))))


async def dedupe(store: Any, name: str) -> Any:
    claims = await asyncio.gather(
        *(
            store.claim_lead("auto", "same", since=0.0, auction_id=f"{name}-{n}", at=1.8e9)
            for n in range(10)
        )
    )
    return sum(c is None for c in claims)


async def requests(store: Any, name: str) -> Any:
    claims = await asyncio.gather(
        *(store.claim_request("web", "idem", "h", at=1.8e9) for _ in range(10))
    )
    return sum(isinstance(c, KeyClaimed) for c in claims)


async def opened(store: Any, name: str) -> Any:
    return (await store.salt()).hex()


SCENARIOS = {f.__name__: f for f in (caps, spend, dedupe, requests, opened)}


async def run(url: str, scenario: str, name: str) -> None:
    store = await open_store(url)  # opening races too: a new store is created and migrated
    try:
        result = await SCENARIOS[scenario](store, name)
    finally:
        await store.close()
    print(json.dumps(result), flush=True)


def main(scenario: str, name: str) -> None:
    print("ready", flush=True)
    for line in sys.stdin:
        try:
            asyncio.run(run(line.strip(), scenario, name))
        except Exception as exc:  # the test shows it
            print(f"error: {type(exc).__name__}: {exc}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
