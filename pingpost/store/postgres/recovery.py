"""Resolving open posts, closing answered auctions and purging auctions on PostgreSQL, as
short transactions."""

from __future__ import annotations

from decimal import Decimal

from pingpost.store.errors import UnknownAuction
from pingpost.store.postgres.pool import Connection
from pingpost.store.postgres.writes import line_args, read_lines, take_back
from pingpost.store.settle import NOT_CLOSABLE, Sale, resolved, resolved_line
from pingpost.store.sql import OPEN_AUCTION

PURGE_CHUNK = 500  # auctions per transaction
OPEN = "(status IS NULL OR status = 'in_doubt')"


async def resolve(
    conn: Connection,
    auction_id: str,
    account: str,
    sold: bool,
    price: Decimal | None,
    at: float,
    reason: str,
) -> None:
    row = await conn.fetchval(
        "SELECT id FROM auctions WHERE auction_id = $1 FOR UPDATE", auction_id
    )
    if row is None:
        raise UnknownAuction(auction_id)
    seq = await conn.fetchval(
        f"SELECT seq FROM posts WHERE auction = $1 AND account = $2 AND {OPEN} "
        "ORDER BY seq DESC LIMIT 1",
        row,
        account,
    )
    if seq is None:
        raise UnknownAuction(auction_id, f"no open post to {account}")
    status = "sold" if sold else "post_rejected"
    lines = await read_lines(conn, row)
    await take_back(conn, [row])
    await conn.execute("SELECT pp_settle($1, $2, $3, $4, $5, NULL)", seq, status, price, reason, at)
    sales = await _sales(conn, row)
    await _write_result(conn, row, sales, reason, at)
    sale_price = next((s.price for s in sales if s.account == account), None)
    lines = [resolved_line(x, status, sale_price) if x.account == account else x for x in lines]
    await conn.execute(
        "INSERT INTO lines SELECT $1, a, s, b, pi, po, e, pr FROM unnest($2::text[], "
        "$3::text[], $4::numeric[], $5::float8[], $6::float8[], $7::text[], $8::numeric[]) "
        "AS x (a, s, b, pi, po, e, pr)",
        row,
        *line_args(lines),
    )


async def close_auction(conn: Connection, auction_id: str, at: float, reason: str) -> None:
    found = await conn.fetchrow(
        "SELECT id, result FROM auctions WHERE auction_id = $1 FOR UPDATE", auction_id
    )
    if found is None:
        raise UnknownAuction(auction_id)
    row, result = found
    still_open = await conn.fetchval(
        f"SELECT count(*) FROM posts WHERE auction = $1 AND {OPEN}", row
    )
    if result is not None or still_open:
        raise UnknownAuction(auction_id, NOT_CLOSABLE)
    await _write_result(conn, row, await _sales(conn, row), reason, at)


async def _sales(conn: Connection, row: int) -> list[Sale]:
    return [
        Sale(a, p)
        for a, p in await conn.fetch(
            "SELECT account, coalesce(price, amount) FROM posts WHERE auction = $1 "
            "AND status = 'sold' ORDER BY seq",
            row,
        )
    ]


async def _write_result(
    conn: Connection, row: int, sales: list[Sale], reason: str, at: float
) -> None:
    """The auction's result from its posts (sold, in doubt while one is open, else unsold),
    to be folded into the stats."""
    still_open = await conn.fetchval(
        f"SELECT count(*) FROM posts WHERE auction = $1 AND {OPEN}", row
    )
    now = resolved(sales, still_open > 0)
    await conn.execute(
        "UPDATE auctions SET result = $1, sold_to = $2, price = $3, revenue = $4, reason = $5, "
        "finished_at = coalesce(finished_at, $6), duration_ms = coalesce(duration_ms, 0) "
        "WHERE id = $7",
        now.result,
        now.sold_to,
        now.price,
        now.revenue,
        reason if now.result != "sold" else None,
        at,
        row,
    )
    await conn.execute("INSERT INTO unfolded VALUES ($1) ON CONFLICT DO NOTHING", row)


async def purge(conn: Connection, before: float | None, auction_id: str | None) -> tuple[int, bool]:
    """Delete the named auction and up to PURGE_CHUNK finished before `before` (not open):
    (how many, whether more may be left)."""
    rows: list[int] = []
    if auction_id is not None:
        named = await conn.fetchval("SELECT id FROM auctions WHERE auction_id = $1", auction_id)
        rows += [] if named is None else [named]
    old: list[int] = []
    if before is not None:
        old = [
            r
            for (r,) in await conn.fetch(
                "SELECT id FROM auctions WHERE started_at < $1 AND finished_at < $1 "
                f"AND result IS NOT NULL AND NOT {OPEN_AUCTION} LIMIT $2 FOR UPDATE SKIP LOCKED",
                before,
                PURGE_CHUNK,
            )
        ]
    doomed = list(dict.fromkeys(rows + old))
    if doomed:
        await take_back(conn, doomed)
        for table in ("posts", "leads", "documents", "unfolded"):
            await conn.execute(f"DELETE FROM {table} WHERE auction = ANY($1::bigint[])", doomed)
        await conn.execute("DELETE FROM auctions WHERE id = ANY($1::bigint[])", doomed)
    return len(doomed), len(old) == PURGE_CHUNK
