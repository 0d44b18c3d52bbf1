"""Resolving open posts and closing answered auctions (`pingpost recover`), and purging old
or named auctions, on SQLite."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from pingpost.store.errors import UnknownAuction
from pingpost.store.records import PostOutcome, PostStatus
from pingpost.store.rollups import Rollups
from pingpost.store.settle import NOT_CLOSABLE, Sale, resolved, resolved_line
from pingpost.store.sql import OPEN_AUCTION
from pingpost.store.sqlite.writes import (
    OPEN,
    POST,
    auction_row,
    read_lines,
    settle_post,
    take_back,
    write_lines,
)

PURGE_CHUNK = 500  # auctions per transaction, so that deliveries never wait long


def resolve(
    conn: sqlite3.Connection,
    rollups: Rollups,
    auction_id: str,
    account: str,
    sold: bool,
    price: Decimal | None,
    at: float,
    reason: str,
) -> None:
    row = auction_row(conn, auction_id)
    if row is None:
        raise UnknownAuction(auction_id)
    post = conn.execute(
        f"SELECT {POST}, p.attempt FROM posts p WHERE p.auction = ? AND p.account = ? "
        f"AND {OPEN} ORDER BY p.seq DESC LIMIT 1",
        (row, account),
    ).fetchone()
    if post is None:
        raise UnknownAuction(auction_id, f"no open post to {account}")
    status: PostStatus = "sold" if sold else "post_rejected"
    outcome = PostOutcome(auction_id, account, post[-1], status, at, price=price, reason=reason)
    lines = read_lines(conn, row)
    take_back(conn, rollups, row)
    settle_post(conn, post[:-1], outcome)
    sales = _sales(conn, row)
    _write_result(conn, row, sales, reason, at)
    sale_price = next((s.price for s in sales if s.account == account), None)
    lines = [resolved_line(x, status, sale_price) if x.account == account else x for x in lines]
    write_lines(conn, row, lines)


def close_auction(
    conn: sqlite3.Connection, _: Rollups, auction_id: str, at: float, reason: str
) -> None:
    found = conn.execute(
        "SELECT id, result FROM auctions WHERE auction_id = ?", (auction_id,)
    ).fetchone()
    if found is None:
        raise UnknownAuction(auction_id)
    row, result = found
    still_open = conn.execute(f"SELECT 1 FROM posts p WHERE p.auction = ? AND {OPEN}", (row,))
    if result is not None or still_open.fetchone() is not None:
        raise UnknownAuction(auction_id, NOT_CLOSABLE)
    _write_result(conn, row, _sales(conn, row), reason, at)


def _sales(conn: sqlite3.Connection, row: int) -> list[Sale]:
    return [
        Sale(a, Decimal(p))
        for a, p in conn.execute(
            "SELECT account, coalesce(price, amount) FROM posts WHERE auction = ? "
            "AND status = 'sold' ORDER BY seq",
            (row,),
        )
    ]


def _write_result(
    conn: sqlite3.Connection, row: int, sales: list[Sale], reason: str, at: float
) -> None:
    """The auction's result from its posts (sold, in doubt while one is open, else unsold),
    to be folded into the stats."""
    still_open = conn.execute(f"SELECT 1 FROM posts p WHERE p.auction = ? AND {OPEN}", (row,))
    now = resolved(sales, still_open.fetchone() is not None)
    conn.execute(
        "UPDATE auctions SET result = ?, sold_to = ?, price = ?, revenue = ?, reason = ?, "
        "finished_at = coalesce(finished_at, ?), duration_ms = coalesce(duration_ms, 0) "
        "WHERE id = ?",
        (
            now.result,
            now.sold_to,
            None if now.price is None else str(now.price),
            str(now.revenue),
            reason if now.result != "sold" else None,
            at,
            row,
        ),
    )
    conn.execute("INSERT OR IGNORE INTO unfolded VALUES (?)", (row,))


def purge(
    conn: sqlite3.Connection, rollups: Rollups, before: float | None, auction_id: str | None
) -> tuple[int, bool]:
    """Delete the named auction and up to PURGE_CHUNK finished before `before` (not open):
    (how many, whether more may be left). Their stats are taken back; cap counters and
    dedupe keys stay."""
    rows: list[int] = []
    if auction_id is not None:
        named = auction_row(conn, auction_id)
        rows += [] if named is None else [named]
    old: list[int] = []
    if before is not None:
        old = [
            r
            for (r,) in conn.execute(
                "SELECT id FROM auctions WHERE started_at < ? AND finished_at < ? "
                f"AND result IS NOT NULL AND NOT {OPEN_AUCTION} LIMIT ?",
                (before, before, PURGE_CHUNK),
            )
        ]
    doomed = list(dict.fromkeys(rows + old))
    for row in doomed:
        take_back(conn, rollups, row)
        for table in ("posts", "leads", "documents", "unfolded"):
            conn.execute(f"DELETE FROM {table} WHERE auction = ?", (row,))
        conn.execute("DELETE FROM auctions WHERE id = ?", (row,))
    return len(doomed), len(old) == PURGE_CHUNK
