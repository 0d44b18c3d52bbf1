"""The log commands over a big log: `pingpost log`, `stats`, `accounts`, `recover`, `log show`.

    python benchmarks/bench_log.py [--auctions 100000] [--rounds 5] [--only sqlite,postgresql]
                                   [--postgres postgresql://postgres@127.0.0.1:5432/test]

Fills a store with --auctions finished auctions spread over the last 7 days (the
sample configs' nine accounts on each, about 2% in doubt, two sources), then runs
each command as a user does, `pingpost ... --store URL -c configs` in a new process,
best of --rounds. The baseline is the same command on an empty store, in the same
run: what start-up, loading the configs and opening the store cost. The target is
an answer in under 1 s over 100,000 auctions (issue 9); the ratio says what the
data adds to the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

from pingpost.store import Store
from pingpost.store.backends import open_store
from pingpost.store.records import AccountLine, AuctionRecord, LeadRecord

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
ACCOUNTS = [
    "acme-gold", "bluesky-main", "crown-xml", "delta-form", "echo-query",
    "foxtrot-direct", "grumpy", "slowpoke", "acme-legacy",
]  # fmt: skip
DAYS = 7
WORKERS = 50
DOCUMENT = (Path(__file__).resolve().parent / "fixtures" / "result_document.json").read_bytes()


def lines(rng: random.Random, winner: str | None, price: Decimal) -> tuple[AccountLine, ...]:
    found = []
    for name in ACCOUNTS:
        if name == "acme-legacy":
            found.append(AccountLine(name, "filtered"))
            continue
        if name == "slowpoke":
            found.append(AccountLine(name, "error", ping_ms=1000.0, error_kind="timeout"))
            continue
        bid = Decimal(f"{rng.uniform(5, 30):.2f}")
        status = "sold" if name == winner else "outbid"
        found.append(
            AccountLine(
                name,
                status,
                bid=price if status == "sold" else bid,
                ping_ms=rng.uniform(15, 90),
                post_ms=rng.uniform(20, 80) if status == "sold" else None,
                price=price if status == "sold" else None,
            )
        )
    return tuple(found)


async def fill(store: Store, count: int, now: float) -> str:
    """`count` finished auctions over the last DAYS days; the id of one with a real document."""
    rng = random.Random(7)
    queue = list(range(count))
    start = now - DAYS * 86_400

    async def worker() -> None:
        while queue:
            n = queue.pop()
            at = start + n * DAYS * 86_400 / count
            fields = {"ZipCode": f"{rng.randint(10000, 99999)}", "Email": f"lead{n}@example.com"}
            text = json.dumps(fields, sort_keys=True)
            lead = LeadRecord(
                f"bench-{n}", uuid.uuid4().hex, "auto_insurance", text, at,
                "web-form" if n % 3 else "leads.jsonl",
            )  # fmt: skip
            doubt = n % 50 == 0
            winner = None if doubt else rng.choice(ACCOUNTS[:6])
            price = Decimal(f"{rng.uniform(5, 40):.2f}")
            await store.finish(
                AuctionRecord(
                    lead, "in_doubt" if doubt else "sold", at + 1.1, 1100.0, winner,
                    None if doubt else price, Decimal(0) if doubt else price, None,
                    lines(rng, winner, price), DOCUMENT if n == count - 1 else b'{"result":"sold"}',
                )
            )  # fmt: skip

    await asyncio.gather(*(worker() for _ in range(WORKERS)))
    return f"bench-{count - 1}"


async def prepare(url: str, count: int) -> str:
    store = await open_store(url)
    try:
        return await fill(store, count, time.time()) if count else ""
    finally:
        await store.close()


def timed(args: list[str], url: str, rounds: int) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system, ms) of `pingpost ARGS` in a new
    process. CPU time does not grow with the machine's load; wall time does."""
    wall, cpu = float("inf"), float("inf")
    command = [sys.executable, "-m", "pingpost", *args, "--store", url, "-c", str(CONFIGS)]
    env = {**os.environ, "COLUMNS": "200"}
    for _ in range(rounds):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, env=env)
        wall = min(wall, (time.perf_counter() - start) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        cpu = min(cpu, used * 1000)
        if done.returncode not in (0, 1):
            error = done.stderr.decode()[-500:]
            raise SystemExit(f"{' '.join(args)} failed ({done.returncode}): {error}")
    return wall, cpu


def commands(shown: str) -> list[list[str]]:
    return [
        ["log"],
        ["log", "--json"],
        ["log", "--account", "delta-form"],
        ["log", "--result", "in_doubt"],
        ["log", "--since", "2h", "--limit", "500"],
        ["log", "--source", "leads.jsonl"],
        ["stats"],
        ["stats", "--since", "7d"],
        ["stats", "--by", "source", "--json"],
        ["stats", "--format", "csv"],
        ["accounts"],
        ["recover", "--json"],
        ["log", "show", shown],
    ]


def warm(args: list[str], url: str, rounds: int) -> float:
    """Best time (ms) of the command run in this process, its imports already done: what
    loading the configs, opening the store, the query and the output cost."""
    from typer.testing import CliRunner

    from pingpost.cli.app import app

    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        done = CliRunner().invoke(app, [*args, "--store", url, "-c", str(CONFIGS)])
        best = min(best, (time.perf_counter() - start) * 1000)
        if done.exit_code not in (0, 1):
            raise SystemExit(f"{' '.join(args)} failed ({done.exit_code}): {done.output[-500:]}")
    return best


def bench_warm(name: str, full: str, empty: str, shown: str, rounds: int) -> None:
    print(f"\n{name}: in this process (imports done), best of {rounds}, ms")
    print(f"  {'command':40} {'empty':>7} {'full':>7} {'extra':>7}")
    for args in commands(shown):
        base = warm(args if args[:2] != ["log", "show"] else ["log"], empty, rounds)
        got = warm(args, full, rounds)
        label = "pingpost " + " ".join(a if a != shown else "ID" for a in args)
        print(f"  {label:40} {base:7.0f} {got:7.0f} {got - base:7.0f}")


def bench(name: str, full: str, empty: str, shown: str, count: int, rounds: int) -> None:
    print(f"\n{name}: {count:,} auctions, a new process each, best of {rounds}, ms")
    head = f"{'empty':>7} {'full':>7} {'ratio':>5}"
    print(f"  {'':40} {'wall':^21}   {'CPU (user + system)':^21}")
    print(f"  {'command':40} {head}   {head}  under 1 s")
    for args in commands(shown):
        base = timed(args if args[:2] != ["log", "show"] else ["log"], empty, rounds)
        got = timed(args, full, rounds)
        label = "pingpost " + " ".join(a if a != shown else "ID" for a in args)
        cells = [f"{base[i]:7.0f} {got[i]:7.0f} {got[i] / base[i]:5.2f}" for i in (0, 1)]
        verdict = "yes" if got[0] < 1000 else "CPU only" if got[1] < 1000 else "NO"
        print(f"  {label:40} {cells[0]}   {cells[1]}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--auctions", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "PINGPOST_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pingpost-bench-log-"))
    schemas: list[str] = []
    try:
        for backend in args.only.split(","):
            if backend == "sqlite":
                full, empty = (f"sqlite:///{work / f'{n}.db'}" for n in ("full", "empty"))
            else:
                schemas += [f"bench_log_{uuid.uuid4().hex[:8]}" for _ in range(2)]
                full, empty = (f"{args.postgres}?schema={s}" for s in schemas[-2:])
            start = time.perf_counter()
            shown = asyncio.run(prepare(full, args.auctions))
            asyncio.run(prepare(empty, 0))
            print(f"\n{backend}: filled in {time.perf_counter() - start:.0f} s")
            bench_warm(backend, full, empty, shown, args.rounds)
            bench(backend, full, empty, shown, args.auctions, args.rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if schemas:
            asyncio.run(drop(args.postgres, schemas))


async def drop(url: str, schemas: list[str]) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        for schema in schemas:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


if __name__ == "__main__":
    main()
