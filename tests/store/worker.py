"""A second process for the store suite: `python worker.py URL SCENARIO NAME START_AT`.

Opens the store, waits until START_AT (Unix time) so that every worker starts
at once, runs the scenario, prints its result as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
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


async def main(url: str, scenario: str, name: str, start_at: float) -> None:
    await asyncio.sleep(max(0.0, start_at - time.time()))
    store = await open_store(url)  # opening races too: migrations take a lock
    try:
        result = await SCENARIOS[scenario](store, name)
    finally:
        await store.close()
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
