"""What the SQLite writer does besides the write-ahead: folding results into the rollups
(rollups.py) and making the store's compression dictionary (dictionary.py)."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from pingpost.store.codec import Dictionary
from pingpost.store.records import AccountLine
from pingpost.store.rollups import Rollups
from pingpost.store.sqlite.writes import line_of


def fold(conn: sqlite3.Connection, rollups: Rollups, limit: int) -> int:
    """Fold up to `limit` finished auctions into the rollups (rollups.py); how many."""
    rows = conn.execute(
        "SELECT a.id, a.started_at, a.source, a.result, a.revenue FROM unfolded u "
        "JOIN auctions a ON a.id = u.auction LIMIT ?",
        (limit,),
    ).fetchall()
    lines: dict[int, list[AccountLine]] = {row[0]: [] for row in rows}
    for start in range(0, len(rows), 500):
        ids = [row[0] for row in rows[start : start + 500]]
        for auction, *values in conn.execute(
            "SELECT auction, account, status, bid, ping_ms, post_ms, error_kind, price "
            f"FROM lines WHERE auction IN ({','.join('?' * len(ids))})",
            ids,
        ):
            lines[auction].append(line_of(values))
        conn.execute(f"DELETE FROM unfolded WHERE auction IN ({','.join('?' * len(ids))})", ids)
    for row, started_at, source, result, revenue in rows:
        rollups.add(started_at, source, result, Decimal(revenue), lines[row])
    return len(rows)


def ensure_dictionary(conn: sqlite3.Connection, data: bytes, at: float) -> Dictionary:
    """The store's newest dictionary, made from `data` if it has none (an `alone` job: it is
    committed before any document uses it)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = newest_dictionary(conn)
        if found is None:
            conn.execute("INSERT INTO dictionaries (data, made_at) VALUES (?, ?)", (data, at))
            found = newest_dictionary(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.rollback()
        raise
    assert found is not None
    return found


def newest_dictionary(conn: sqlite3.Connection) -> Dictionary | None:
    row = conn.execute("SELECT id, data FROM dictionaries ORDER BY id DESC LIMIT 1").fetchone()
    return None if row is None else (int(row[0]), bytes(row[1]))
