"""A store that becomes unwritable mid-run: StoreUnavailable, nothing half written, no crash."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest

from pingpost.store import Store, StoreUnavailable
from pingpost.store.backends import open_store
from pingpost.store.sqlite import SqliteStore
from pingpost.store.url import parse_store_url

from .fixtures import _admin, _with_database, postgres_admin_url
from .helpers import T0, intent, lead, outcome, record, sell


def _sqlite(tmp_path: Path, timeout: float = 10.0) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}?timeout={timeout}"


def test_a_full_disk_fails_the_ops_that_need_space_and_nothing_half_written(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        store = await open_store(_sqlite(tmp_path))
        assert isinstance(store, SqliteStore)
        await sell(store, lead(1))
        pages = await store._alone(lambda c: c.execute("PRAGMA page_count").fetchone()[0])
        await store._alone(lambda c: c.execute(f"PRAGMA max_page_count = {pages}").fetchone())
        big = record(lead(2), "unsold", document=os.urandom(400_000))  # needs new pages
        two = lead(2)
        results = await asyncio.gather(
            store.finish(big),
            store.post_intent(two, intent(two)),
            return_exceptions=True,
        )
        assert isinstance(results[0], StoreUnavailable)
        assert "disk is full" in str(results[0])
        stored = await store.auction("A2")
        if results[1] is None:  # the intent fitted in free pages: it alone was written
            assert stored is not None and stored.document is None and len(stored.posts) == 1
        else:  # it shared the failed group: nothing of lead 2 exists
            assert isinstance(results[1], StoreUnavailable) and stored is None
        await store._alone(lambda c: c.execute("PRAGMA max_page_count = 1073741823").fetchone())
        await store.finish(big)  # room again: the same write now succeeds
        stored = await store.auction("A2")
        assert stored is not None and stored.document == big.document
        await store.close()

    asyncio.run(scenario())


def test_a_store_locked_by_another_process_times_out_cleanly(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = await open_store(_sqlite(tmp_path, timeout=0.2))
        await sell(store, lead(1))
        other = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        two = lead(2)
        with pytest.raises(StoreUnavailable, match=r"write lock for more than 0\.2 s"):
            await store.post_intent(two, intent(two))
        assert (await store.prior("K1")) is not None  # reads go on while writes wait
        other.execute("ROLLBACK")
        other.close()
        assert await store.post_intent(two, intent(two)) is None
        prior = await store.prior(two.lead_key)
        assert prior is not None and len(prior.open_posts) == 1  # written once, not twice
        await store.close()

    asyncio.run(scenario())


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    (tmp_path / "store.db").write_bytes(b"hello, this is not SQLite" * 100)
    with pytest.raises(StoreUnavailable, match="not an SQLite database"):
        asyncio.run(open_store(_sqlite(tmp_path)))
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE contacts (name TEXT)").connection.commit()
    with pytest.raises(StoreUnavailable, match="not a pingpost store"):
        asyncio.run(open_store(f"sqlite:///{other}"))


def test_a_missing_directory_that_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreUnavailable, match="cannot create"):
        asyncio.run(open_store(f"sqlite:///{tmp_path / 'file' / 'sub' / 'store.db'}"))


async def _cut(name: str, setting: str) -> None:
    """Apply `setting` to the database and end its sessions (a session keeps the settings
    it began with). pg_terminate_backend only signals them: this returns once they are
    gone, so that none answers the next step with the old settings (a loaded machine)."""
    import asyncpg

    others = (
        f"FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend'"  # not autovacuum, which comes back
    )
    admin = postgres_admin_url()
    await _admin(admin, f'ALTER DATABASE "{name}" {setting}')
    conn = await asyncpg.connect(admin, timeout=5)
    try:
        for tick in range(1000):
            if tick % 50 == 0:  # again every 0.5 s: a session begun meanwhile ends too
                await conn.execute(f"SELECT pg_terminate_backend(pid) {others}")
            if not await conn.fetchval(f"SELECT count(*) {others}"):
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"the sessions of {name} outlived pg_terminate_backend by 10 s")
    finally:
        await conn.close()


def test_postgres_made_read_only_then_unreachable_then_back(own_database: str) -> None:
    url = _with_database(postgres_admin_url(), own_database)

    async def attempt(store: Store, n: int) -> BaseException | None:
        one = lead(n, at=T0 + n)
        try:
            await store.post_intent(one, intent(one))
        except StoreUnavailable as exc:
            return exc
        return None

    async def scenario() -> None:
        store = await open_store(url)
        await sell(store, lead(1))
        await _cut(own_database, "SET default_transaction_read_only = on")
        failures = [await attempt(store, n) for n in (2, 3)]
        assert all(isinstance(f, StoreUnavailable) for f in failures)
        assert "read-only" in str(failures[-1])
        await _cut(own_database, "ALLOW_CONNECTIONS false")
        failure = await attempt(store, 4)
        assert isinstance(failure, StoreUnavailable)
        await _admin(
            postgres_admin_url(), f'ALTER DATABASE "{own_database}" ALLOW_CONNECTIONS true'
        )
        await _admin(
            postgres_admin_url(),
            f'ALTER DATABASE "{own_database}" RESET default_transaction_read_only',
        )
        assert await attempt(store, 5) is None  # the pool reconnects: writes work again
        for n in (2, 3, 4):
            assert await store.prior(f"K{n}") is None  # nothing half written
        assert (await store.prior("K5")) is not None
        five = lead(5, at=T0 + 5)
        await store.post_outcome(outcome(intent(five), "post_rejected"))
        await store.close()

    asyncio.run(scenario())


def test_an_unreachable_server_is_unavailable_not_a_crash() -> None:
    url = "postgresql://postgres@127.0.0.1:9/nowhere"  # port 9: discard, nothing listens
    with pytest.raises(StoreUnavailable, match="cannot reach"):
        asyncio.run(open_store(url))
    assert parse_store_url(url).backend == "postgresql"
