"""Reading the log on PostgreSQL: prior auctions (W3), `log`, `log show`, `recover`'s list.

The same queries and indexes as SQLite (sqlite/reads.py), with numbered parameters.
"""

from __future__ import annotations

from typing import Any, Literal

from pingpost.store.codec import dictionary_of, unpack
from pingpost.store.postgres.pool import Connection
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
    return LogRow(*r)


async def posts_of(conn: Connection, row: int) -> list[PostRecord]:
    cur = await conn.fetch(f"SELECT {_POST} FROM posts WHERE auction = $1 ORDER BY seq", row)
    return [PostRecord(*r) for r in cur]


async def prior(conn: Connection, lead_key: str) -> PriorAuction | None:
    found = await conn.fetchrow(
        "SELECT id, auction_id, result, finished_at, started_at FROM auctions "
        "WHERE lead_key = $1 ORDER BY id DESC LIMIT 1",
        lead_key,
    )
    if found is None:
        return None
    row, auction_id, result, finished_at, started_at = found
    posts = await posts_of(conn, row)
    sold = tuple(p.account for p in posts if p.status == "sold")
    open_posts = tuple(open_post(p) for p in posts if is_open(p))
    if result is not None:
        return PriorAuction(auction_id, "finished", result, sold, open_posts, finished_at)
    return PriorAuction(auction_id, "interrupted", None, sold, open_posts, started_at)


async def log(conn: Connection, q: LogQuery) -> list[LogRow]:
    where: list[str] = []
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if q.since is not None:
        where.append(f"a.started_at >= {arg(q.since)}")
    if q.until is not None:
        where.append(f"a.started_at < {arg(q.until)}")
    if q.result == "interrupted":
        where.append("a.result IS NULL")
    elif q.result is not None:
        where.append(f"a.result = {arg(q.result)}")
    if q.lead_id is not None:
        where.append(f"a.auction_id = {arg(q.lead_id)}")
    if q.source is not None:
        where.append(f"a.source = {arg(q.source)}")
    if q.account is not None:
        account = arg(q.account)
        where.append(
            f"(a.id IN (SELECT auction FROM lines WHERE account = {account}) "
            f"OR a.id IN (SELECT auction FROM posts WHERE account = {account}))"
        )
    sql = (
        f"SELECT {_ROW} FROM auctions a WHERE {' AND '.join(where) or 'true'} "
        f"ORDER BY a.started_at DESC, a.auction_id DESC LIMIT {arg(max(q.limit, 0))}"
    )
    return [log_row(r) for r in await conn.fetch(sql, *args)]


async def auction(
    conn: Connection, auction_id: str, dictionaries: dict[int, bytes]
) -> StoredAuction | None:
    found = await conn.fetchrow(
        f"SELECT a.id, a.lead_key, l.lead, d.document, {_ROW} FROM auctions a "
        "JOIN leads l ON l.auction = a.id LEFT JOIN documents d ON d.auction = a.id "
        "WHERE a.auction_id = $1",
        auction_id,
    )
    if found is None:
        return None
    row, lead_key, lead_blob, document = list(found)[:4]
    log = log_row(list(found)[4:])
    lead = LeadRecord(
        log.auction_id,
        lead_key,
        log.lead_type,
        unpack(lead_blob).decode(),
        log.started_at,
        log.source,
    )
    number = dictionary_of(document) if document else None
    if number is not None and number not in dictionaries:
        dictionaries[number] = bytes(
            await conn.fetchval("SELECT data FROM dictionaries WHERE id = $1", number)
        )
    doc = unpack(document, dictionaries.__getitem__) if document else None
    return StoredAuction(log, lead, doc or None, tuple(await posts_of(conn, row)))


async def newest_dictionary(conn: Connection) -> tuple[int, bytes] | None:
    row = await conn.fetchrow("SELECT id, data FROM dictionaries ORDER BY id DESC LIMIT 1")
    return None if row is None else (int(row[0]), bytes(row[1]))


async def ensure_dictionary(conn: Connection, data: bytes, at: float) -> tuple[int, bytes]:
    """The store's newest dictionary, made from `data` if it has none (committed before any
    document uses it; two instances making one at once keep the first)."""
    await conn.execute(
        "INSERT INTO dictionaries SELECT 1, $1, $2 WHERE NOT EXISTS "
        "(SELECT 1 FROM dictionaries) ON CONFLICT (id) DO NOTHING",
        data,
        at,
    )
    found = await newest_dictionary(conn)
    assert found is not None
    return found


async def open_auctions(conn: Connection) -> list[OpenAuction]:
    rows = await conn.fetch(
        "SELECT id, auction_id, lead_type, source, started_at, result FROM auctions "
        f"WHERE {OPEN_AUCTION} ORDER BY started_at, id"
    )
    found = []
    for row, auction_id, lead_type, source, started_at, result in rows:
        posts = tuple(open_post(p) for p in await posts_of(conn, row) if is_open(p))
        state: Literal["interrupted", "in_doubt"] = "interrupted" if result is None else "in_doubt"
        found.append(OpenAuction(auction_id, lead_type, source, started_at, state, posts))
    return found


async def counts(conn: Connection) -> dict[str, int]:
    one = conn.fetchval
    return {
        "auctions": await one("SELECT count(*) FROM auctions"),
        "posts": await one("SELECT count(*) FROM posts"),
        "open auctions": await one(f"SELECT count(*) FROM auctions WHERE {OPEN_AUCTION}"),
        "idempotency keys": await one("SELECT count(*) FROM requests"),
        "dedupe keys": await one(
            "SELECT (SELECT count(*) FROM seen) + (SELECT count(*) FROM bought)"
        ),
    }


async def size(conn: Connection) -> int:
    """Bytes of the store's tables and indexes in its schema."""
    total = await conn.fetchval(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
    )
    return int(total)
