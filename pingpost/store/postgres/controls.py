"""The buyer controls' state and serve's idempotency keys on PostgreSQL.

Claims are single atomic statements (conditional upserts), so two instances
claiming one key at once get one winner without any lock held in between.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from pingpost.store.postgres.pool import Connection
from pingpost.store.records import (
    AccountState,
    KeyAnswered,
    KeyClaimed,
    KeyMismatch,
    KeyPending,
    RequestClaim,
    Usage,
)


async def claim_lead(
    conn: Connection, scope: str, key: str, since: float, auction_id: str, at: float
) -> str | None:
    claimed = await conn.fetchval(
        "INSERT INTO seen AS s VALUES ($1, $2, $3, $4) ON CONFLICT (scope, key) DO UPDATE "
        "SET at = excluded.at, auction_id = excluded.auction_id WHERE s.at < $5 RETURNING 1",
        scope,
        key,
        at,
        auction_id,
        since,
    )
    if claimed:
        return None
    earlier = await conn.fetchval(
        "SELECT auction_id FROM seen WHERE scope = $1 AND key = $2", scope, key
    )
    return str(earlier)


async def seen_lead(conn: Connection, scope: str, key: str, since: float) -> str | None:
    row = await conn.fetchrow(
        "SELECT at, auction_id FROM seen WHERE scope = $1 AND key = $2", scope, key
    )
    return str(row[1]) if row is not None and row[0] >= since else None


async def pause(conn: Connection, account: str, until: float | None, reason: str | None) -> None:
    await conn.execute(
        "INSERT INTO accounts (account, paused_until, pause_reason) VALUES ($1, $2, $3) "
        "ON CONFLICT (account) DO UPDATE SET paused_until = excluded.paused_until, "
        "pause_reason = excluded.pause_reason",
        account,
        until,
        reason,
    )


async def usage(
    conn: Connection, windows: Mapping[str, Sequence[str]]
) -> dict[tuple[str, str], Usage]:
    keys = [(account, w) for account, ws in windows.items() for w in ws]
    found = {
        (a, w): Usage(leads, Decimal(spend))
        for a, w, leads, spend in await conn.fetch(
            "SELECT account, cap_window, leads, spend FROM usage WHERE (account, cap_window) "
            "IN (SELECT * FROM unnest($1::text[], $2::text[]))",
            [k[0] for k in keys],
            [k[1] for k in keys],
        )
    }
    return {k: found.get(k, Usage()) for k in keys}


async def bought(conn: Connection, key: str, since: Mapping[str, float]) -> set[str]:
    rows = await conn.fetch(
        "SELECT account, at FROM bought WHERE key = $1 AND account = ANY($2::text[])",
        key,
        list(since),
    )
    return {account for account, at in rows if at >= since[account]}


async def account_states(conn: Connection, accounts: Sequence[str]) -> dict[str, AccountState]:
    states = {a: AccountState() for a in accounts}
    for account, last, until, reason in await conn.fetch(
        "SELECT account, last_sale_at, paused_until, pause_reason FROM accounts "
        "WHERE account = ANY($1::text[])",
        list(accounts),
    ):
        states[account] = AccountState(last, until, reason)
    return states


async def salt(conn: Connection) -> bytes:
    return bytes.fromhex(await conn.fetchval("SELECT value FROM meta WHERE key = 'salt'"))


async def claim_request(
    conn: Connection,
    source: str,
    key: str,
    body_hash: str,
    at: float,
    stale_before: float | None = None,
) -> RequestClaim:
    if await conn.fetchval(
        "INSERT INTO requests (source, key, body_hash, at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (source, key) DO NOTHING RETURNING 1",
        source,
        key,
        body_hash,
        at,
    ):
        return KeyClaimed()
    row = await conn.fetchrow(
        "SELECT body_hash, status, body FROM requests WHERE source = $1 AND key = $2",
        source,
        key,
    )
    if row is None:  # released between the two statements: try again
        return await claim_request(conn, source, key, body_hash, at, stale_before)
    if row[0] != body_hash:
        return KeyMismatch()
    if row[1] is not None:
        return KeyAnswered(int(row[1]), bytes(row[2]))
    # its owner died: one caller takes it over (the row lock makes the update atomic)
    if stale_before is not None and await conn.fetchval(
        "UPDATE requests SET at = $1 WHERE source = $2 AND key = $3 AND body_hash = $4 "
        "AND status IS NULL AND at < $5 RETURNING 1",
        at,
        source,
        key,
        body_hash,
        stale_before,
    ):
        return KeyClaimed(taken_over=True)
    return KeyPending()


async def complete_request(
    conn: Connection, source: str, key: str, status: int, body: bytes
) -> None:
    await conn.execute(
        "UPDATE requests SET status = $1, body = $2 WHERE source = $3 AND key = $4",
        status,
        body,
        source,
        key,
    )


async def release_request(conn: Connection, source: str, key: str) -> None:
    await conn.execute("DELETE FROM requests WHERE source = $1 AND key = $2", source, key)
