"""Two processes sharing one SQLite file, and one PostgreSQL database: caps, claims, opening."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from pingpost.store import Store

from .helpers import Backend

WORKER = Path(__file__).with_name("worker.py")


def _together(backend: Backend, scenario: str, processes: int = 2) -> list[object]:
    """Run `scenario` in several fresh processes at once; their printed results."""
    start_at = time.time() + 2.0  # time for each to import pingpost
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), backend.url, scenario, f"p{i}", str(start_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(processes)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    return results


def test_two_processes_opening_a_new_store_migrate_once(sql_backend: Backend) -> None:
    salts = _together(sql_backend, "opened", processes=3)
    assert len(set(salts)) == 1  # one store, one salt: nobody migrated twice

    async def check(store: Store) -> None:
        info = await store.info()
        assert info.schema_version == info.supported_version == 2

    sql_backend.run(check)


def test_two_processes_never_exceed_a_cap(sql_backend: Backend) -> None:
    accepted = _together(sql_backend, "caps")
    assert sum(accepted) == 10  # type: ignore[arg-type]

    async def check(store: Store) -> None:
        usage = await store.usage({"acme": ["day:2027-01-15"]})
        assert usage[("acme", "day:2027-01-15")].leads == 10
        assert len(await store.open_auctions()) == 10

    sql_backend.run(check)


def test_two_processes_never_spend_past_a_budget(sql_backend: Backend) -> None:
    accepted = _together(sql_backend, "spend")
    assert sum(accepted) == 14  # type: ignore[arg-type]  # 14 x 0.07 = 0.98; a 15th is 1.05

    async def check(store: Store) -> None:
        usage = await store.usage({"acme": ["month:2027-01"]})
        assert usage[("acme", "month:2027-01")].spend == Decimal("0.98")

    sql_backend.run(check)


def test_two_processes_claim_one_dedupe_key_once(sql_backend: Backend) -> None:
    assert sum(_together(sql_backend, "dedupe")) == 1  # type: ignore[arg-type]


def test_two_processes_claim_one_idempotency_key_once(sql_backend: Backend) -> None:
    assert sum(_together(sql_backend, "requests")) == 1  # type: ignore[arg-type]


def test_a_running_store_sees_the_other_processes_writes(sql_backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        before = await store.seen_lead("auto", "same", since=0)
        await asyncio.to_thread(_together, sql_backend, "dedupe", 1)
        after = await store.seen_lead("auto", "same", since=0)
        assert before is None and after is not None and after.startswith("p0-")

    sql_backend.run(scenario)
