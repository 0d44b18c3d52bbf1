"""Schema versions: created at 1, a newer store refused, an older one migrated (a fake v2)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pingpost.store import SCHEMA_VERSION, Store, StoreTooNew, StoreTooOld, StoreUnavailable
from pingpost.store.migrations import Step, pending
from pingpost.store.postgres import PostgresStore
from pingpost.store.postgres import schema as pg_schema
from pingpost.store.records import LogQuery
from pingpost.store.sqlite import SqliteStore
from pingpost.store.sqlite import schema as sqlite_schema
from pingpost.store.url import parse_store_url

from .helpers import Backend, lead, sell


def _with_v2(backend: Backend) -> Store:
    """This backend's store as a pingpost whose schema 2 adds a `note` to each auction."""
    url = parse_store_url(backend.url)
    if backend.name == "sqlite":

        def add_note(conn: Any) -> None:
            conn.execute("ALTER TABLE auctions ADD COLUMN note TEXT")
            conn.execute("UPDATE auctions SET note = 'from v1'")

        steps = (*sqlite_schema.STEPS, Step(2, "auctions get a note", add_note))
        return SqliteStore(url, steps=steps, schema_version=2)

    async def add_note_pg(conn: Any) -> None:
        await conn.execute("ALTER TABLE auctions ADD COLUMN note text")
        await conn.execute("UPDATE auctions SET note = 'from v1'")

    pg_steps = (*pg_schema.STEPS, Step(2, "auctions get a note", add_note_pg))
    return PostgresStore(url, steps=pg_steps, schema_version=2)


async def _note(store: Store) -> str:
    if isinstance(store, SqliteStore):
        return str(
            await store._read(lambda c: c.execute("SELECT note FROM auctions").fetchone()[0])
        )
    assert isinstance(store, PostgresStore)
    return str(await store.db.run(lambda c: c.fetchval("SELECT note FROM auctions")))


def test_a_new_store_is_at_the_current_version(backend: Backend) -> None:
    async def scenario(store: Store) -> None:
        info = await store.info()
        assert info.schema_version == info.supported_version == SCHEMA_VERSION == 1
        assert await store.migrate() == (1, 1)

    backend.run(scenario)


def test_a_version_1_store_migrates_to_a_fake_version_2(sql_backend: Backend) -> None:
    sql_backend.run(lambda store: sell(store, lead(1)))

    async def upgrade() -> None:
        newer = _with_v2(sql_backend)
        with pytest.raises(StoreTooOld, match="version 1; this pingpost needs 2"):
            await newer.open(migrate=False)
        await newer.open()
        try:
            info = await newer.info()
            assert (info.schema_version, info.supported_version) == (2, 2)
            assert await _note(newer) == "from v1"
            (row,) = await newer.log(LogQuery())  # the v1 data reads on through v2
            assert row.auction_id == "A1" and row.result == "sold"
            assert await newer.migrate() == (2, 2)
        finally:
            await newer.close()

    asyncio.run(upgrade())
    with pytest.raises(StoreTooNew, match="upgrade pingpost"):
        sql_backend.run(lambda store: store.info())


def test_a_store_from_a_newer_pingpost_is_refused(sql_backend: Backend) -> None:
    sql_backend.run(lambda store: store.info())

    async def bump(store: Store) -> None:
        sql = "UPDATE meta SET value = '7' WHERE key = 'schema_version'"
        if isinstance(store, SqliteStore):
            await store._alone(lambda c: c.execute(sql))
        else:
            assert isinstance(store, PostgresStore)
            await store.db.run(lambda c: c.execute(sql))

    sql_backend.run(bump)
    with pytest.raises(StoreTooNew) as refused:
        sql_backend.run(lambda store: store.info())
    assert refused.value.found == 7 and refused.value.supported == 1
    assert "newer than this pingpost understands (1): upgrade pingpost" in str(refused.value)


def test_opening_without_migrating_creates_nothing(sql_backend: Backend) -> None:
    async def scenario() -> None:
        store = sql_backend.make()
        if sql_backend.name == "sqlite":
            with pytest.raises(StoreUnavailable, match="no store there yet"):
                await store.open(migrate=False)
        else:
            with pytest.raises(StoreTooOld, match="version 0"):
                await store.open(migrate=False)

    asyncio.run(scenario())


def test_steps_must_lead_to_the_target() -> None:
    steps = (Step(1, "one", lambda: None), Step(3, "three", lambda: None))
    assert [s.version for s in pending("u", 0, 1, steps, migrate=True)] == [1]
    with pytest.raises(ValueError, match="no migration step to schema version 2"):
        pending("u", 1, 3, steps, migrate=True)
    with pytest.raises(StoreTooOld):
        pending("u", 0, 1, steps, migrate=False)
    assert pending("u", 1, 1, steps, migrate=False) == []
