"""In-process measurements of the engine against the sandbox process (used by run.py).

- overhead: per lead, the auction's wall time minus its slowest ping and its posts;
- deadline: rounds with one buyer that never answers;
- batch: `run_batch` throughput without the CLI (and, with `profile=True`, where time goes).
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import dataclasses
import io
import os
import pstats
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from harness import CONFIGS, URL_VARIABLE

from pingpost.auction import AuctionResult, BatchStats, run_auction, run_batch
from pingpost.auction.setup import delivery_for
from pingpost.config import Config, load_config
from pingpost.leads import coerce_lead
from pingpost.store.api import Store
from pingpost.store.backends import store_for_url
from pingpost.transport import HttpTransport

try:  # the commands' event loop (uvloop where installed); older checkouts: asyncio's
    from pingpost.runloop import run
except ImportError:  # pragma: no cover
    run = asyncio.run


def bench_config(url: str) -> Config:
    os.environ[URL_VARIABLE] = url
    return load_config(CONFIGS)


def overhead_ms(result: AuctionResult) -> float:
    """Wall time not spent waiting for buyers: duration - slowest ping - posts."""
    pings = [a.ping.latency_ms for a in result.accounts if a.ping and a.ping.response]
    posts = [a.post.latency_ms for a in result.accounts if a.post and a.post.response]
    return result.duration_ms - max(pings, default=0.0) - sum(posts)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


@contextlib.asynccontextmanager
async def fresh_store() -> AsyncIterator[Store]:
    """An SQLite store in a new temporary directory, open (the default backend)."""
    with tempfile.TemporaryDirectory(prefix="pingpost-bench-") as tmp:
        store = store_for_url(f"sqlite:///{Path(tmp) / 'store.db'}")
        await store.open()
        try:
            yield store
        finally:
            await store.close()


# the store's writes inside an auction's measured window: the post intent (W1), before
# the post, and a post's outcome written alone (W2: only when another post follows; the
# answer that ends the auction goes in the result's commit, after the window); each
# waits for its commit (an fsync)
TIMED_WRITES = ("post_intent", "post_outcome")


# where an auction's overhead falls (one at a time, p50 of the auctions with a post)
STEPS = ("to_last_ping_ms", "last_answer_to_post_ms", "post_answer_to_end_ms")


async def _overhead(
    url: str, lines: list[str], warmup: int, with_store: bool
) -> tuple[list[AuctionResult], dict[str, list[float]]]:
    config = bench_config(url)
    lead_type = config.lead_type()
    leads = [coerce_lead(_json(line), lead_type) for line in lines]
    results = []
    timings: dict[str, list[float]] = {name: [] for name in (*TIMED_WRITES, *STEPS)}
    stored = fresh_store() if with_store else contextlib.nullcontext(None)
    async with stored as store, HttpTransport.for_config(config) as transport:
        if store is not None:
            _time_writes(store, timings)
        events = _time_sends(transport)
        for i, lead in enumerate(leads):
            if i == warmup:
                for kept in timings.values():
                    kept.clear()
            events.clear()
            started = time.monotonic()
            result = await run_auction(lead, config, transport=transport, store=store)
            if i >= warmup:
                results.append(result)
                _steps(events, started, time.monotonic(), timings)
    return results, timings


def _time_sends(transport: HttpTransport) -> list[tuple[str, str, float]]:
    """Note when each exchange of `transport` starts and ends: (start|end, phase, time).
    The wrapper's own cost (a coroutine and two clock reads per exchange) counts in
    pingpost's overhead, not the baseline's: the comparison errs against pingpost."""
    events: list[tuple[str, str, float]] = []
    send = transport.send

    async def timed(request: Any, options: Any) -> Any:
        events.append(("start", options.phase, time.monotonic()))
        try:
            return await send(request, options)
        finally:
            events.append(("end", options.phase, time.monotonic()))

    transport.send = timed  # type: ignore[method-assign]
    return events


def _steps(
    events: list[tuple[str, str, float]], started: float, ended: float, into: dict[str, Any]
) -> None:
    """One auction's STEPS: start to its last ping sent, its last ping answer to its post
    sent, its post's answer to the result returned (auctions without one post: none)."""
    pings = [(kind, at) for kind, phase, at in events if phase == "ping"]
    posts = [(kind, at) for kind, phase, at in events if phase == "post"]
    if not pings or [kind for kind, _ in posts] != ["start", "end"]:
        return
    into["to_last_ping_ms"].append((max(at for k, at in pings if k == "start") - started) * 1e3)
    last_answer = max(at for kind, at in pings if kind == "end")
    into["last_answer_to_post_ms"].append((posts[0][1] - last_answer) * 1e3)
    into["post_answer_to_end_ms"].append((ended - posts[1][1]) * 1e3)


