"""`SqliteStore`: the embedded default store, one file (plus its WAL) on one machine.

Writes go to the writer thread (group commit, threads.py), reads to reader
threads; the event loop only awaits futures. Several processes can share the
file: SQLite's write lock (BEGIN IMMEDIATE) serialises their groups.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pingpost.store.sqlite.controls as controls
import pingpost.store.sqlite.reads as reads
import pingpost.store.sqlite.recovery as recovery
import pingpost.store.sqlite.schema as schema
import pingpost.store.sqlite.stats as stats
import pingpost.store.sqlite.upkeep as upkeep
import pingpost.store.sqlite.writes as writes
from pingpost.store import api
from pingpost.store.codec import Dictionary
from pingpost.store.dictionary import make_dictionary
from pingpost.store.errors import StoreMissing, StoreUnavailable
from pingpost.store.migrations import Step, pending
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
from pingpost.store.sqlite.connect import connect, unavailable
from pingpost.store.sqlite.threads import Readers, Writer
from pingpost.store.url import StoreUrl

T = TypeVar("T")


class SqliteStore:
    """The `Store` interface on SQLite (see pingpost/store/api.py for each method)."""

    backend = "sqlite"

    def __init__(
        self,
        url: StoreUrl,
        *,
        steps: Sequence[Step[None]] = schema.STEPS,
        schema_version: int = api.SCHEMA_VERSION,
    ) -> None:
        assert url.path is not None
        self.url = url
        self.path: Path = url.path
        self._steps = steps
        self._version = schema_version
        self._writer: Writer | None = None
        self.writer_figures: dict[str, float] = {}  # set when the store closes
        self._readers: Readers | None = None
        self._salt: bytes | None = None
        self._migrated = (0, 0)  # what `open` found and left
        self._dictionary: Dictionary | None = None  # for new documents (codec.py)
        self._dictionaries: dict[int, bytes] = {}  # every one read so far, by id
        self._making = asyncio.Lock()
        self._unfolded = 0  # results written since this process last folded (rollups.py)

    # -- lifecycle ------------------------------------------------------------------------

    async def open(self, *, migrate: bool = True) -> None:
        if self._writer is not None:
            return
        if not migrate and not self.path.exists():
            raise StoreMissing(self.url.display)
        if migrate:
            try:
                make_private(self.path)
            except OSError as exc:
                raise StoreUnavailable(
                    self.url.display, f"cannot create {self.path}: {exc.strerror}"
                ) from None
        self._writer = Writer(self._connect_writer, self._unavailable, stats.flush)
        try:
            job = functools.partial(self._migrate, migrate)
            self._migrated = await self._writer.submit(job, alone=True)
        except BaseException:
            await self._stop()
            raise
        self._readers = Readers(self._connect_reader, self._unavailable)
        self._dictionary = await self._read(upkeep.newest_dictionary)

    async def close(self) -> None:
        if self._writer is not None and self._unfolded:
            with contextlib.suppress(StoreUnavailable):  # left for the next process to fold
                await self.fold()
        await self._stop()

    async def fold(self) -> int:
        """Fold every finished auction into the rollups (rollups.py); how many."""
        self._unfolded, total = 0, 0
        while n := await self._write(upkeep.fold, FOLD_BATCH):
            total += n
            if n < FOLD_BATCH:
                break
        return total

    async def _stop(self) -> None:
        writer, readers = self._writer, self._readers
        self._writer = self._readers = None
        if writer is not None:
            await asyncio.to_thread(writer.stop)
            # what the writer did, for the benchmarks: commits, writes, its thread's CPU
            self.writer_figures = {
                "groups": writer.groups,
                "ops": writer.ops,
                "cpu_s": writer.cpu_s,
            }
        if readers is not None:
            await asyncio.to_thread(readers.stop)

    async def migrate(self) -> tuple[int, int]:
        if self._writer is None:
            await self.open()
            return self._migrated
        return await self._alone(functools.partial(self._migrate, True))

    async def info(self) -> StoreInfo:
        found = await self._read(schema.read_version)
        counts = await self._read(reads.counts)
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        return StoreInfo("sqlite", self.url.display, found, self._version, size, counts)

    # -- write-ahead ----------------------------------------------------------------------

    async def prior(self, lead_key: str) -> PriorAuction | None:
        return await self._read(reads.prior, lead_key)

    async def post_intent(self, lead: LeadRecord, intent: PostIntent) -> CapReached | None:
        return await self._write(writes.post_intent, lead, intent)

    async def post_outcome(self, outcome: PostOutcome) -> None:
        await self._write(writes.post_outcome, outcome)

    async def finish(self, record: AuctionRecord) -> None:
        if self._dictionary is None and record.document:
            await self._make_dictionary(record)
        await self._write(writes.finish, record, self._dictionary)
        await self._folded_one()

    async def _folded_one(self) -> None:
        """Count a result written; fold the batch when it is full."""
        self._unfolded += 1
        if self._unfolded >= FOLD_EVERY:
            await self.fold()

    async def _make_dictionary(self, record: AuctionRecord) -> None:
        """The store's dictionary, from this document if it has none yet (dictionary.py)."""
        async with self._making:
            if self._dictionary is not None:
                return
            data = make_dictionary(record.document, record.lead.lead_json)
            if data is not None:
                made = functools.partial(upkeep.ensure_dictionary, data=data, at=record.finished_at)
                self._dictionary = await self._alone(made)

    # -- the log --------------------------------------------------------------------------

    async def log(self, query: LogQuery) -> list[LogRow]:
        return await self._read(reads.log, query)

    async def auction(self, auction_id: str) -> StoredAuction | None:
        return await self._read(reads.auction, auction_id, self._dictionaries)

    async def stats(self, since: float, until: float, *, by: str = "account") -> list[StatsRow]:
        if await self._read(stats.unfolded) > FOLD_BATCH:  # left by a process that died
            await self.fold()
        return await self._read(stats.stats, since, until, by)

    async def open_auctions(self) -> list[OpenAuction]:
        return await self._read(reads.open_auctions)

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
        await self._write(recovery.resolve, auction_id, account, sold, price, at, reason)
        await self._folded_one()

    async def close_auction(self, auction_id: str, *, at: float, reason: str) -> None:
        await self._write(recovery.close_auction, auction_id, at, reason)
        await self._folded_one()

    async def purge(self, *, before: float | None = None, auction_id: str | None = None) -> int:
        total = 0
        named = auction_id
        while True:
            n, more = await self._write(recovery.purge, before, named)
            total, named = total + n, None
            if not more:
                break
        await self._alone(_vacuum)
        return total

    # -- controls -------------------------------------------------------------------------

    async def salt(self) -> bytes:
        if self._salt is None:
            self._salt = await self._read(controls.salt)
        return self._salt

    async def usage(self, windows: Mapping[str, Sequence[str]]) -> dict[tuple[str, str], Usage]:
        return await self._read(controls.usage, windows)

    async def claim_lead(
        self, scope: str, key: str, *, since: float, auction_id: str, at: float
    ) -> str | None:
        return await self._write(controls.claim_lead, scope, key, since, auction_id, at)

    async def seen_lead(self, scope: str, key: str, *, since: float) -> str | None:
        return await self._read(controls.seen_lead, scope, key, since)

    async def bought(self, key: str, since: Mapping[str, float]) -> set[str]:
        return await self._read(controls.bought, key, since)

    async def account_states(self, accounts: Sequence[str]) -> dict[str, AccountState]:
        return await self._read(controls.account_states, accounts)

    async def pause(self, account: str, until: float | None, reason: str | None) -> None:
        await self._write(controls.pause, account, until, reason)

    # -- serve ----------------------------------------------------------------------------

    async def claim_request(
        self, source: str, key: str, body_hash: str, *, at: float, stale_before: float | None = None
    ) -> RequestClaim:
        return await self._write(controls.claim_request, source, key, body_hash, at, stale_before)

    async def complete_request(self, source: str, key: str, status: int, body: bytes) -> None:
        await self._write(controls.complete_request, source, key, status, body)

    async def release_request(self, source: str, key: str) -> None:
        await self._write(controls.release_request, source, key)

    # -- plumbing -------------------------------------------------------------------------

    async def _write(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._running_writer().submit(lambda conn, rollups: fn(conn, rollups, *args))

    async def _alone(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await self._running_writer().submit(fn, alone=True)

    async def _read(self, fn: Callable[..., T], *args: Any) -> T:
        if self._readers is None:
            raise StoreUnavailable(self.url.display, "the store is not open")
        return await self._readers.submit(lambda conn: fn(conn, *args))

    def _running_writer(self) -> Writer:
        if self._writer is None:
            raise StoreUnavailable(self.url.display, "the store is not open")
        return self._writer

    def _connect_writer(self) -> sqlite3.Connection:
        return connect(self.path, self.url.busy_timeout, writer=True)

    def _connect_reader(self) -> sqlite3.Connection:
        return connect(self.path, self.url.busy_timeout, writer=False)

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        return unavailable(self.url.display, self.url.busy_timeout, exc)

    def _migrate(self, migrate: bool, conn: sqlite3.Connection) -> tuple[int, int]:
        """Create or migrate the schema under an exclusive lock; (before, after)."""
        found = schema.read_version(conn)
        if not pending(self.url.display, found, self._version, self._steps, migrate=migrate):
            return found, found
        conn.execute("BEGIN EXCLUSIVE")  # another process migrating: wait, then re-read
        try:
            found = schema.read_version(conn)
            todo = pending(self.url.display, found, self._version, self._steps, migrate=migrate)
            if found == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise StoreUnavailable(
                    self.url.display, "the file is an SQLite database, but not a pingpost store"
                )
            for step in todo:
                step.apply(conn)
                schema.write_version(conn, step.version)
            conn.execute("COMMIT")
        except BaseException:
            conn.rollback()
            raise
        return found, self._version


def make_private(path: Path) -> None:
    """Create a new store file readable by its owner only (it holds leads as received; its
    WAL and index files take the same mode). A `.pingpost` directory it creates gets a
    .gitignore, so that the store beside a git-versioned config directory stays out of git."""
    directory = path.parent
    if not directory.exists():
        directory.mkdir(parents=True, mode=0o700)
        if directory.name == ".pingpost":
            (directory / ".gitignore").write_text("# pingpost's store: leads, PII included\n*\n")
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _vacuum(conn: sqlite3.Connection) -> None:
    """Give the pages freed by a purge back to the file system, and empty the WAL of
    the purged pages' old images."""
    conn.execute("PRAGMA incremental_vacuum").fetchall()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
