"""The buyer controls' state and serve's idempotency keys on SQLite: claims and lookups.

Claims run in the writer (atomic check-and-record under the write lock); the
lookups run on reader connections.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

from pingpost.store.records import (
    AccountState,
    KeyAnswered,
    KeyClaimed,
    KeyMismatch,
    KeyPending,
    RequestClaim,
    Usage,
)
from pingpost.store.rollups import Rollups
from pingpost.store.sqlite.writes import used

# -- writes (in the writer) ------------------------------------------------------------


def claim_lead(
    conn: sqlite3.Connection,
    _: Rollups,
    scope: str,
    key: str,
    since: float,
    auction_id: str,
    at: float,
) -> str | None:
    earlier = seen_lead(conn, scope, key, since)
    if earlier is None:
        conn.execute(
            "INSERT INTO seen VALUES (?, ?, ?, ?) ON CONFLICT (scope, key) "
            "DO UPDATE SET at = excluded.at, auction_id = excluded.auction_id",
            (scope, key, at, auction_id),
        )
    return earlier


def pause(
    conn: sqlite3.Connection, _: Rollups, account: str, until: float | None, reason: str | None
) -> None:
    conn.execute(
        "INSERT INTO accounts (account, paused_until, pause_reason) VALUES (?, ?, ?) "
        "ON CONFLICT (account) DO UPDATE SET paused_until = excluded.paused_until, "
        "pause_reason = excluded.pause_reason",
        (account, until, reason),
    )


def claim_request(
    conn: sqlite3.Connection,
    _: Rollups,
    source: str,
    key: str,
    body_hash: str,
    at: float,
    stale_before: float | None = None,
) -> RequestClaim:
    row = conn.execute(
        "SELECT body_hash, status, body, at FROM requests WHERE source = ? AND key = ?",
        (source, key),
    ).fetchone()
    if row is None:
        conn.execute(
            "INSERT INTO requests (source, key, body_hash, at) VALUES (?, ?, ?, ?)",
            (source, key, body_hash, at),
        )
        return KeyClaimed()
    if row[0] != body_hash:
        return KeyMismatch()
    if row[1] is not None:
        return KeyAnswered(int(row[1]), bytes(row[2]))
    if stale_before is not None and row[3] < stale_before:  # its owner died: take it over
        conn.execute("UPDATE requests SET at = ? WHERE source = ? AND key = ?", (at, source, key))
        return KeyClaimed(taken_over=True)
    return KeyPending()


def complete_request(
    conn: sqlite3.Connection, _: Rollups, source: str, key: str, status: int, body: bytes
) -> None:
    conn.execute(
        "UPDATE requests SET status = ?, body = ? WHERE source = ? AND key = ?",
        (status, body, source, key),
    )


def release_request(conn: sqlite3.Connection, _: Rollups, source: str, key: str) -> None:
    conn.execute("DELETE FROM requests WHERE source = ? AND key = ?", (source, key))


# -- reads (on a reader) ---------------------------------------------------------------


def seen_lead(conn: sqlite3.Connection, scope: str, key: str, since: float) -> str | None:
    row = conn.execute(
        "SELECT at, auction_id FROM seen WHERE scope = ? AND key = ?", (scope, key)
    ).fetchone()
    return str(row[1]) if row is not None and row[0] >= since else None


def usage(
    conn: sqlite3.Connection, windows: Mapping[str, Sequence[str]]
) -> dict[tuple[str, str], Usage]:
    return {(account, w): used(conn, account, w) for account, ws in windows.items() for w in ws}


def bought(conn: sqlite3.Connection, key: str, since: Mapping[str, float]) -> set[str]:
    found = set()
    for account, t in since.items():
        row = conn.execute(
            "SELECT at FROM bought WHERE account = ? AND key = ?", (account, key)
        ).fetchone()
        if row is not None and row[0] >= t:
            found.add(account)
    return found


def account_states(conn: sqlite3.Connection, accounts: Sequence[str]) -> dict[str, AccountState]:
    states = {a: AccountState() for a in accounts}
    for account in accounts:
        row = conn.execute(
            "SELECT last_sale_at, paused_until, pause_reason FROM accounts WHERE account = ?",
            (account,),
        ).fetchone()
        if row is not None:
            states[account] = AccountState(row[0], row[1], row[2])
    return states


def salt(conn: sqlite3.Connection) -> bytes:
    row = conn.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
    return bytes.fromhex(row[0])
