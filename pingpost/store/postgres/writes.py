"""The write-ahead ops (W1-W3) on PostgreSQL: one function call each on the hot path.

Caps are reserved by `pp_post_intent` with an atomic conditional upsert per
window (functions.py); the rare paths (a result written twice, resolve, purge)
run as short transactions from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from pingpost.store.codec import Dictionary, pack
from pingpost.store.errors import OtherAuction, UnknownAuction
from pingpost.store.memory_stats import took_part
from pingpost.store.postgres.pool import Connection
from pingpost.store.records import (
    AccountLine,
    AuctionRecord,
    CapClaim,
    CapReached,
    LeadRecord,
    PostIntent,
    PostOutcome,
)
from pingpost.store.rollups import Rollups


def windows_of(claims: Sequence[CapClaim]) -> tuple[list[str], list[int | None], list[Any]]:
    """Each distinct window once, sorted (one lock order for every caller), with the
    tightest of its claims' limits."""
    leads: dict[str, int | None] = {}
    spend: dict[str, Decimal | None] = {}
    for c in claims:
        leads[c.window] = _tightest(leads.get(c.window), c.leads)
        spend[c.window] = _tightest(spend.get(c.window), c.spend)
    windows = sorted(leads)
    return windows, [leads[w] for w in windows], [spend[w] for w in windows]


def _tightest(a: Any, b: Any) -> Any:
    """The smaller limit; None is no limit."""
    return b if a is None else a if b is None else min(a, b)


async def post_intent(conn: Connection, lead: LeadRecord, intent: PostIntent) -> CapReached | None:
    windows, leads, spend = windows_of(intent.claims)
    refused = await conn.fetchval(
        "SELECT pp_post_intent($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
        "$15, $16)",
        lead.auction_id,
        lead.lead_key,
        lead.lead_type,
        lead.source,
        lead.started_at,
        pack(lead.lead_json.encode()),
        intent.account,
        intent.attempt,
        intent.sent_at,
        intent.amount,
        intent.idempotency_key,
        windows,
        leads,
        spend,
        lead.run,
        lead.follows,
    )
    if refused is None:
        return None
    other_auction(lead, refused)
    window, used_leads, used_spend = refused[1], int(refused[2]), Decimal(refused[3])
    claims = [c for c in intent.claims if c.window == window]
    claim = next((c for c in claims if not _fits(c, used_leads, used_spend, intent.amount)), None)
    return CapReached(intent.account, claim or claims[0], used_leads, used_spend)


def other_auction(lead: LeadRecord, refused: Sequence[str]) -> None:
    """Raise the functions' ['other', auction, same lead] refusal as OtherAuction."""
    if refused[0] == "other":
        raise OtherAuction(lead.auction_id, refused[1], same_lead=refused[2] == "true")


def _fits(claim: CapClaim, leads: int, spend: Decimal, amount: Decimal) -> bool:
    return (claim.leads is None or leads + 1 <= claim.leads) and (
        claim.spend is None or spend + amount <= claim.spend
    )


async def post_outcome(conn: Connection, o: PostOutcome) -> None:
    found = await conn.fetchval(
        "SELECT pp_post_outcome($1, $2, $3, $4, $5, $6, $7, $8)",
        o.auction_id,
        o.account,
        o.attempt,
        o.status,
        o.price,
        o.reason,
        o.answered_at,
        o.dedupe_key,
    )
    if not found:
        raise UnknownAuction(o.auction_id, f"no post intent to {o.account} (attempt {o.attempt})")


def rollup_args(rollups: Rollups) -> list[list[Any]]:
    """The five arrays `pp_add_rollups` takes: levels, kinds, buckets, names, tallies."""
    keyed = sorted(rollups.by_key().items())
    return [
        [k[0] for k, _ in keyed],
        [k[2] for k, _ in keyed],
        [k[1] for k, _ in keyed],
        [k[3] for k, _ in keyed],
        [t.to_json() for _, t in keyed],
    ]


def line_args(lines: Iterable[AccountLine]) -> list[list[Any]]:
    ls = list(lines)
    return [
        [x.account for x in ls],
        [x.status for x in ls],
        [x.bid for x in ls],
        [x.ping_ms for x in ls],
        [x.post_ms for x in ls],
        [x.error_kind for x in ls],
        [x.price for x in ls],
    ]


