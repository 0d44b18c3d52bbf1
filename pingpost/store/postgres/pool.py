"""The connection pool (asyncpg), PostgreSQL's errors in plain words, and retries.

asyncpg was chosen by measurement (docs/store.md, benchmarks/bench_pg_drivers.py):
on the log's write pattern it spent half the client CPU per lead of psycopg 3.
Every call borrows a connection for its statements only: no lock is held
across anything but them (never across an HTTP exchange). Deadlocks and
serialization failures are retried; a server that cannot be reached, a
read-only database, or a full disk raise StoreUnavailable.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg

from pingpost.store.errors import StoreError, StoreUnavailable
from pingpost.store.url import StoreUrl

T = TypeVar("T")
# While the server is down the pool logs each failed reconnect with a traceback; the calls
# that needed a connection already raise StoreUnavailable, which says it in words. A handler
# of its own keeps Python's last-resort handler from printing it on a command's stderr
# (an application that configures logging still receives the records).
logging.getLogger("asyncpg.pool").addHandler(logging.NullHandler())
Connection = Any  # asyncpg.Connection, or the pool's proxy of one
POOL_SIZE = 10
CONNECT_TIMEOUT = 10.0  # seconds to connect, or to wait for a free connection
COMMAND_TIMEOUT = 60.0
RETRIES = 5
_RETRY = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected
# what a lost or broken connection raises (besides PostgresError)
_DRIVER_ERRORS = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)
_CAUSES = {
    "25006": "the database is read-only",
    "53100": "the database server's disk is full",
    "53300": "the database server has too many connections",
    "57P01": "the database server is shutting down",
    "57P03": "the database server is starting up or not accepting connections",
    "3D000": "the database does not exist",
    "28P01": "the password was refused",
    "28000": "the server refused the user",
    "42501": "the user lacks a privilege the store needs",
}


def unavailable(url: str, exc: BaseException) -> StoreError:
    """A StoreUnavailable saying what the driver's error means for the user."""
    if isinstance(exc, StoreError):
        return exc
    state = getattr(exc, "sqlstate", None)
    if isinstance(state, str) and state in _CAUSES:
        return StoreUnavailable(url, _CAUSES[state])
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return StoreUnavailable(url, "the database server did not answer in time")
    if isinstance(exc, OSError):
        return StoreUnavailable(url, f"cannot reach the database server: {exc.strerror or exc}")
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return StoreUnavailable(url, text)


async def _keep(conn: Any) -> None:
    """Return a connection to the pool as it is (asyncpg would reset its session)."""


class Database:
    """A pool over one database (and schema) with error mapping and retries."""

    def __init__(self, url: StoreUrl) -> None:
        self.url = url
        self._pool: asyncpg.Pool | None = None

    async def start(self) -> None:
        settings = {"search_path": f'"{self.url.schema}"'} if self.url.schema else None
        try:
            self._pool = await asyncpg.create_pool(
                self.url.dsn,
                min_size=1,
                max_size=POOL_SIZE,
                timeout=CONNECT_TIMEOUT,
                command_timeout=COMMAND_TIMEOUT,
                server_settings=settings,
                reset=_keep,  # the store sets no session state: save a round trip per call
            )
        except Exception as exc:
            raise unavailable(self.url.display, exc) from None

    async def stop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), CONNECT_TIMEOUT)
            except Exception:
                pool.terminate()

    async def run(self, fn: Callable[[Connection], Awaitable[T]], *, tx: bool = False) -> T:
        """`fn(conn)` on a pooled connection (in a transaction if `tx`), retried on
        deadlocks and serialization failures."""
        if self._pool is None:
            raise StoreUnavailable(self.url.display, "the store is not open")
        for attempt in range(RETRIES):
            try:
                async with self._pool.acquire(timeout=CONNECT_TIMEOUT) as conn:
                    if not tx:
                        return await fn(conn)
                    async with conn.transaction():
                        return await fn(conn)
            except asyncpg.PostgresError as exc:
                if exc.sqlstate in _RETRY and attempt + 1 < RETRIES:
                    await asyncio.sleep(random.uniform(0.005, 0.02) * 2**attempt)
                    continue
                raise unavailable(self.url.display, exc) from None
            except _DRIVER_ERRORS as exc:
                raise unavailable(self.url.display, exc) from None
        raise AssertionError("unreachable")  # pragma: no cover
