"""Where a text occurs in a store, at rest: for tests and audits (secrets never stored,
dedupe keys hashed, purged leads gone).

SQLite: the raw bytes of the database file and its WAL, then every column of
every row. PostgreSQL: every column of every row of the store's schema. Blobs
are also searched unpacked (codec.py), since a document is compressed and a
raw search alone would never find anything in it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from pingpost.store.codec import unpack
from pingpost.store.url import parse_store_url


async def find_text(url: str, text: str) -> list[str]:
    """Every place `text` occurs in the store at `url`: `file NAME`, `TABLE.COLUMN`."""
    parsed = parse_store_url(url)
    needle = text.encode()
    if parsed.backend == "sqlite":
        assert parsed.path is not None
        return _sqlite(parsed.path, needle)
    if parsed.backend == "postgresql":
        return await _postgres(url, needle)
    raise ValueError("a memory store has nothing at rest")


def _sqlite(path: Path, needle: bytes) -> list[str]:
    found = [
        f"file {p.name}"
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
        if p.exists() and needle in p.read_bytes()
    ]
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        known = dict(conn.execute("SELECT id, data FROM dictionaries")) if tables else {}
        for table in tables:
            cur = conn.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cur.description]
            found += _in_rows(table, columns, cur.fetchall(), needle, known)
    finally:
        conn.close()
    return sorted(set(found), key=found.index)


async def _postgres(url: str, needle: bytes) -> list[str]:
    from pingpost.store.postgres.pool import Database

    db = Database(parse_store_url(url))
    await db.start()
    found: list[str] = []

    async def scan(conn: Any) -> None:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        known = dict(await conn.fetch("SELECT id, data FROM dictionaries")) if tables else {}
        for (table,) in tables:
            rows = await conn.fetch(f'SELECT * FROM "{table}"')
            columns = list(rows[0].keys()) if rows else []
            found.extend(_in_rows(table, columns, [tuple(r) for r in rows], needle, known))

    try:
        await db.run(scan)
    finally:
        await db.stop()
    return sorted(set(found), key=found.index)


def _in_rows(
    table: str, columns: list[str], rows: list[Any], needle: bytes, known: dict[int, bytes]
) -> list[str]:
    return [
        f"{table}.{column}"
        for row in rows
        for column, value in zip(columns, row, strict=True)
        if _contains(value, needle, known)
    ]


def _contains(value: Any, needle: bytes, known: dict[int, bytes]) -> bool:
    if value is None:
        return False
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        if needle in raw:
            return True
        try:
            return needle in unpack(raw, lambda n: bytes(known[n]))
        except Exception:  # not a packed blob
            return False
    return needle in str(value).encode()
