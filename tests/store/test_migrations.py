"""Schema versions: created at 2, a newer store refused, an older one migrated (the real
version 1 to 2, and a fake v3)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from pingpost.store import SCHEMA_VERSION, Store, StoreTooNew, StoreTooOld, StoreUnavailable
from pingpost.store.errors import OtherAuction
from pingpost.store.migrations import Step, pending
from pingpost.store.postgres import PostgresStore
from pingpost.store.postgres import schema as pg_schema
from pingpost.store.records import LogQuery
from pingpost.store.sqlite import SqliteStore
from pingpost.store.sqlite import schema as sqlite_schema
from pingpost.store.url import parse_store_url

from .helpers import Backend, intent, lead, record, sell


def _with_v3(backend: Backend) -> Store:
    """This backend's store as a pingpost whose schema 3 adds a `note` to each auction."""
    url = parse_store_url(backend.url)
    if backend.name == "sqlite":

        def add_note(conn: Any) -> None:
            conn.execute("ALTER TABLE auctions ADD COLUMN note TEXT")
            conn.execute("UPDATE auctions SET note = 'noted'")

        steps = (*sqlite_schema.STEPS, Step(3, "auctions get a note", add_note))
        return SqliteStore(url, steps=steps, schema_version=3)

    async def add_note_pg(conn: Any) -> None:
        await conn.execute("ALTER TABLE auctions ADD COLUMN note text")
        await conn.execute("UPDATE auctions SET note = 'noted'")

    pg_steps = (*pg_schema.STEPS, Step(3, "auctions get a note", add_note_pg))
    return PostgresStore(url, steps=pg_steps, schema_version=3)


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
        assert info.schema_version == info.supported_version == SCHEMA_VERSION == 2
        assert await store.migrate() == (2, 2)

    backend.run(scenario)


def test_a_store_migrates_to_a_fake_version_3(sql_backend: Backend) -> None:
    sql_backend.run(lambda store: sell(store, lead(1)))

    async def upgrade() -> None:
        newer = _with_v3(sql_backend)
        with pytest.raises(StoreTooOld, match="version 2; this pingpost needs 3"):
            await newer.open(migrate=False)
        await newer.open()
        try:
            info = await newer.info()
            assert (info.schema_version, info.supported_version) == (3, 3)
            assert await _note(newer) == "noted"
            (row,) = await newer.log(LogQuery())  # the data reads on through v3
            assert row.auction_id == "A1" and row.result == "sold"
            assert await newer.migrate() == (3, 3)
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
    assert refused.value.found == 7 and refused.value.supported == 2
    assert "newer than this pingpost understands (2): upgrade pingpost" in str(refused.value)


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


def _at_v1(backend: Backend) -> Store:
    """This backend's store as the pingpost of schema version 1 wrote it."""
    url = parse_store_url(backend.url)
    if backend.name == "sqlite":
        return SqliteStore(url, steps=sqlite_schema.STEPS[:1], schema_version=1)
    return PostgresStore(url, steps=pg_schema.STEPS[:1], schema_version=1)


async def _v1_writes(store: Store) -> None:
    """A sold auction (A1) and one killed before its post's answer (A2), written as v1
    wrote them: on PostgreSQL by v1's own functions; on SQLite by today's statements, the
    `run` column they fill removed again (v1 had none)."""
    if isinstance(store, SqliteStore):
        await store._alone(lambda c: c.execute("ALTER TABLE auctions ADD COLUMN run TEXT"))
        await sell(store, lead(1))
        await store.post_intent(lead(2), intent(lead(2)))
        await store._alone(lambda c: c.execute("ALTER TABLE auctions DROP COLUMN run"))
        return
    assert isinstance(store, PostgresStore)
    intent_sql = (
        "SELECT pp_post_intent($1, $2, $3, $4, $5, $6, 'acme', 1, $5, 10.00, NULL, "
        "'{}'::text[], '{}'::int[], '{}'::numeric[])"
    )
    for n in (1, 2):
        one = lead(n)
        args = (one.auction_id, one.lead_key, one.lead_type, one.source, one.started_at)
        await store.db.run(lambda c, a=args: c.fetchval(intent_sql, *a, b"x"))
    sold = "SELECT pp_post_outcome('A1', 'acme', 1, 'sold', 10.00, NULL, 1, NULL)"
    await store.db.run(lambda c: c.execute(sold))
    await store.db.run(
        lambda c: c.execute(
            "SELECT pp_finish('A1', 'K1', 'auto_insurance', NULL, 0, 'x', 'sold', 1, 120, "
            "'acme', 10.00, 10.00, NULL, NULL, '{}'::text[], '{}'::text[], '{}'::numeric[], "
            "'{}'::float8[], '{}'::float8[], '{}'::text[], '{}'::numeric[])"
        )
    )


def test_a_version_1_store_migrates_to_version_2(sql_backend: Backend) -> None:
    """The real step: auctions get their run. What v1 wrote reads on (an interrupted
    auction stays open), no new run writes into a v1 auction, and W3's check works."""
    old = _at_v1(sql_backend)

    async def write_v1() -> None:
        await old.open()
        try:
            await _v1_writes(old)
            assert (await old.info()).schema_version == 1
        finally:
            await old.close()

    asyncio.run(write_v1())

    async def upgraded(store: Store) -> None:
        assert await store.migrate() == (2, 2)
        info = await store.info()
        assert (info.schema_version, info.supported_version) == (2, 2)
        rows = {r.auction_id: r.result for r in await store.log(LogQuery())}
        assert rows == {"A1": "sold", "A2": "interrupted"}
        assert [o.auction_id for o in await store.open_auctions()] == ["A2"]
        mine = replace(lead(2), run="r1", follows="A2")
        with pytest.raises(OtherAuction):  # a v1 auction belongs to no new run
            await store.post_intent(mine, intent(mine, "bluesky", attempt=2))
        again = replace(mine, auction_id="A2~2")
        assert await store.post_intent(again, intent(again)) is None
        stale = replace(lead(1), auction_id="A1~2", run="r2", follows="")
        with pytest.raises(OtherAuction) as refused:
            await store.finish(record(stale))
        assert refused.value.other == "A1"

    sql_backend.run(upgraded)
