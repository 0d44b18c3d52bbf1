"""`PostgresStore`: one store shared by several machines (`pingpost serve` instances).

Every method borrows a pooled connection for its statements only. Migrations
run in one transaction under an advisory lock, so two instances starting at
once never migrate twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pingpost.store.postgres.controls as controls
import pingpost.store.postgres.reads as reads
import pingpost.store.postgres.recovery as recovery
import pingpost.store.postgres.schema as schema
import pingpost.store.postgres.stats as stats
import pingpost.store.postgres.writes as writes
from pingpost.store import api
from pingpost.store.codec import Dictionary
from pingpost.store.dictionary import make_dictionary
from pingpost.store.errors import StoreUnavailable
from pingpost.store.migrations import Step, pending
from pingpost.store.postgres.pool import Connection, Database
from pingpost.store.records import (
    AccountState,
    AuctionRecord,
    CapReached,
    LeadRecord,
    LogQuery,
    LogRow,
    OpenAuction,
    PostIntent,
    PostOutcome,
    PriorAuction,
    RequestClaim,
    StatsRow,
    StoredAuction,
    StoreInfo,
    Usage,
)
from pingpost.store.rollups import FOLD_BATCH, FOLD_EVERY
from pingpost.store.url import StoreUrl


class PostgresStore:
    """The `Store` interface on PostgreSQL (see pingpost/store/api.py for each method)."""

    backend = "postgresql"

    def __init__(
        self,
        url: StoreUrl,
        *,
        steps: Sequence[Step[Any]] = schema.STEPS,
        schema_version: int = api.SCHEMA_VERSION,
    ) -> None:
        self.url = url
        self.db = Database(url)
        self._steps = steps
        self._version = schema_version
        self._salt: bytes | None = None
        self._migrated = (0, 0)  # what `open` found and left
        self._open = False
        self._dictionary: Dictionary | None = None  # for new documents (codec.py)
        self._dictionaries: dict[int, bytes] = {}  # every one read so far, by id
        self._making = asyncio.Lock()
        self._unfolded = 0  # results written since this process last folded (rollups.py)

    async def open(self, *, migrate: bool = True) -> None:
        if self._open:
            return
        await self.db.start()
        try:
            self._migrated = await self.db.run(lambda conn: self._migrate(conn, migrate))
            self._dictionary = await self.db.run(reads.newest_dictionary)
        except BaseException:
            await self.db.stop()
            raise
        self._open = True

    async def close(self) -> None:
        if self._open and self._unfolded:
            with contextlib.suppress(StoreUnavailable):  # left for the next process to fold
                await self.fold()
        self._open = False
        await self.db.stop()

    async def fold(self) -> int:
        """Fold every finished auction into the rollups (rollups.py); how many."""
        self._unfolded, total = 0, 0
        while n := await self.db.run(lambda c: writes.fold(c, FOLD_BATCH), tx=True):
            total += n
            if n < FOLD_BATCH:  # the rest came meanwhile: the next fold takes it
                break
        return total

    async def _folded_one(self) -> None:
        """Count a result written; fold the batch when it is full."""
        self._unfolded += 1
        if self._unfolded >= FOLD_EVERY:
            await self.fold()

    async def migrate(self) -> tuple[int, int]:
        if not self._open:
            await self.open()
            return self._migrated
        return await self.db.run(lambda conn: self._migrate(conn, True))

    async def _migrate(self, conn: Connection, migrate: bool) -> tuple[int, int]:
        shown = self.url.display
        found = await schema.read_version(conn)
        if not pending(shown, found, self._version, self._steps, migrate=migrate):
            return found, found
        async with conn.transaction():
            key = zlib.crc32(f"pingpost-migrate:{self.url.schema or ''}".encode())
            await conn.execute("SELECT pg_advisory_xact_lock($1)", key)
            if self.url.schema:
                await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.url.schema}"')
            found = await schema.read_version(conn)
            todo = pending(shown, found, self._version, self._steps, migrate=migrate)
            if found == 0 and await _has_tables(conn):
                raise StoreUnavailable(
                    shown,
                    "the schema already holds other tables: keep the store in a schema of its "
                    "own (add ?schema=pingpost to the URL)",
                )
            for step in todo:
                await step.apply(conn)
                await schema.write_version(conn, step.version)
        return found, self._version

    async def info(self) -> StoreInfo:
        async def read(conn: Connection) -> StoreInfo:
            found = await schema.read_version(conn)
            counts = await reads.counts(conn) if found else {}
            size = await reads.size(conn)
            return StoreInfo("postgresql", self.url.display, found, self._version, size, counts)

        return await self.db.run(read)

    # -- write-ahead ----------------------------------------------------------------------

    async def prior(self, lead_key: str) -> PriorAuction | None:
        return await self.db.run(lambda c: reads.prior(c, lead_key))

    async def post_intent(self, lead: LeadRecord, intent: PostIntent) -> CapReached | None:
        return await self.db.run(lambda c: writes.post_intent(c, lead, intent))

    async def post_outcome(self, outcome: PostOutcome) -> None:
        await self.db.run(lambda c: writes.post_outcome(c, outcome))

    async def finish(self, record: AuctionRecord) -> None:
        if self._dictionary is None and record.document:
            await self._make_dictionary(record)
        zdict = self._dictionary
        # each outcome its own transaction, as post_outcome's: in one transaction with the
        # result, two processes sharing a capped account sometimes timed out (the tests)
        for outcome in record.outcomes:
            await self.post_outcome(outcome)
        if not await self.db.run(lambda c: writes.finish(c, record, zdict)):
            await self.db.run(lambda c: writes.finish_again(c, record, zdict), tx=True)
        await self._folded_one()

    async def _make_dictionary(self, record: AuctionRecord) -> None:
        """The store's dictionary, from this document if it has none yet (dictionary.py)."""
        async with self._making:
            if self._dictionary is not None:
                return
            data = make_dictionary(record.document, record.lead.lead_json)
            if data is not None:
                at = record.finished_at
                self._dictionary = await self.db.run(lambda c: reads.ensure_dictionary(c, data, at))

    # -- the log --------------------------------------------------------------------------

    async def log(self, query: LogQuery) -> list[LogRow]:
        return await self.db.run(lambda c: reads.log(c, query))

    async def auction(self, auction_id: str) -> StoredAuction | None:
        return await self.db.run(
            lambda c: reads.auction(c, auction_id, self._dictionaries), tx=True
        )

    async def stats(self, since: float, until: float, *, by: str = "account") -> list[StatsRow]:
        if await self.db.run(stats.unfolded) > FOLD_BATCH:  # left by a process that died
            await self.fold()
        return await self.db.run(lambda c: stats.stats(c, since, until, by), tx=True)

    async def open_auctions(self) -> list[OpenAuction]:
        return await self.db.run(reads.open_auctions, tx=True)

    async def resolve(
        self,
        auction_id: str,
        account: str,
        *,
        sold: bool,
        price: Decimal | None,
        at: float,
        reason: str,
    ) -> None:
        await self.db.run(
            lambda c: recovery.resolve(c, auction_id, account, sold, price, at, reason), tx=True
        )
        await self._folded_one()

    async def close_auction(self, auction_id: str, *, at: float, reason: str) -> None:
        await self.db.run(lambda c: recovery.close_auction(c, auction_id, at, reason), tx=True)
        await self._folded_one()

    async def purge(self, *, before: float | None = None, auction_id: str | None = None) -> int:
        n, more = await self.db.run(lambda c: recovery.purge(c, before, auction_id), tx=True)
        total = n
        while more:  # the next chunk of old auctions, each in its own transaction
            n, more = await self.db.run(lambda c: recovery.purge(c, before, None), tx=True)
            total += n
        return total

    # -- controls -------------------------------------------------------------------------

    async def salt(self) -> bytes:
        if self._salt is None:
            self._salt = await self.db.run(controls.salt)
        return self._salt

    async def usage(self, windows: Mapping[str, Sequence[str]]) -> dict[tuple[str, str], Usage]:
        return await self.db.run(lambda c: controls.usage(c, windows))

    async def claim_lead(
        self, scope: str, key: str, *, since: float, auction_id: str, at: float
    ) -> str | None:
        return await self.db.run(
            lambda c: controls.claim_lead(c, scope, key, since, auction_id, at)
        )

    async def seen_lead(self, scope: str, key: str, *, since: float) -> str | None:
        return await self.db.run(lambda c: controls.seen_lead(c, scope, key, since))

    async def bought(self, key: str, since: Mapping[str, float]) -> set[str]:
        return await self.db.run(lambda c: controls.bought(c, key, since))

    async def account_states(self, accounts: Sequence[str]) -> dict[str, AccountState]:
        return await self.db.run(lambda c: controls.account_states(c, accounts))

    async def pause(self, account: str, until: float | None, reason: str | None) -> None:
        await self.db.run(lambda c: controls.pause(c, account, until, reason))

    # -- serve ----------------------------------------------------------------------------

    async def claim_request(
        self, source: str, key: str, body_hash: str, *, at: float, stale_before: float | None = None
    ) -> RequestClaim:
        return await self.db.run(
            lambda c: controls.claim_request(c, source, key, body_hash, at, stale_before)
        )

    async def complete_request(self, source: str, key: str, status: int, body: bytes) -> None:
        await self.db.run(lambda c: controls.complete_request(c, source, key, status, body))

    async def release_request(self, source: str, key: str) -> None:
        await self.db.run(lambda c: controls.release_request(c, source, key))


async def _has_tables(conn: Connection) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    )
