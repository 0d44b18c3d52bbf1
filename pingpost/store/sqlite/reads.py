"""Reading the log on SQLite: prior auctions (W3), `log`, `log show`, `recover`'s list.

Every query here is answered from an index: auctions by lead key, by start
time, by result, by source; lines and posts by account; open auctions from a
partial index.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from typing import Any, Literal

from pingpost.store.codec import money, unpack
from pingpost.store.records import (
    LeadRecord,
    LogQuery,
    LogRow,
    OpenAuction,
    PostRecord,
    PriorAuction,
    StoredAuction,
)
from pingpost.store.settle import is_open, open_post
from pingpost.store.sql import OPEN_AUCTION

_ROW = (
    "a.auction_id, a.started_at, a.lead_type, a.source, coalesce(a.result, 'interrupted'), "
    "a.sold_to, a.price, a.duration_ms, a.reason"
)
_POST = "account, attempt, sent_at, amount, idempotency_key, status, price, reason, answered_at"


def log_row(r: Any) -> LogRow:
    return LogRow(r[0], r[1], r[2], r[3], r[4], r[5], money(r[6]), r[7], r[8])


def post_record(r: Any) -> PostRecord:
    return PostRecord(r[0], r[1], r[2], Decimal(r[3]), r[4], r[5], money(r[6]), r[7], r[8])


def posts_of(conn: sqlite3.Connection, row: int) -> list[PostRecord]:
    cur = conn.execute(f"SELECT {_POST} FROM posts WHERE auction = ? ORDER BY seq", (row,))
    return [post_record(r) for r in cur]


def prior(conn: sqlite3.Connection, lead_key: str) -> PriorAuction | None:
    found = conn.execute(
        "SELECT id, auction_id, result, finished_at, started_at FROM auctions "
        "WHERE lead_key = ? ORDER BY id DESC LIMIT 1",
        (lead_key,),
    ).fetchone()
    if found is None:
        return None
    row, auction_id, result, finished_at, started_at = found
    posts = posts_of(conn, row)
    sold = tuple(p.account for p in posts if p.status == "sold")
    open_posts = tuple(open_post(p) for p in posts if is_open(p))
    if result is not None:
        return PriorAuction(auction_id, "finished", result, sold, open_posts, finished_at)
    return PriorAuction(auction_id, "interrupted", None, sold, open_posts, started_at)


def log(conn: sqlite3.Connection, q: LogQuery) -> list[LogRow]:
    where, args = _filters(q)
    sql = (
        f"SELECT {_ROW} FROM auctions a WHERE {' AND '.join(where) or '1'} "
        "ORDER BY a.started_at DESC, a.auction_id DESC LIMIT ?"
    )
    return [log_row(r) for r in conn.execute(sql, (*args, max(q.limit, 0)))]


def _filters(q: LogQuery) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if q.since is not None:
        where.append("a.started_at >= ?")
        args.append(q.since)
    if q.until is not None:
        where.append("a.started_at < ?")
        args.append(q.until)
    if q.result == "interrupted":
        where.append("a.result IS NULL")
    elif q.result is not None:
        where.append("a.result = ?")
        args.append(q.result)
    if q.lead_id is not None:
        where.append("a.auction_id = ?")
        args.append(q.lead_id)
    if q.source is not None:
        where.append("a.source = ?")
        args.append(q.source)
    if q.account is not None:
        where.append(
            "(a.id IN (SELECT auction FROM lines WHERE account = ?) "
            "OR a.id IN (SELECT auction FROM posts WHERE account = ?))"
        )
        args += [q.account, q.account]
    return where, args


def auction(
    conn: sqlite3.Connection, auction_id: str, dictionaries: dict[int, bytes]
) -> StoredAuction | None:
    found = conn.execute(
        f"SELECT a.id, a.lead_key, l.lead, d.document, {_ROW} FROM auctions a "
        "JOIN leads l ON l.auction = a.id LEFT JOIN documents d ON d.auction = a.id "
        "WHERE a.auction_id = ?",
        (auction_id,),
    ).fetchone()
    if found is None:
        return None
    row, lead_key, lead_blob, document = found[:4]
    log = log_row(found[4:])
    lead = LeadRecord(
        log.auction_id,
        lead_key,
        log.lead_type,
        unpack(lead_blob).decode(),
        log.started_at,
        log.source,
    )
    doc = unpack(document, lambda n: dictionary(conn, dictionaries, n)) if document else None
    return StoredAuction(log, lead, doc or None, tuple(posts_of(conn, row)))


def dictionary(conn: sqlite3.Connection, known: dict[int, bytes], number: int) -> bytes:
    """A compression dictionary by id, read once per store object (they never change)."""
    if number not in known:
        row = conn.execute("SELECT data FROM dictionaries WHERE id = ?", (number,)).fetchone()
        if row is None:
            raise ValueError(f"compression dictionary {number} is missing from the store")
        known[number] = bytes(row[0])
    return known[number]


def open_auctions(conn: sqlite3.Connection) -> list[OpenAuction]:
    rows = conn.execute(
        f"SELECT id, auction_id, lead_type, source, started_at, result FROM auctions "
        f"WHERE {OPEN_AUCTION} ORDER BY started_at, id"
    ).fetchall()
    found = []
    for row, auction_id, lead_type, source, started_at, result in rows:
        posts = tuple(open_post(p) for p in posts_of(conn, row) if is_open(p))
        state: Literal["interrupted", "in_doubt"] = "interrupted" if result is None else "in_doubt"
        found.append(OpenAuction(auction_id, lead_type, source, started_at, state, posts))
    return found


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    one = conn.execute
    return {
        "auctions": one("SELECT count(*) FROM auctions").fetchone()[0],
        "posts": one("SELECT count(*) FROM posts").fetchone()[0],
        "open auctions": one(f"SELECT count(*) FROM auctions WHERE {OPEN_AUCTION}").fetchone()[0],
        "idempotency keys": one("SELECT count(*) FROM requests").fetchone()[0],
        "dedupe keys": one("SELECT count(*) FROM seen").fetchone()[0]
        + one("SELECT count(*) FROM bought").fetchone()[0],
    }
