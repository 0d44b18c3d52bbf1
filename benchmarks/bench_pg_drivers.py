"""asyncpg against psycopg 3 (+ psycopg-pool) on the delivery log's real write pattern.

Per lead, three transactions, as the PostgreSQL store writes them:
  post_intent   two conditional cap upserts, the auction, its lead, the post
  post_outcome  the post locked and settled, the caps adjusted, the last sale
  finish        the result, a ~12 KB JSON document (zlib, ~3 KB), 10 account lines,
                the stats rollups read FOR UPDATE and written back (33 rows)
from 50 concurrent tasks over one pool of 10 connections. Reported per driver:
leads/s and the client's CPU per lead (what a pingpost process pays; the
server runs the same SQL either way), best of --rounds alternating runs.

    python benchmarks/bench_pg_drivers.py [--url postgresql://postgres@127.0.0.1:5432/test]
                                          [--leads 2000] [--rounds 3]

Needs both drivers: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import time
import uuid
import zlib
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

# The tables this pattern writes, as the store first had them (kept here so that the
# measurement that chose the driver can be rerun as it was).
TABLES = """
CREATE TABLE auctions (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    auction_id text NOT NULL UNIQUE, lead_key text NOT NULL, lead_type text NOT NULL,
    source text, started_at double precision NOT NULL, result text,
    finished_at double precision, duration_ms double precision, sold_to text, price numeric,
    revenue numeric, reason text, open_posts integer NOT NULL DEFAULT 0);
CREATE INDEX ON auctions (lead_key);
CREATE INDEX ON auctions (started_at, auction_id);
CREATE TABLE bodies (auction bigint PRIMARY KEY, lead bytea NOT NULL, document bytea);
CREATE TABLE posts (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    auction bigint NOT NULL, account text NOT NULL, attempt integer NOT NULL,
    sent_at double precision NOT NULL, amount numeric NOT NULL, idempotency_key text,
    windows text[] NOT NULL, counted numeric NOT NULL, status text, price numeric,
    reason text, answered_at double precision, UNIQUE (auction, account, attempt));
CREATE TABLE lines (auction bigint NOT NULL, account text NOT NULL,
    started_at double precision NOT NULL, status text NOT NULL, bid numeric,
    ping_ms double precision, post_ms double precision, error_kind text, price numeric,
    PRIMARY KEY (auction, account));
CREATE TABLE rollups (level integer, kind text, bucket bigint, name text, shard integer,
    data text NOT NULL, PRIMARY KEY (level, kind, bucket, name, shard));
CREATE TABLE usage (account text, cap_window text, leads integer NOT NULL,
    spend numeric NOT NULL, PRIMARY KEY (account, cap_window));
