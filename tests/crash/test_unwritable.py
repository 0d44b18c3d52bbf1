"""A store that becomes unwritable in the middle of a real batch (W1): SQLite locked by
another process past the busy timeout, PostgreSQL cut off (its connections terminated,
new ones refused). No post leaves without its intent, the leads it stopped end
`error: store unavailable`, nothing crashes, and a rerun once the store is back ends
the batch."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pingpost.sandbox import Sandbox
from tests.store.fixtures import _admin, _with_database, postgres_admin_url

from .market import (
    Market,
    check_the_buyers_ledger,
    sandbox_spec,
    settle_and_finish,
    write_configs,
    write_leads,
)

LEADS = 30


def deliver_through_an_outage(market: Market, cut: Callable[[], None]) -> None:
    """Run the batch, `cut` the store once 3 posts reached the buyers, check what the batch
    said and what the buyers got; then rerun it to its end."""
    leads = write_leads(market.configs.parent / "leads.jsonl", LEADS)
    deliver = ("deliver", str(leads), "--json", "--concurrency", "2")
    proc = market.start(*deliver)
    cutter = threading.Thread(target=_when_posted, args=(market.sandbox, proc, cut))
    cutter.start()
    out, err = proc.communicate(timeout=120)
    cutter.join()
    assert proc.returncode == 1, err  # leads not delivered: exit 1, as for unsold ones
    assert "Traceback" not in err, err
    docs = [json.loads(line) for line in out.splitlines()]
    assert sorted(d["line"] for d in docs) == list(range(1, LEADS + 1))  # every lead reported
    stopped = {f"R{d['line']}" for d in docs if "error" in d}
    assert stopped, f"the outage stopped no lead: nothing was tested\n{err}"
    for doc in docs:
        if "error" in doc:
            assert "store unavailable" in doc["error"] and "not sold" in doc["error"], doc
    assert "not delivered (store unavailable)" in err
    posts = market.sandbox.ledger(phase="post")
    for post in posts:  # W1: a lead the store stopped has no post but rejected ones
        assert post["lead"] not in stopped or post["outcome"] == "rejected", post
    known = set(market.logged()) | set(market.open_auctions())
    assert {post["lead"] for post in posts} <= known  # every post has its intent in the store
    check_the_buyers_ledger(market)
    rerun = market.pingpost(*deliver)
    assert rerun.code in (0, 1), rerun.err
    for doc in rerun.documents:
        if doc["lead_id"] in stopped:  # not delivered: auctioned now, as new
            assert doc["result"] == "sold", doc
    check_the_buyers_ledger(market)
    settle_and_finish(market, deliver, LEADS)


def _when_posted(sandbox: Sandbox, proc: subprocess.Popen[str], cut: Callable[[], None]) -> None:
    while len(sandbox.ledger(phase="post")) < 3 and proc.poll() is None:
        time.sleep(0.005)
    cut()


@pytest.mark.slow
def test_sqlite_locked_by_another_process_mid_batch(market: Market, tmp_path: Path) -> None:
    market.store += "?timeout=0.3"  # the busy timeout: how long a write waits for the lock

    def cut() -> None:
        locker = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")  # every write of the batch now waits, then fails
        time.sleep(1.5)
        locker.execute("ROLLBACK")
        locker.close()

    deliver_through_an_outage(market, cut)


@pytest.mark.slow
def test_postgresql_cut_off_mid_batch(
    make_sandbox: Callable[[dict[str, object]], Sandbox], tmp_path: Path, own_database: str
) -> None:
    url = _with_database(postgres_admin_url(), own_database)
    market = Market(make_sandbox(sandbox_spec()), write_configs(tmp_path), url)
    admin = postgres_admin_url()

    def cut() -> None:
        async def stop() -> None:
            await _admin(admin, f'ALTER DATABASE "{own_database}" ALLOW_CONNECTIONS false')
            await _admin(
                admin,
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{own_database}' AND pid <> pg_backend_pid()",
            )

        asyncio.run(stop())
        time.sleep(1.0)
        asyncio.run(_admin(admin, f'ALTER DATABASE "{own_database}" ALLOW_CONNECTIONS true'))

    deliver_through_an_outage(market, cut)
