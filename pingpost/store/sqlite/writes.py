"""The write-ahead ops (W1-W3) on SQLite, each run by the writer inside its own savepoint.

Each op is `fn(conn, rollups)`: it reads and writes within the group's
transaction, which holds SQLite's write lock, so checks and counts (caps, dedupe
claims) are atomic across processes. Money arithmetic is exact (Decimal in
Python, text in the database).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from pingpost.store.codec import Dictionary, money, money_text, pack
from pingpost.store.errors import OtherAuction, UnknownAuction
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

OPEN = "(p.status IS NULL OR p.status = 'in_doubt')"


def auction_row(conn: sqlite3.Connection, auction_id: str) -> int | None:
    row = conn.execute("SELECT id FROM auctions WHERE auction_id = ?", (auction_id,)).fetchone()
    return None if row is None else int(row[0])


# The latest auction of a lead key since the one W3 saw ("": since ever), but the
# auction itself and those refused as duplicates (they never post): another run's.
NEWER = (
    "SELECT a.auction_id FROM auctions a WHERE a.lead_key = ? AND a.auction_id NOT IN (?, ?) "
    "AND a.result IS NOT 'duplicate' AND (? = '' OR a.id > "
    "(SELECT id FROM auctions WHERE auction_id = ?)) ORDER BY a.id DESC LIMIT 1"
)


def owned_auction(conn: sqlite3.Connection, lead: LeadRecord) -> tuple[int, str | None] | None:
    """The auction's row id and result, None when it has none yet. Raises OtherAuction when
    another run owns the auction id, or (no row yet) delivers the lead since W3 looked."""
    found = conn.execute(
        "SELECT id, result, run, lead_key FROM auctions WHERE auction_id = ?", (lead.auction_id,)
    ).fetchone()
    if found is not None:
        row, result, run, key = found
        if lead.run is not None and run != lead.run:
            raise OtherAuction(lead.auction_id, lead.auction_id, same_lead=key == lead.lead_key)
        return int(row), result
    if lead.follows is not None:
        args = (lead.lead_key, lead.auction_id, lead.follows, lead.follows, lead.follows)
        other = conn.execute(NEWER, args).fetchone()
        if other is not None:
            raise OtherAuction(lead.auction_id, other[0], same_lead=True)
    return None


def new_auction(conn: sqlite3.Connection, lead: LeadRecord) -> int:
    """Write the auction's lead record (its first durable write); its row id."""
    cur = conn.execute(
        "INSERT INTO auctions (auction_id, lead_key, lead_type, source, started_at, run) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (lead.auction_id, lead.lead_key, lead.lead_type, lead.source, lead.started_at, lead.run),
    )
    row = int(cur.lastrowid or 0)
    conn.execute("INSERT INTO leads VALUES (?, ?)", (row, pack(lead.lead_json.encode())))
    return row


def used(conn: sqlite3.Connection, account: str, window: str) -> Usage:
    row = conn.execute(
        "SELECT leads, spend FROM usage WHERE account = ? AND cap_window = ?", (account, window)
    ).fetchone()
    return Usage() if row is None else Usage(int(row[0]), Decimal(row[1]))


def used_in(conn: sqlite3.Connection, account: str, windows: Sequence[str]) -> dict[str, Usage]:
    """The account's counters of these windows, each once (one query)."""
    found = {w: Usage() for w in windows}
    if found:
        marks = ",".join("?" * len(found))
        for window, leads, spend in conn.execute(
            f"SELECT cap_window, leads, spend FROM usage WHERE account = ? "
            f"AND cap_window IN ({marks})",
            (account, *found),
        ):
            found[window] = Usage(int(leads), Decimal(spend))
    return found


def count(conn: sqlite3.Connection, account: str, window: str, now: Usage) -> None:
    conn.execute(
        "INSERT INTO usage VALUES (?, ?, ?, ?) ON CONFLICT (account, cap_window) "
        "DO UPDATE SET leads = excluded.leads, spend = excluded.spend",
        (account, window, now.leads, str(now.spend)),
    )


