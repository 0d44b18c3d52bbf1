"""Which backend a store URL names: `store_for_url` builds it, `open_store` opens it too.

The backends are imported only when a URL names them, so that a command using
SQLite never loads the PostgreSQL driver.
"""

from __future__ import annotations

from pingpost.store.api import Store
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