def _time_writes(store: Store, waits: dict[str, list[float]]) -> None:
    """Wrap the store's TIMED_WRITES to note how long each call waits (ms)."""
    for name in TIMED_WRITES:
        write = getattr(store, name)

        async def timed(*args: Any, _write: Any = write, _name: str = name, **kw: Any) -> Any:
            started = time.monotonic()
            try:
                return await _write(*args, **kw)
            finally:
                waits[_name].append((time.monotonic() - started) * 1000)

        setattr(store, name, timed)


def commit_floor(commits: int = 200) -> dict[str, float]:
    """A bare SQLite commit of one small row, as the store commits (WAL,
    `synchronous=FULL`), in a temporary file beside the benchmark's stores: the disk's
    fsync, the floor of every store write an auction waits for."""
    import sqlite3

    times = []
    with tempfile.TemporaryDirectory(prefix="pingpost-bench-") as tmp:
        db = sqlite3.connect(Path(tmp) / "floor.db", isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
        for _ in range(commits):
            started = time.perf_counter()
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO t (body) VALUES (?)", (os.urandom(1500),))
            db.execute("COMMIT")
            times.append((time.perf_counter() - started) * 1000)
        db.close()
    return {"p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99)}


def overhead_bare(url: str, leads_file: Path, count: int = 300, warmup: int = 30) -> dict[str, Any]:
    """The same figure for the bare aiohttp client (baseline_aiohttp.py), one lead at a time
    on the same loop: what a plain client spends beyond its buyers, the floor pingpost's
    overhead is held against."""
    import aiohttp
    import baseline_aiohttp

    leads = [_json(line) for line in leads_file.read_text().splitlines()[: count + warmup]]

    async def main() -> list[float]:
        costs = []
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            for i, lead in enumerate(leads):
                cost = await baseline_aiohttp.overhead(session, url, lead)
                if i >= warmup:
                    costs.append(cost)
        return costs

    costs = run(main())
    return {
        "auctions": len(costs),
        "p50_ms": percentile(costs, 50),
        "p99_ms": percentile(costs, 99),
    }


def overhead(
    url: str, leads_file: Path, count: int = 300, warmup: int = 30, with_store: bool = True
) -> dict[str, Any]:
    """Auctions one at a time, so nothing else shares the loop: the engine's own cost."""
    lines = leads_file.read_text().splitlines()[: count + warmup]
    results, timings = run(_overhead(url, lines, warmup, with_store))
    costs = [overhead_ms(r) for r in results]
    figures = {
        "auctions": len(results),
        "sold": sum(r.result == "sold" for r in results),
        "p50_ms": percentile(costs, 50),
        "p99_ms": percentile(costs, 99),
        "max_ms": max(costs),
        "auction_p50_ms": percentile([r.duration_ms for r in results], 50),
    }
    figures["steps_p50_ms"] = {name: percentile(timings[name], 50) for name in STEPS}
    if with_store:  # what the store's commits in the window cost, and the disk's floor
        figures["waits"] = {
            name: {
                "count": len(kept),
                "p50_ms": percentile(kept, 50) if kept else None,
                "p99_ms": percentile(kept, 99) if kept else None,
            }
            for name, kept in timings.items()
            if name in TIMED_WRITES
        }
        figures["commit_floor"] = commit_floor()
    return figures


async def _batch(
    config: Config, lines: list[str], concurrency: int
) -> tuple[BatchStats, list[float]]:
    stats = BatchStats()
    costs: list[float] = []
    async with fresh_store() as store, _transport(config, concurrency) as transport:
        batch = run_batch(
            lines, config, config.lead_type(), transport=transport, concurrency=concurrency,
            delivery=delivery_for(config, store),
        )  # fmt: skip
        async for item in batch:
            stats.add(item)
            if item.result is not None:
                costs.append(overhead_ms(item.result))
    return stats, costs


def batch(
    url: str, leads_file: Path, concurrency: int = 50, profile: bool = False
) -> dict[str, Any]:
    """`run_batch` in this process: throughput without process start-up or output."""
    config = bench_config(url)
    lines = leads_file.read_text().splitlines()
    # CPU time, not wall time: on a busy machine a wall-clock profile counts the waits
    profiler = cProfile.Profile(time.process_time) if profile else None
    started = time.monotonic()
    if profiler:
        profiler.enable()
    stats, costs = run(_batch(config, lines, concurrency))
    if profiler:
        profiler.disable()
    elapsed = time.monotonic() - started
    figures: dict[str, Any] = {
        "leads": stats.leads,
        "sold": stats.sold,
        "elapsed_s": elapsed,
        "leads_per_s": stats.leads / elapsed,
        "auction_p50_ms": stats.p50_ms,
        "auction_p99_ms": stats.p99_ms,
        "overhead_under_load_p50_ms": percentile(costs, 50),
        "overhead_under_load_p99_ms": percentile(costs, 99),
    }
    if profiler:
        figures["profile"] = profile_report(profiler)
    return figures


def deadline(
    url: str,
    leads_file: Path,
    auctions: int = 100,
    concurrency: int = 10,
    ping_deadline: float = 0.5,
) -> dict[str, Any]:
    """Rounds with the never-answering `hang` buyer added: how late does each round end?"""
    base = bench_config(url)
    template = base.methods["b01"]
    hang = template.model_copy(
        update={
            "name": "hang",
            "ping": template.ping.model_copy(update={"url": f"{url}/hang/ping", "timeout": None}),
            "post": template.post.model_copy(update={"url": f"{url}/hang/post"}),
        }
    )
    account = base.accounts["b01-main"].model_copy(update={"name": "hang-main", "method": "hang"})
    auction = base.settings.auction.model_copy(update={"ping_deadline": ping_deadline})
    config = dataclasses.replace(
        base,
        methods={**base.methods, "hang": hang},
        accounts={**base.accounts, "hang-main": account},
        settings=base.settings.model_copy(update={"auction": auction}),
    )
    lines = leads_file.read_text().splitlines()[:auctions]
    rounds: list[float] = []

    async def main() -> None:
        async with fresh_store() as store, _transport(config, concurrency) as transport:
            batch = run_batch(
                lines, config, config.lead_type(), transport=transport, concurrency=concurrency,
                delivery=delivery_for(config, store),
            )  # fmt: skip
            async for item in batch:
                assert item.result is not None
                statuses = {a.account: a.status for a in item.result.accounts}
                assert statuses["hang-main"] == "error", statuses
                rounds.append(item.result.ping_round_ms)

    run(main())
    return {
        "auctions": len(rounds),
        "ping_deadline_ms": ping_deadline * 1000,
        "round_p50_ms": percentile(rounds, 50),
        "round_max_ms": max(rounds),
        "late_max_ms": max(rounds) - ping_deadline * 1000,
    }


def profile_report(profiler: cProfile.Profile, top: int = 25) -> dict[str, Any]:
    """Own time per area (pingpost module, aiohttp, asyncio, ...) and the top functions."""
    stats = pstats.Stats(profiler)
    areas: dict[str, float] = defaultdict(float)
    total = 0.0
    for (file, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        areas[_area(file)] += tottime
        total += tottime
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(top)
    return {
        "total_s": total,
        "by_area": {
            k: round(v / total, 3) for k, v in sorted(areas.items(), key=lambda kv: -kv[1])
        },
        "top": text.getvalue(),
    }


def _area(file: str) -> str:
    path = file.replace("\\", "/")
    if "/pingpost/" in path:
        parts = path.split("/pingpost/", 1)[1].split("/")
        return "pingpost." + (parts[0].removesuffix(".py"))
    for name in (
        "aiohttp",
        "asyncio",
        "jinja2",
        "jmespath",
        "pydantic",
        "yarl",
        "multidict",
        "json",
        "decimal",
        "uuid",
        "selectors",
        "ssl",
    ):
        if f"/{name}/" in path or path.endswith(f"/{name}.py"):
            return name
    if path.startswith("~") or path.startswith("<"):
        return "builtins"
    return "other"


def _transport(config: Config, concurrency: int) -> HttpTransport:
    try:
        return HttpTransport.for_config(config, concurrency=concurrency)
    except TypeError:  # an older checkout: limits from the config alone
        return HttpTransport.for_config(config)


def _json(line: str) -> Any:
    import json

    return json.loads(line)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