CREATE TABLE accounts (account text PRIMARY KEY, last_sale_at double precision)
"""
CONCURRENCY = 50
POOL = 10
ACCOUNTS = [f"buyer-{i}" for i in range(10)]

INTENT = [
    "INSERT INTO usage VALUES ($1, $2, 1, $3) ON CONFLICT (account, cap_window) DO UPDATE "
    "SET leads = usage.leads + 1, spend = usage.spend + excluded.spend "
    "WHERE usage.leads + 1 <= $4 RETURNING leads",
    "INSERT INTO auctions (auction_id, lead_key, lead_type, source, started_at) "
    "VALUES ($1, $2, $3, $4, $5) RETURNING id",
    "INSERT INTO bodies (auction, lead) VALUES ($1, $2)",
    "INSERT INTO posts (auction, account, attempt, sent_at, amount, idempotency_key, windows, "
    "counted) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    "UPDATE auctions SET open_posts = open_posts + 1 WHERE id = $1",
]
OUTCOME = [
    "SELECT p.seq, p.windows, p.counted FROM posts p JOIN auctions a ON a.id = p.auction "
    "WHERE a.auction_id = $1 AND p.account = $2 AND p.attempt = $3 FOR UPDATE OF p",
    "UPDATE usage SET spend = spend + $1 WHERE account = $2 AND cap_window = $3",
    "UPDATE posts SET status = $1, price = $2, answered_at = $3, counted = $4 WHERE seq = $5",
    "UPDATE auctions SET open_posts = open_posts - 1 WHERE auction_id = $1",
    "INSERT INTO accounts (account, last_sale_at) VALUES ($1, $2) ON CONFLICT (account) "
    "DO UPDATE SET last_sale_at = greatest(accounts.last_sale_at, excluded.last_sale_at)",
]
FINISH = [
    "SELECT id FROM auctions WHERE auction_id = $1 FOR UPDATE",
    "UPDATE auctions SET result = $1, finished_at = $2, duration_ms = $3, sold_to = $4, "
    "price = $5, revenue = $6, reason = $7 WHERE id = $8",
    "UPDATE bodies SET document = $1 WHERE auction = $2",
    "INSERT INTO lines VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    "SELECT level, kind, bucket, name, shard, data FROM rollups WHERE (level, kind, bucket, "
    "name, shard) IN (SELECT * FROM unnest($1::int[], $2::text[], $3::bigint[], $4::text[], "
    "$5::int[])) ORDER BY 1, 2, 3, 4, 5 FOR UPDATE",
    "INSERT INTO rollups SELECT * FROM unnest($1::int[], $2::text[], $3::bigint[], "
    "$4::text[], $5::int[], $6::text[]) ON CONFLICT (level, kind, bucket, name, shard) "
    "DO UPDATE SET data = excluded.data",
]


def _document(n: int) -> bytes:
    accounts = []
    for account in ACCOUNTS:
        accounts.append(
            {
                "account": account,
                "status": "outbid",
                "bid": f"{random.uniform(1, 40):.2f}",
                "ping": {
                    "request": {
                        "method": "POST",
                        "url": f"https://{account}.example.com/api/v2/ping",
                        "headers": {"Content-Type": "application/json", "X-Api-Key": "****"},
                        "body": json.dumps({"zip": "94110", "age": 41, "lead": n}),
                    },
                    "response": {
                        "status": 200,
                        "headers": {"Content-Type": "application/json", "Server": "nginx"},
                        "body": json.dumps(
                            {"bid": random.random() * 30, "token": uuid.uuid4().hex}
                        ),
                        "elapsed_ms": random.uniform(10, 300),
                    },
                    "outcome": {"outcome": "accepted", "decided_by": "accept: path status"},
                },
            }
        )
    doc = {"lead_id": f"L{n}", "result": "sold", "accounts": accounts}
    text = json.dumps(doc)
    return (text + " " * max(0, 12_000 - len(text))).encode()


class Driver:
    """The three transactions over one driver's pool."""

    name = ""

    async def start(self, url: str) -> None: ...
    async def stop(self) -> None: ...
    async def transaction(self, fn: Callable[[Any], Awaitable[None]]) -> None: ...
    async def fetch(self, conn: Any, sql: str, *args: Any) -> list[Any]: ...
    async def execute(self, conn: Any, sql: str, *args: Any) -> None: ...
    async def executemany(self, conn: Any, sql: str, rows: list[tuple[Any, ...]]) -> None: ...
    def shard(self, conn: Any) -> int: ...