def post_intent(
    conn: sqlite3.Connection, _: Rollups, lead: LeadRecord, intent: PostIntent
) -> CapReached | None:
    owned = owned_auction(conn, lead)
    row = owned[0] if owned is not None else None
    if (
        row is not None
        and conn.execute(
            "SELECT 1 FROM posts WHERE auction = ? AND account = ? AND attempt = ?",
            (row, intent.account, intent.attempt),
        ).fetchone()
    ):
        return None  # written before (a retried call): counted once
    windows = used_in(conn, intent.account, [c.window for c in intent.claims])
    for claim in intent.claims:
        now = windows[claim.window]
        if (claim.leads is not None and now.leads + 1 > claim.leads) or (
            claim.spend is not None and now.spend + intent.amount > claim.spend
        ):
            return CapReached(intent.account, claim, now.leads, now.spend)
    if windows:
        conn.executemany(
            "INSERT INTO usage VALUES (?, ?, ?, ?) ON CONFLICT (account, cap_window) "
            "DO UPDATE SET leads = excluded.leads, spend = excluded.spend",
            [
                (intent.account, w, now.leads + 1, str(now.spend + intent.amount))
                for w, now in windows.items()
            ],
        )
    if row is None:
        row = new_auction(conn, lead)
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
            json.dumps(list(windows)),
            str(intent.amount),
        ),
    )
    return None


POST = "p.seq, p.auction, p.account, p.amount, p.windows, p.counted, p.status"


def post_outcome(conn: sqlite3.Connection, _: Rollups, outcome: PostOutcome) -> None:
    post = conn.execute(
        f"SELECT {POST} FROM posts p JOIN auctions a ON a.id = p.auction "
        "WHERE a.auction_id = ? AND p.account = ? AND p.attempt = ?",
        (outcome.auction_id, outcome.account, outcome.attempt),
    ).fetchone()
    if post is None:
        raise UnknownAuction(
            outcome.auction_id, f"no post intent to {outcome.account} (attempt {outcome.attempt})"
        )
    settle_post(conn, post, outcome)


def settle_post(conn: sqlite3.Connection, post: Any, outcome: PostOutcome) -> None:
    """Record a post's outcome (`post`: a row of POST): its reservation, a sale's traces."""
    seq, _, account, amount, windows, counted, before = post
    change = settle(before, Decimal(counted), outcome.status, outcome.price, Decimal(amount))
    if change.leads or change.spend:
        for window in json.loads(windows):
            now = used(conn, account, window)
            count(conn, account, window, Usage(now.leads + change.leads, now.spend + change.spend))
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


def finish(
    conn: sqlite3.Connection,
    rollups: Rollups,
    record: AuctionRecord,
    dictionary: Dictionary | None,
) -> None:
    lead = record.lead
    found = owned_auction(conn, lead)
    if found is None:
        row = new_auction(conn, lead)
    else:
        row = int(found[0])
        if found[1] is not None:
            take_back(conn, rollups, row)
    for outcome in record.outcomes:
        post_outcome(conn, rollups, outcome)
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
    if record.document:
        document = pack(record.document, dictionary)
        conn.execute("INSERT OR REPLACE INTO documents VALUES (?, ?)", (row, document))
    else:
        conn.execute("DELETE FROM documents WHERE auction = ?", (row,))
    write_lines(conn, row, [line for line in record.accounts if took_part(line)])
    conn.execute("INSERT OR IGNORE INTO unfolded VALUES (?)", (row,))


def write_lines(conn: sqlite3.Connection, row: int, lines: Iterable[AccountLine]) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO lines VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                row,
                x.account,
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
        line_of(values)
        for values in conn.execute(
            "SELECT account, status, bid, ping_ms, post_ms, error_kind, price FROM lines "
            "WHERE auction = ? ORDER BY account",
            (row,),
        )
    ]


def take_back(conn: sqlite3.Connection, rollups: Rollups, row: int) -> None:
    """Undo a finished auction's stats and lines (before it is finished again, resolved or
    purged): taken out of the rollups if it was folded into them."""
    started_at, source, result, revenue, unfolded = conn.execute(
        "SELECT started_at, source, result, revenue, u.auction FROM auctions a "
        "LEFT JOIN unfolded u ON u.auction = a.id WHERE a.id = ?",
        (row,),
    ).fetchone()
    if result is None:
        return
    if unfolded is None:
        lines = read_lines(conn, row)
        rollups.add(started_at, source, result, Decimal(revenue), lines, sign=-1)
    conn.execute("DELETE FROM lines WHERE auction = ?", (row,))


def line_of(values: Sequence[Any]) -> AccountLine:
    """An account line from its columns (account, status, bid, ping, post, error, price)."""
    account, status, bid, ping, post, kind, price = values
    return AccountLine(account, status, money(bid), ping, post, kind, money(price))
