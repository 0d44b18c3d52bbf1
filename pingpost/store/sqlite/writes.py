"""The write-ahead ops (W1-W3) on SQLite, each run by the writer inside its own savepoint.

Each op is `fn(conn, rollups)`: it reads and writes within the group's
transaction, which holds SQLite's write lock, so checks and counts (caps, dedupe
claims) are atomic across processes. Money arithmetic is exact (Decimal in
Python, text in the database).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from decimal import Decimal

from pingpost.store.codec import money, money_text, pack
from pingpost.store.errors import UnknownAuction
from pingpost.store.memory_stats import took_part
from pingpost.store.records import (
    AccountLine,
    AuctionRecord,
    CapReached,
    LeadRecord,
    PostIntent,
    PostOutcome,
    Usage,
)
from pingpost.store.rollups import Rollups
from pingpost.store.settle import settle

OPEN = "(status IS NULL OR status = 'in_doubt')"


def auction_row(conn: sqlite3.Connection, auction_id: str) -> int | None:
    row = conn.execute("SELECT id FROM auctions WHERE auction_id = ?", (auction_id,)).fetchone()
    return None if row is None else int(row[0])


def ensure_auction(conn: sqlite3.Connection, lead: LeadRecord) -> int:
    """The auction's row id, writing its lead record the first time."""
    known = auction_row(conn, lead.auction_id)
    if known is not None:
        return known
    cur = conn.execute(
        "INSERT INTO auctions (auction_id, lead_key, lead_type, source, started_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (lead.auction_id, lead.lead_key, lead.lead_type, lead.source, lead.started_at),
    )
    row = int(cur.lastrowid or 0)
    conn.execute(
        "INSERT INTO bodies (auction, lead) VALUES (?, ?)", (row, pack(lead.lead_json.encode()))
    )
    return row


def used(conn: sqlite3.Connection, account: str, window: str) -> Usage:
    row = conn.execute(
        "SELECT leads, spend FROM usage WHERE account = ? AND cap_window = ?", (account, window)
    ).fetchone()
    return Usage() if row is None else Usage(int(row[0]), Decimal(row[1]))


def count(conn: sqlite3.Connection, account: str, window: str, leads: int, spend: Decimal) -> None:
    now = used(conn, account, window)
    conn.execute(
        "INSERT INTO usage VALUES (?, ?, ?, ?) ON CONFLICT (account, cap_window) "
        "DO UPDATE SET leads = excluded.leads, spend = excluded.spend",
        (account, window, now.leads + leads, str(now.spend + spend)),
    )


def post_intent(
    conn: sqlite3.Connection, _: Rollups, lead: LeadRecord, intent: PostIntent
) -> CapReached | None:
    row = auction_row(conn, lead.auction_id)
    if (
        row is not None
        and conn.execute(
            "SELECT 1 FROM posts WHERE auction = ? AND account = ? AND attempt = ?",
            (row, intent.account, intent.attempt),
        ).fetchone()
    ):
        return None  # written before (a retried call): counted once
    for claim in intent.claims:
        now = used(conn, intent.account, claim.window)
        if (claim.leads is not None and now.leads + 1 > claim.leads) or (
            claim.spend is not None and now.spend + intent.amount > claim.spend
        ):
            return CapReached(intent.account, claim, now.leads, now.spend)
    windows = list(dict.fromkeys(c.window for c in intent.claims))
    for window in windows:
        count(conn, intent.account, window, 1, intent.amount)
    row = ensure_auction(conn, lead)
    conn.execute(
        "INSERT INTO posts (auction, account, attempt, sent_at, amount, idempotency_key, "
        "windows, counted) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            row,
            intent.account,
            intent.attempt,
            intent.sent_at,
            str(intent.amount),
            intent.idempotency_key,
            json.dumps(windows),
            str(intent.amount),
        ),
    )
    conn.execute("UPDATE auctions SET open_posts = open_posts + 1 WHERE id = ?", (row,))
    return None


def post_outcome(conn: sqlite3.Connection, _: Rollups, outcome: PostOutcome) -> None:
    found = conn.execute(
        "SELECT p.seq FROM posts p JOIN auctions a ON a.id = p.auction "
        "WHERE a.auction_id = ? AND p.account = ? AND p.attempt = ?",
        (outcome.auction_id, outcome.account, outcome.attempt),
    ).fetchone()
    if found is None:
        raise UnknownAuction(
            outcome.auction_id, f"no post intent to {outcome.account} (attempt {outcome.attempt})"
        )
    settle_post(conn, int(found[0]), outcome)


