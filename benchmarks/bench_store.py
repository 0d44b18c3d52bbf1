"""The store's costs, per backend, on the delivery log's real write pattern.

    python benchmarks/bench_store.py [--leads 2000] [--log 100000] [--size 10000]
                                     [--postgres postgresql://postgres@127.0.0.1:5432/test]
                                     [--only cpu,group,queries,size] [--rounds 3]
                                     [--backends sqlite,postgresql]

1. cpu      CPU per lead spent in the store: per lead, as the engine calls it, `prior`,
            `post_intent` (two cap claims), `post_outcome` (sold), `finish` (a real
            ~13 KB JSON result document, varied per lead, and 10 account lines), from 50
            concurrent tasks. The memory store is the baseline (the same calls, no I/O).
            Process CPU, threads included; PostgreSQL's own CPU is not in it.
2. group    SQLite's group commit: leads/s and commits per lead, 50 concurrent tasks,
            against the same run with one commit per op.
3. queries  `log` and `stats` over --log finished auctions (10 account lines each,
            spread over 7 days): best of 3 per query, SQLite and PostgreSQL.
4. size     the on-disk size of a --size-lead log with real documents.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from pingpost.store import Store
from pingpost.store.backends import open_store
from pingpost.store.records import (
    AccountLine,
    AuctionRecord,
    CapClaim,
    LeadRecord,
    LogQuery,
    PostIntent,
    PostOutcome,
)
from pingpost.store.sqlite import threads

HERE = Path(__file__).resolve().parent
TEMPLATE = (HERE / "fixtures" / "result_document.json").read_text()
ACCOUNTS = [f"buyer-{i}" for i in range(10)]
CONCURRENCY = 50
T0 = 1_800_000_000.0
DAYS = 7


def document(rng: random.Random) -> bytes:
    """The captured result document with every digit run and token made new."""

    def digits(m: re.Match[str]) -> str:  # no leading zero: the JSON stays valid
        return "".join(
            rng.choice("123456789" if i == 0 else "0123456789") for i in range(len(m[0]))
        )

    text = re.sub(r"\d+", digits, TEMPLATE)
    text = re.sub(r'"[A-Za-z0-9]{24,}"', lambda m: f'"{uuid.uuid4().hex}"', text)
    return text.encode()


def lead(n: int, at: float, rng: random.Random) -> LeadRecord:
    fields = {
        "FirstName": rng.choice(["Ada", "Grace", "Alan", "Edsger"]),
        "LastName": rng.choice(["Lovelace", "Hopper", "Turing"]),
        "Phone": f"({rng.randint(201, 989)}) 555-{rng.randint(0, 9999):04d}",
        "Email": f"lead{n}@example.com",
        "ZipCode": f"{rng.randint(10000, 99999)}",
        "State": "CA",
        "Age": rng.randint(18, 80),
    }
    return LeadRecord(
        f"L{n}-{uuid.uuid4().hex[:8]}",
        uuid.uuid4().hex,
        "auto",
        json.dumps(fields),
        at,
        "bench.jsonl",
        run=uuid.uuid4().hex,  # as the engine writes: its run owns it, W3 found nothing
        follows="",
    )


def lines(rng: random.Random, winner: str, price: Decimal) -> tuple[AccountLine, ...]:
    out = []
    for account in ACCOUNTS:
        if account == winner:
            out.append(AccountLine(account, "sold", price, rng.uniform(20, 300), 90.0, None, price))
        elif rng.random() < 0.15:
            out.append(AccountLine(account, "error", None, 1000.0, None, "timeout"))
        else:
            bid = Decimal(f"{rng.uniform(1, float(price)):.2f}")
            out.append(AccountLine(account, "outbid", bid, rng.uniform(20, 300)))
    return tuple(out)


async def one_lead(store: Store, n: int, at: float, rng: random.Random, doc: bytes) -> None:
    record_lead = lead(n, at, rng)
    winner, price = rng.choice(ACCOUNTS), Decimal(f"{rng.uniform(5, 40):.2f}")
    claims = (
        CapClaim("day:2027-01-15", leads=10**9),
        CapClaim("month:2027-01", spend=Decimal(10**9)),
    )
    await store.prior(record_lead.lead_key)
    intent = PostIntent(record_lead.auction_id, winner, 1, price, at + 1, None, claims)
    await store.post_intent(record_lead, intent)
    await store.post_outcome(
        PostOutcome(record_lead.auction_id, winner, 1, "sold", at + 1.1, price)
    )
    record = AuctionRecord(
        record_lead,
        "sold",
        at + 1.2,
        1200.0,
        winner,
        price,
        price,
        None,
        lines(rng, winner, price),
        doc,
    )
    await store.finish(record)


async def drive(store: Store, count: int, docs: list[bytes], spread: float = 0.0) -> float:
    """Run `count` leads from CONCURRENCY tasks; wall seconds."""
    rng = random.Random(7)
    queue = list(range(count))

    async def worker() -> None:
        while queue:
            n = queue.pop()
            at = T0 + (n * spread / count if spread else n * 0.01)
            await one_lead(store, n, at, rng, docs[n % len(docs)])

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return time.perf_counter() - start


async def timed(fn: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    """CPU seconds (this process, every thread) and the result."""
    cpu = time.process_time()
    result = await fn()
    return time.process_time() - cpu, result


async def cpu_per_lead(urls: dict[str, str], count: int, docs: list[bytes], rounds: int) -> None:
    print(
        f"\n1. CPU per lead in the store ({count} leads, {CONCURRENCY} concurrent tasks, "
        f"best of {rounds} rounds)"
    )
    best: dict[str, tuple[float, float]] = {}
    for _ in range(rounds):  # backends alternate, so that the machine's load hits them alike
        for name, url in urls.items():
            store = await open_store(url)
            await drive(store, 200, docs)  # warm up: statement caches, pool, pages
            cpu, wall = await timed(lambda s=store: drive(s, count, docs))
            cpu_close, _ = await timed(store.close)  # the last fold is the run's too
            per_lead = (cpu + cpu_close) / count * 1e6
            old = best.get(name, (float("inf"), 0.0))
            best[name] = (min(old[0], per_lead), max(old[1], count / wall))
    base = best["memory"][0]
    print(f"{'backend':12} {'CPU us/lead':>12} {'store us/lead':>14} {'leads/s':>9}")
    for name, (per_lead, rate) in best.items():
        print(f"{name:12} {per_lead:12.0f} {per_lead - base:14.0f} {rate:9.0f}")


async def group_commit(url: str, count: int, docs: list[bytes]) -> None:
    print(
        f"\n2. SQLite group commit ({count} leads, {CONCURRENCY} concurrent tasks, 3 writes each)"
    )
    print(f"{'writer':24} {'leads/s':>9} {'commits/lead':>13}")
    results = {}
    for label, group in (("one commit per op", 1), ("group commit", threads.MAX_GROUP)):
        saved, threads.MAX_GROUP = threads.MAX_GROUP, group
        try:
            store = await open_store(url.replace(".db", f"-{group}.db"))
            writer = store._running_writer()  # type: ignore[attr-defined]
            before = writer.groups
            wall = await drive(store, count, docs)
            commits = writer.groups - before
            await store.close()
        finally:
            threads.MAX_GROUP = saved
        results[label] = count / wall
        print(f"{label:24} {count / wall:9.0f} {commits / count:13.2f}")
    ratio = results["group commit"] / results["one commit per op"]
    print(f"{'ratio':24} {ratio:9.1f}x")


async def fill_fast(store: Store, count: int) -> None:
    """`count` finished auctions over DAYS days (small documents: the queries, not the size)."""
    rng = random.Random(11)
    queue = list(range(count))
    small = b'{"result": "sold"}'

    async def worker() -> None:
        while queue:
            n = queue.pop()
            at = T0 + n * DAYS * 86_400 / count
            record_lead = lead(n, at, rng)
            winner, price = rng.choice(ACCOUNTS), Decimal(f"{rng.uniform(5, 40):.2f}")
            result = "in_doubt" if n % 500 == 0 else "sold"
            await store.finish(
                AuctionRecord(
                    record_lead,
                    result,
                    at + 1,
                    900.0,
                    winner,
                    price,
                    price,
                    None,
                    lines(rng, winner, price),
                    small,
                )
            )

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


async def best(fn: Callable[[], Awaitable[Any]]) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(3):
        start = time.perf_counter()
        got = await fn()
        times.append(time.perf_counter() - start)
        size = len(got)
    return min(times) * 1000, size


async def queries(urls: dict[str, str], count: int) -> None:
    print(f"\n3. log and stats over {count:,} auctions (10 lines each, {DAYS} days), best of 3, ms")
    end = T0 + DAYS * 86_400
    checks: list[tuple[str, Callable[[Store], Awaitable[Any]]]] = [
        ("log (newest 50)", lambda s: s.log(LogQuery())),
        ("log --account buyer-3", lambda s: s.log(LogQuery(account="buyer-3"))),
        ("log --result in_doubt", lambda s: s.log(LogQuery(result="in_doubt"))),
        ("log --since 2h --limit 500", lambda s: s.log(LogQuery(since=end - 7200, limit=500))),
        ("log --lead-id", lambda s: s.log(LogQuery(lead_id="nope"))),
        ("stats --since 24h", lambda s: s.stats(end - 86_400 + 17.5, end)),
        ("stats --since 7d", lambda s: s.stats(T0 - 1, end + 60)),
        ("stats 3h, mid-minute edges", lambda s: s.stats(end - 3 * 3600 - 31.5, end - 29.25)),
        ("stats --by source, 7d", lambda s: s.stats(T0, end, by="source")),
        ("recover list (open auctions)", lambda s: s.open_auctions()),
    ]
    for name, url in urls.items():
        store = await open_store(url)
        start = time.perf_counter()
        await fill_fast(store, count)
        print(f"  {name}: filled in {time.perf_counter() - start:.0f} s")
        for label, check in checks:
            ms, rows = await best(lambda c=check, s=store: c(s))
            print(f"  {name:11} {label:30} {ms:8.1f} ms  ({rows} rows)")
        await store.close()


async def size(urls: dict[str, str], count: int, docs: list[bytes]) -> None:
    print(f"\n4. On-disk size of a {count:,}-lead log (real ~13 KB documents)")
    raw = sum(len(d) for d in docs) / len(docs)
    print(f"  document: {raw / 1024:.1f} KB of JSON on average")
    for name, url in urls.items():
        store = await open_store(url)
        await drive(store, count, docs)
        await store.close()
        store = await open_store(url)  # reopened: the WAL checkpointed into the file
        info = await store.info()
        await store.close()
        total = info.size_bytes or 0
        print(f"  {name:11} {total / 1e6:8.1f} MB  ({total / count / 1024:.1f} KB per lead)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leads", type=int, default=2000)
    parser.add_argument("--log", type=int, default=100_000)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "PINGPOST_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--only", default="cpu,group,queries,size")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql", help="for queries and size")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    rng = random.Random(3)
    docs = [document(rng) for _ in range(64)]
    work = Path(tempfile.mkdtemp(prefix="pingpost-bench-"))
    schemas: list[str] = []

    def urls(tag: str) -> dict[str, str]:
        schema = f"bench_{tag}_{uuid.uuid4().hex[:8]}"
        schemas.append(schema)
        return {
            "memory": "memory:",
            "sqlite": f"sqlite:///{work / f'{tag}.db'}",
            "postgresql": f"{args.postgres}?schema={schema}",
        }

    try:
        if "cpu" in parts:
            await cpu_per_lead(urls("cpu"), args.leads, docs, args.rounds)
        if "group" in parts:
            await group_commit(urls("group")["sqlite"], args.leads, docs)
        if "queries" in parts:
            u = urls("queries")
            await queries({k: u[k] for k in args.backends.split(",")}, args.log)
        if "size" in parts:
            u = urls("size")
            await size({k: u[k] for k in args.backends.split(",")}, args.size, docs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        await drop(args.postgres, schemas)


async def drop(url: str, schemas: list[str]) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        for schema in schemas:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