async def finish(conn: Connection, record: AuctionRecord, dictionary: Dictionary | None) -> bool:
    """Write the result; False (nothing written) when the auction was finished before.
    Raises OtherAuction (nothing written) when another run owns it."""
    lead = record.lead
    lines = [line for line in record.accounts if took_part(line)]
    refused = await conn.fetchval(
        "SELECT pp_finish($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
        "$15, $16, $17, $18, $19, $20, $21, $22, $23)",
        lead.auction_id,
        lead.lead_key,
        lead.lead_type,
        lead.source,
        lead.started_at,
        pack(lead.lead_json.encode()),
        record.result,
        record.finished_at,
        record.duration_ms,
        record.sold_to,
        record.price,
        record.revenue,
        record.reason,
        pack(record.document, dictionary) if record.document else None,
        *line_args(lines),
        lead.run,
        lead.follows,
    )
    if refused is None:
        return True
    other_auction(lead, refused)
    return False


async def read_lines(conn: Connection, row: int) -> list[AccountLine]:
    return [
        AccountLine(*r)
        for r in await conn.fetch(
            "SELECT account, status, bid, ping_ms, post_ms, error_kind, price FROM lines "
            "WHERE auction = $1 ORDER BY account",
            row,
        )
    ]


async def take_back(conn: Connection, rows: Sequence[int]) -> None:
    """Undo finished auctions' stats and lines (before a new result, a resolve, a purge):
    taken out of the rollups where they were folded into them."""
    rollups = Rollups()
    found = await conn.fetch(
        "SELECT id, started_at, source, result, revenue FROM auctions a "
        "WHERE id = ANY($1::bigint[]) AND result IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM unfolded u WHERE u.auction = a.id)",
        list(rows),
    )
    for row, started_at, source, result, revenue in found:
        lines = await read_lines(conn, row)
        rollups.add(started_at, source, result, revenue, lines, sign=-1)
    if rollups:
        args = rollup_args(rollups)
        await conn.execute("SELECT pp_add_rollups($1, $2, $3, $4, $5)", *args)
        await conn.execute(
            "DELETE FROM rollups WHERE (level, kind, bucket, name) IN (SELECT * FROM "
            "unnest($1::int[], $2::text[], $3::bigint[], $4::text[])) "
            "AND (data->>'n')::bigint = 0 AND (data->>'r')::numeric = 0",
            *args[:4],
        )
    await conn.execute("DELETE FROM lines WHERE auction = ANY($1::bigint[])", list(rows))


async def fold(conn: Connection, limit: int) -> int:
    """Fold up to `limit` finished auctions into the rollups (rollups.py), skipping those
    another instance is folding; how many. Run in a transaction."""
    rows = await conn.fetch(  # the auctions locked too: no resolve or purge meanwhile
        "SELECT a.id, a.started_at, a.source, a.result, a.revenue FROM unfolded u "
        "JOIN auctions a ON a.id = u.auction LIMIT $1 FOR UPDATE SKIP LOCKED",
        limit,
    )
    if not rows:
        return 0
    ids = [r[0] for r in rows]
    lines: dict[int, list[AccountLine]] = {row: [] for row in ids}
    for auction, *values in await conn.fetch(
        "SELECT auction, account, status, bid, ping_ms, post_ms, error_kind, price FROM lines "
        "WHERE auction = ANY($1::bigint[])",
        ids,
    ):
        lines[auction].append(AccountLine(*values))
    rollups = Rollups()
    for row, started_at, source, result, revenue in rows:
        rollups.add(started_at, source, result, revenue, lines[row])
    await conn.execute("SELECT pp_add_rollups($1, $2, $3, $4, $5)", *rollup_args(rollups))
    await conn.execute("DELETE FROM unfolded WHERE auction = ANY($1::bigint[])", ids)
    return len(rows)


async def finish_again(
    conn: Connection, record: AuctionRecord, dictionary: Dictionary | None
) -> None:
    """A second result for one auction: take the first one's figures back, then write."""
    row = await conn.fetchval(
        "SELECT id FROM auctions WHERE auction_id = $1 FOR UPDATE", record.lead.auction_id
    )
    await take_back(conn, [row])
    await conn.execute("UPDATE auctions SET result = NULL WHERE id = $1", row)
    if not await finish(conn, record, dictionary):
        raise AssertionError("the result was taken back but could not be written")