def settle_post(conn: sqlite3.Connection, seq: int, outcome: PostOutcome) -> None:
    """Record a post's outcome: its reservation, the auction's open count, a sale's traces."""
    auction, account, amount, windows, counted, before = conn.execute(
        "SELECT auction, account, amount, windows, counted, status FROM posts WHERE seq = ?",
        (seq,),
    ).fetchone()
    change = settle(before, Decimal(counted), outcome.status, outcome.price, Decimal(amount))
    for window in json.loads(windows):
        count(conn, account, window, change.leads, change.spend)
    conn.execute(
        "UPDATE posts SET status = ?, price = ?, reason = ?, answered_at = ?, counted = ? "
        "WHERE seq = ?",
        (
            outcome.status,
            money_text(outcome.price),
            outcome.reason,
            outcome.answered_at,
            str(change.counted),
            seq,
        ),
    )
    was_open, is_open = before in (None, "in_doubt"), outcome.status == "in_doubt"
    if was_open != is_open:
        step = 1 if is_open else -1
        conn.execute(
            "UPDATE auctions SET open_posts = open_posts + ? WHERE id = ?", (step, auction)
        )
    if outcome.status == "sold":
        record_sale(conn, account, outcome.answered_at, outcome.dedupe_key)


def record_sale(conn: sqlite3.Connection, account: str, at: float, dedupe_key: str | None) -> None:
    conn.execute(
        "INSERT INTO accounts (account, last_sale_at) VALUES (?, ?) ON CONFLICT (account) DO "
        "UPDATE SET last_sale_at = max(coalesce(last_sale_at, excluded.last_sale_at), "
        "excluded.last_sale_at)",
        (account, at),
    )
    if dedupe_key is not None:
        conn.execute(
            "INSERT INTO bought VALUES (?, ?, ?) ON CONFLICT (account, key) "
            "DO UPDATE SET at = max(at, excluded.at)",
            (account, dedupe_key, at),
        )


def finish(conn: sqlite3.Connection, rollups: Rollups, record: AuctionRecord) -> None:
    row = ensure_auction(conn, record.lead)
    take_back(conn, rollups, row)
    conn.execute(
        "UPDATE auctions SET result = ?, finished_at = ?, duration_ms = ?, sold_to = ?, "
        "price = ?, revenue = ?, reason = ? WHERE id = ?",
        (
            record.result,
            record.finished_at,
            record.duration_ms,
            record.sold_to,
            money_text(record.price),
            str(record.revenue),
            record.reason,
            row,
        ),
    )
    document = pack(record.document) if record.document else None
    conn.execute("UPDATE bodies SET document = ? WHERE auction = ?", (document, row))
    lines = [line for line in record.accounts if took_part(line)]
    write_lines(conn, row, record.lead.started_at, lines)
    lead = record.lead
    rollups.add(lead.started_at, lead.source, record.result, record.revenue, lines)


def write_lines(
    conn: sqlite3.Connection, row: int, started_at: float, lines: Iterable[AccountLine]
) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                row,
                x.account,
                started_at,
                x.status,
                money_text(x.bid),
                x.ping_ms,
                x.post_ms,
                x.error_kind,
                money_text(x.price),
            )
            for x in lines
        ],
    )


def read_lines(conn: sqlite3.Connection, row: int) -> list[AccountLine]:
    return [
        AccountLine(a, s, money(b), ping, post, kind, money(p))
        for a, s, b, ping, post, kind, p in conn.execute(
            "SELECT account, status, bid, ping_ms, post_ms, error_kind, price FROM lines "
            "WHERE auction = ? ORDER BY account",
            (row,),
        )
    ]


def take_back(conn: sqlite3.Connection, rollups: Rollups, row: int) -> None:
    """Undo a finished auction's stats (before it is finished again, resolved or purged)."""
    started_at, source, result, revenue = conn.execute(
        "SELECT started_at, source, result, revenue FROM auctions WHERE id = ?", (row,)
    ).fetchone()
    if result is None:
        return
    rollups.add(started_at, source, result, Decimal(revenue), read_lines(conn, row), sign=-1)
    conn.execute("DELETE FROM lines WHERE auction = ?", (row,))
