"""Which backend a store URL names: `store_for_url` builds it, `open_store` opens it too,
`opened_store` opens it for one run and closes it after.

The backends are imported only when a URL names them, so that a command using
SQLite never loads the PostgreSQL driver.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pingpost.store.api import Store
from pingpost.store.errors import StoreMissing
from pingpost.store.url import parse_store_url


def store_for_url(url: str) -> Store:
    """A store for `url`, not yet opened (`await store.open()` connects)."""
    parsed = parse_store_url(url)
    if parsed.backend == "memory":
        from pingpost.store.memory import MemoryStore

        return MemoryStore()
    if parsed.backend == "sqlite":
        from pingpost.store.sqlite import SqliteStore

        return SqliteStore(parsed)
    from pingpost.store.postgres import PostgresStore

    return PostgresStore(parsed)


async def open_store(url: str, *, migrate: bool = True) -> Store:
    """`store_for_url(url)`, opened (the schema created or migrated unless `migrate=False`)."""
    store = store_for_url(url)
    await store.open(migrate=migrate)
    return store


@asynccontextmanager
async def opened_store(url: str | None, *, create: bool = True) -> AsyncIterator[Store | None]:
    """The store at `url` for one run, closed at the end (None: no store). `create=False`
    (dry runs, test mode: they only read) does not make a store that is not there yet:
    None then, and every cap and list starts empty."""
    if url is None:
        yield None
        return
    store = store_for_url(url)
    if create:
        await store.open()
    else:
        try:
            await store.open(migrate=False)
        except StoreMissing:
            yield None
            return
    try:
        yield store
    finally:
        await store.close()
