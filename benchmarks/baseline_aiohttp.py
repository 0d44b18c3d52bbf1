"""Baseline: the benchmark's HTTP exchanges with bare aiohttp and no pingpost logic.

For each lead: 10 pings at once (JSON, one per buyer), then one post (JSON,
carrying the ping token) to the highest bidder; at most CONCURRENCY leads in
flight. What pingpost adds on top (rendering, interpreting, ranking, deadlines,
limits, the trace data) is the difference between this and `pingpost deliver`.

    python benchmarks/baseline_aiohttp.py LEADS.jsonl --url http://127.0.0.1:8799 [--concurrency 50]

Runs on uvloop when it is installed (`--loop asyncio`: asyncio's own loop). Prints one
JSON line: {"leads": N, "sold": N, "elapsed_s": ..., "leads_per_s": ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from decimal import Decimal
from typing import Any

import aiohttp

BUYERS = [f"b{i:02d}" for i in range(1, 11)]
HEADERS = {"X-Api-Key": "bench-key", "Content-Type": "application/json"}


async def ping(
    session: aiohttp.ClientSession, url: str, lead: dict[str, Any], buyer: str
) -> tuple[Any, float]:
    """The buyer's bid (price, token, buyer, body) or None, and the exchange's latency in
    ms (request sent to body read: two clock reads, which the overhead figure needs)."""
    body = {
        "source": f"{buyer}-src",
        "postalCode": lead["ZipCode"],
        "state": lead["State"],
        "age": lead.get("Age"),
    }
    timeout = aiohttp.ClientTimeout(total=1.0)
    data = json.dumps(body)
    started = time.monotonic()
    try:
        async with session.post(
            f"{url}/{buyer}/ping", data=data, headers=HEADERS, timeout=timeout
        ) as response:
            raw = await response.read()
        latency = (time.monotonic() - started) * 1000
        answer = json.loads(raw)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None, (time.monotonic() - started) * 1000
    if answer.get("status") != "success":
        return None, latency
    return (Decimal(str(answer["price"])), answer["pingToken"], buyer, body), latency


async def deliver(
    session: aiohttp.ClientSession, url: str, lead: dict[str, Any]
) -> tuple[bool, float, float]:
    """One lead: its pings at once, then a post to the best bid. Sold?, the slowest ping's
    latency and the post's, in ms (0 without a post)."""
    pings = await asyncio.gather(*(ping(session, url, lead, buyer) for buyer in BUYERS))
    slowest = max(ms for _, ms in pings)
    valid = [bid for bid, _ in pings if bid is not None]
    if not valid:
        return False, slowest, 0.0
    sold, post_ms = await post(session, url, lead, max(valid, key=lambda b: b[0]))
    return sold, slowest, post_ms


async def overhead(session: aiohttp.ClientSession, url: str, lead: dict[str, Any]) -> float:
    """One lead's wall time in ms not spent waiting for buyers (wall - slowest ping - post),
    as benchmarks/bench_engine.py measures pingpost's."""
    started = time.monotonic()
    _, slowest, post_ms = await deliver(session, url, lead)
    return (time.monotonic() - started) * 1000 - slowest - post_ms


async def post(
    session: aiohttp.ClientSession, url: str, lead: dict[str, Any], best: Any
) -> tuple[bool, float]:
    """The post to the best bidder: sold?, and its latency in ms."""
    _, token, buyer, body = best
    fields = {
        **body,
        "pingToken": token,
        "firstName": lead["FirstName"],
        "lastName": lead["LastName"],
        "phone": lead["Phone"],
        "email": lead.get("Email"),
    }
    timeout = aiohttp.ClientTimeout(total=2.0)
    data = json.dumps(fields)
    started = time.monotonic()
    try:
        async with session.post(
            f"{url}/{buyer}/post", data=data, headers=HEADERS, timeout=timeout
        ) as response:
            raw = await response.read()
        latency = (time.monotonic() - started) * 1000
        answer = json.loads(raw)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return False, (time.monotonic() - started) * 1000
    return bool(answer.get("status") == "success"), latency


async def main(path: str, url: str, concurrency: int) -> dict[str, Any]:
    started = time.monotonic()
    slots = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=0)
    sold = 0
    leads = 0

    async def one(line: str) -> None:
        nonlocal sold
        try:
            ok, _, _ = await deliver(session, url, json.loads(line))
            sold += ok  # not `sold += await ...`: that reads `sold` before the await
        finally:
            slots.release()

    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = set()
        with open(path) as lines:
            for line in lines:
                await slots.acquire()
                leads += 1
                task = asyncio.create_task(one(line))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    return {"leads": leads, "sold": sold, "elapsed_s": elapsed, "leads_per_s": leads / elapsed}


def loop_factory(name: str) -> Any:
    """uvloop when installed (the fastest loop a plain client can use, and the one
    pingpost's commands run on), unless `--loop asyncio`."""
    if name == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("leads")
    parser.add_argument("--url", default="http://127.0.0.1:8799")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    args = parser.parse_args()
    with asyncio.Runner(loop_factory=loop_factory(args.loop)) as runner:
        print(json.dumps(runner.run(main(args.leads, args.url, args.concurrency))))