class AsyncpgDriver(Driver):
    name = "asyncpg"

    async def start(self, url: str) -> None:
        import asyncpg

        self.pool = await asyncpg.create_pool(url, min_size=POOL, max_size=POOL)

    async def stop(self) -> None:
        await self.pool.close()

    async def transaction(self, fn: Callable[[Any], Awaitable[None]]) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await fn(conn)

    async def fetch(self, conn: Any, sql: str, *args: Any) -> list[Any]:
        return list(await conn.fetch(sql, *args))

    def shard(self, conn: Any) -> int:
        return int(conn.get_server_pid()) % 16

    async def execute(self, conn: Any, sql: str, *args: Any) -> None:
        await conn.execute(sql, *args)

    async def executemany(self, conn: Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
        await conn.executemany(sql, rows)


class PsycopgDriver(Driver):
    name = "psycopg"
    pipeline = False

    async def start(self, url: str) -> None:
        from psycopg_pool import AsyncConnectionPool

        self.pool = AsyncConnectionPool(url, min_size=POOL, max_size=POOL, open=False)
        await self.pool.open(wait=True)

    async def stop(self) -> None:
        await self.pool.close()

    async def transaction(self, fn: Callable[[Any], Awaitable[None]]) -> None:
        async with self.pool.connection() as conn, conn.transaction():
            if self.pipeline:
                async with conn.pipeline():
                    await fn(conn)
            else:
                await fn(conn)

    async def fetch(self, conn: Any, sql: str, *args: Any) -> list[Any]:
        cur = await conn.execute(_percent(sql), args)
        return list(await cur.fetchall())

    def shard(self, conn: Any) -> int:
        return int(conn.info.backend_pid) % 16

    async def execute(self, conn: Any, sql: str, *args: Any) -> None:
        await conn.execute(_percent(sql), args)

    async def executemany(self, conn: Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
        async with conn.cursor() as cur:
            await cur.executemany(_percent(sql), rows)


class PsycopgPipelineDriver(PsycopgDriver):
    name = "psycopg+pipeline"
    pipeline = True


def _percent(sql: str) -> str:
    return re.sub(r"\$\d+", "%s", sql)


async def _lead(d: Driver, n: int, doc: bytes, run: str) -> None:
    auction_id, account, at = f"{run}-{n}", ACCOUNTS[n % 10], 1.8e9 + n
    lead = zlib.compress(json.dumps({"Phone": "2125550199", "n": n}).encode())

    async def intent(conn: Any) -> None:
        for window in ("day:2027-01-15", "month:2027-01"):
            await d.fetch(conn, INTENT[0], account, window, Decimal("12.50"), 10**9)
        (row,) = await d.fetch(conn, INTENT[1], auction_id, f"k{n}", "auto", "bench", at)
        await d.execute(conn, INTENT[2], row[0], lead)
        windows = ["day:2027-01-15", "month:2027-01"]
        await d.execute(
            conn,
            INTENT[3],
            row[0],
            account,
            1,
            at,
            Decimal("12.50"),
            None,
            windows,
            Decimal("12.50"),
        )
        await d.execute(conn, INTENT[4], row[0])

    async def outcome(conn: Any) -> None:
        (post,) = await d.fetch(conn, OUTCOME[0], auction_id, account, 1)
        for window in post[1]:
            await d.execute(conn, OUTCOME[1], Decimal("-0.50"), account, window)
        await d.execute(conn, OUTCOME[2], "sold", Decimal("12.00"), at + 1, Decimal("12"), post[0])
        await d.execute(conn, OUTCOME[3], auction_id)
        await d.execute(conn, OUTCOME[4], account, at + 1)

    async def finish(conn: Any) -> None:
        (row,) = await d.fetch(conn, FINISH[0], auction_id)
        await d.execute(
            conn,
            FINISH[1],
            "sold",
            at + 2,
            1500.0,
            account,
            Decimal("12"),
            Decimal("12"),
            None,
            row[0],
        )
        await d.execute(conn, FINISH[2], zlib.compress(doc, 6), row[0])
        lines = [
            (row[0], a, at, "outbid", Decimal("9.5"), 40.0, None, None, None) for a in ACCOUNTS
        ]
        await d.executemany(conn, FINISH[3], lines)
        keys = sorted(
            (level, kind, int(at // level * level), name, d.shard(conn))
            for level in (60, 3600, 86400)
            for kind, name in [("s", "bench"), *(("a", a) for a in ACCOUNTS)]
        )
        columns = [list(c) for c in zip(*keys, strict=True)]
        await d.fetch(conn, FINISH[4], *columns)
        data = ['{"n":1,"p":1,"a":1,"w":0,"r":"0","ps":{},"e":{},"l":{"180":1},"b":{"227":1}}']
        await d.execute(conn, FINISH[5], *columns, data * len(keys))

    for step in (intent, outcome, finish):
        await d.transaction(step)


async def _round(d: Driver, url: str, leads: int) -> tuple[float, float]:
    docs = [_document(n) for n in range(16)]
    run = uuid.uuid4().hex[:8]
    queue = list(range(leads))
    await d.start(url)

    async def worker() -> None:
        while queue:
            n = queue.pop()
            await _lead(d, n, docs[n % 16], run)

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    await d.stop()
    return leads / wall, cpu / leads * 1e6


async def _schema(url: str, schema: str, create: bool) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        if create:
            await conn.execute(f"CREATE SCHEMA {schema}; SET search_path = {schema}")
            await conn.execute(TABLES)
        else:  # a pool's last connections may still be closing: try again
            for attempt in range(5):
                try:
                    await conn.execute(f"DROP SCHEMA {schema} CASCADE")
                    break
                except asyncpg.DeadlockDetectedError:
                    await asyncio.sleep(1 + attempt)
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--leads", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    schema = "bench_" + uuid.uuid4().hex[:8]
    await _schema(args.url, schema, create=True)
    url = f"{args.url}?options=-csearch_path%3D{schema}"
    drivers = [AsyncpgDriver(), PsycopgDriver(), PsycopgPipelineDriver()]
    results: dict[str, list[tuple[float, float]]] = {d.name: [] for d in drivers}
    try:
        for _ in range(args.rounds):
            for d in drivers:
                results[d.name].append(await _round(d, url, args.leads))
        _print(args, results)
    finally:
        await _schema(args.url, schema, create=False)


def _print(args: argparse.Namespace, results: dict[str, list[tuple[float, float]]]) -> None:
    base = max(r[0] for r in results["asyncpg"])
    print(f"{args.leads} leads x {args.rounds} rounds, {CONCURRENCY} tasks, pool {POOL}")
    print(f"{'driver':18} {'leads/s':>8} {'ratio':>6} {'CPU us/lead':>12}")
    for name, runs in results.items():
        rate = max(r[0] for r in runs)
        cpu = min(r[1] for r in runs)
        print(f"{name:18} {rate:8.0f} {rate / base:6.2f} {cpu:12.0f}")


if __name__ == "__main__":
    asyncio.run(main())
