"""Opening SQLite connections as the store needs them, and SQLite errors in plain words.

WAL lets readers and one writer work at once and several processes share the
file; `synchronous=FULL` makes every commit durable (an fsync of the WAL) before
the caller hears of it; the busy timeout makes a process wait for another's
write lock instead of failing. A new database gets `auto_vacuum=INCREMENTAL`,
so that purges can give space back to the file system; `secure_delete` zeroes
deleted content, so that a purged lead cannot be read back from free pages.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from pingpost.store.errors import StoreUnavailable

_CAUSES = {
    sqlite3.SQLITE_FULL: "the disk is full (or the store reached its size limit)",
    sqlite3.SQLITE_READONLY: "the store is read-only: check the permissions of the file "
    "and of its directory",
    sqlite3.SQLITE_CANTOPEN: "cannot open the database file: check that its directory "
    "exists and is writable",
    sqlite3.SQLITE_NOTADB: "the file is not an SQLite database",
    sqlite3.SQLITE_CORRUPT: "the database file is damaged",
    sqlite3.SQLITE_IOERR: "a disk I/O error",
    sqlite3.SQLITE_PERM: "permission denied",
}


def connect(path: Path, busy_timeout: float, *, writer: bool) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are begun explicitly)."""
    conn = sqlite3.connect(
        path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
    )
    try:
        if writer:
            if conn.execute("PRAGMA page_count").fetchone()[0] == 0:
                conn.execute("PRAGMA page_size = 16384")  # packs ~7 compressed documents a page
                conn.execute("PRAGMA auto_vacuum = INCREMENTAL")  # only before any table
            conn.execute("PRAGMA secure_delete = ON")  # a purged lead leaves no bytes behind
            mode = _use_wal(conn, busy_timeout)
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"cannot use WAL mode (journal mode {mode})")
        else:
            conn.execute("PRAGMA query_only = 1")
        conn.execute("PRAGMA synchronous = FULL")
    except BaseException:
        conn.close()
        raise
    return conn


def _use_wal(conn: sqlite3.Connection, busy_timeout: float) -> object:
    """Switch a new store to WAL (a no-op once it is); the journal mode SQLite reports.

    The switch rewrites the file's header under a read lock upgraded to a write lock,
    and SQLite answers that upgrade BUSY at once, without waiting the busy timeout, when
    another connection holds the write lock: two processes creating one store at the
    same moment. So the loser waits and asks again, within the busy timeout."""
    deadline = time.monotonic() + busy_timeout
    pause = 0.001
    while True:
        try:
            return conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as exc:
            busy = (exc.sqlite_errorcode & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
            if not busy or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def unavailable(url: str, busy_timeout: float, exc: BaseException) -> StoreUnavailable:
    """A StoreUnavailable saying what SQLite's error means for the user."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        cause = f"another process has held the store's write lock for more than {busy_timeout:g} s"
    else:
        cause = _CAUSES.get(primary or -1, str(exc))
    return StoreUnavailable(url, cause)
