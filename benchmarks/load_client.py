"""The load generator of bench_serve.py, in its own process: keep-alive HTTP posts of leads.

    python benchmarks/load_client.py URL KEY LEADS.jsonl open --rate 200 --seconds 5
    python benchmarks/load_client.py URL KEY LEADS.jsonl closed --concurrency 50 --seconds 10

`open`: requests leave on a fixed schedule (i / rate), whatever the answers do, and
latency counts from the scheduled time (so a slow server cannot hide its queue by
slowing the client: no coordinated omission). `closed`: `concurrency` clients each
send the next lead as soon as the previous answer is in (saturation throughput).
Prints one JSON document: counts by status, achieved rate, latency percentiles (ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import deque
from itertools import cycle
from pathlib import Path
from typing import Any

import aiohttp


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


class Load:
    def __init__(self, url: str, key: str, leads: list[bytes]) -> None:
        self.target = f"{url}/v1/leads"
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.leads = cycle(leads)
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.failures = 0

    async def one(self, session: aiohttp.ClientSession, scheduled: float) -> None:
        try:
            async with session.post(self.target, data=next(self.leads), headers=self.headers) as r:
                await r.read()
                status = r.status
        except (aiohttp.ClientError, OSError, TimeoutError):
            self.failures += 1
            return
        self.latencies.append((time.monotonic() - scheduled) * 1000)
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def report(self, offered: float | None, seconds: float) -> dict[str, Any]:
        ok = sum(n for s, n in self.statuses.items() if 200 <= s < 300)
        lat = self.latencies
        return {
            "offered_per_s": offered,
            "seconds": round(seconds, 3),
            "answered": len(lat),
            "ok": ok,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "failures": self.failures,
            "ok_per_s": ok / seconds if seconds else 0.0,
            "p50_ms": percentile(lat, 50),
            "p90_ms": percentile(lat, 90),
            "p99_ms": percentile(lat, 99),
            "max_ms": max(lat, default=0.0),
        }


class _LastInFirstOut(aiohttp.TCPConnector):
    """Reuses the freshest idle connection, as pingpost's transport does, so that the
    client keeps the connections its load needs and the surplus of a burst idles out
    (aiohttp's own first-in first-out order keeps every connection of its busiest
    moment alive, and serve's descriptor count with them)."""

    def _release(self, key: Any, protocol: Any, *args: Any, **kwargs: Any) -> None:
        super()._release(key, protocol, *args, **kwargs)
        idle = self._conns.get(key)
        if isinstance(idle, deque) and idle and idle[-1][0] is protocol:
            idle.rotate(1)


def _session(connections: int) -> aiohttp.ClientSession:
    connector = _LastInFirstOut(limit=connections, limit_per_host=connections)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30))


async def open_loop(load: Load, rate: float, seconds: float, connections: int) -> dict[str, Any]:
    async with _session(connections) as session:
        tasks = []
        start = time.monotonic()
        total = int(rate * seconds)
        for i in range(total):
            scheduled = start + i / rate
            delay = scheduled - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(load.one(session, scheduled)))
        await asyncio.gather(*tasks)
        return load.report(rate, time.monotonic() - start)


async def closed_loop(load: Load, concurrency: int, seconds: float) -> dict[str, Any]:
    async with _session(concurrency) as session:
        start = time.monotonic()
        end = start + seconds

        async def client() -> None:
            while time.monotonic() < end:
                await load.one(session, time.monotonic())

        await asyncio.gather(*(client() for _ in range(concurrency)))
        return load.report(None, time.monotonic() - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("key")
    parser.add_argument("leads", type=Path)
    parser.add_argument("mode", choices=["open", "closed"])
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--connections", type=int, default=256)
    args = parser.parse_args()
    leads = [line.encode() for line in args.leads.read_text().splitlines() if line.strip()]
    load = Load(args.url, args.key, leads)
    if args.mode == "open":
        report = asyncio.run(open_loop(load, args.rate, args.seconds, args.connections))
    else:
        report = asyncio.run(closed_loop(load, args.concurrency, args.seconds))
    json.dump(report, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
