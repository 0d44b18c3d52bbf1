"""The SQLite writer: concurrent writes share commits; one failing op spares its neighbours."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pingpost.store import StoreUnavailable, UnknownAuction
from pingpost.store.backends import open_store
from pingpost.store.records import LogQuery
from pingpost.store.sqlite import SqliteStore

from .helpers import intent, lead, outcome, record


async def _open(tmp_path: Path) -> SqliteStore:
    store = await open_store(f"sqlite:///{tmp_path / 'store.db'}")
    assert isinstance(store, SqliteStore)
    return store


def test_fifty_concurrent_auctions_share_a_few_commits(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = await _open(tmp_path)
        writer = store._running_writer()
        groups, ops = writer.groups, writer.ops
        leads = [lead(n) for n in range(50)]
        await asyncio.gather(*(store.post_intent(x, intent(x)) for x in leads))
        await asyncio.gather(*(store.finish(record(x, "unsold")) for x in leads))
        assert writer.ops - ops == 100
        assert writer.groups - groups <= 10  # not 100 fsyncs
        await store.close()

    asyncio.run(scenario())


def test_a_failing_op_does_not_fail_its_group(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = await _open(tmp_path)
        leads = [lead(n) for n in range(20)]
        stray = outcome(intent(lead(99)), "sold")
        results = await asyncio.gather(
            *(store.post_intent(x, intent(x)) for x in leads[:10]),
            store.post_outcome(stray),
            *(store.post_intent(x, intent(x)) for x in leads[10:]),
            return_exceptions=True,
        )
        assert isinstance(results[10], UnknownAuction)
        assert [r for i, r in enumerate(results) if i != 10] == [None] * 20
        assert len(await store.open_auctions()) == 20
        await store.close()

    asyncio.run(scenario())


def test_close_finishes_the_queued_writes(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = await _open(tmp_path)
        leads = [lead(n) for n in range(30)]
        pending = [asyncio.ensure_future(store.finish(record(x, "unsold"))) for x in leads]
        await asyncio.sleep(0)  # queued, not awaited
        await store.close()
        await asyncio.gather(*pending)
        again = await _open(tmp_path)
        assert len(await again.log(LogQuery(limit=100))) == 30
        await again.close()

    asyncio.run(scenario())


def test_a_closed_store_refuses_politely(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = await _open(tmp_path)
        await store.close()
        with pytest.raises(StoreUnavailable, match="not open"):
            await store.prior("K1")

    asyncio.run(scenario())


def test_a_new_store_is_private_and_kept_out_of_git(tmp_path: Path) -> None:
    path = tmp_path / "project" / ".pingpost" / "store.db"

    async def scenario() -> None:
        store = await open_store(f"sqlite:///{path}")
        await store.finish(record(lead(1), "unsold"))
        await store.close()

    asyncio.run(scenario())
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert (path.parent / ".gitignore").read_text().splitlines()[-1] == "*"
