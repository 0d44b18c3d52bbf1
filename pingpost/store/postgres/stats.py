"""`pingpost stats` on PostgreSQL: the rollups; the range's edges, and the auctions not
folded yet, read exactly from their rows.

The plan is rollups.py's (see sqlite/stats.py for the same on SQLite).
"""

from __future__ import annotations

from decimal import Decimal

from pingpost.store.postgres.pool import Connection
from pingpost.store.records import AccountLine, StatsRow
from pingpost.store.rollups import ACCOUNT, MINUTE, NO_SOURCE, SOURCE, cover, edge_plan
from pingpost.store.sql import FOLDED
from pingpost.store.tally import Tally

FAR_FUTURE = 2.0**33


async def stats(conn: Connection, since: float, until: float, by: str) -> list[StatsRow]:
    kind = SOURCE if by == "source" else ACCOUNT
    low, high = max(since, 0.0), min(until, FAR_FUTURE)
    spans, edges = cover(low, high)
    totals: dict[str, Tally] = {}
    for span in spans:
        _add(totals, await _stored(conn, kind, span.level, span.start, span.stop))
    for edge in edges:
        inside = await _count(conn, edge.low, edge.high)
        outside = await _count(conn, edge.minute, edge.low) + await _count(
            conn, edge.high, edge.minute + MINUTE
        )
        plan = edge_plan(inside, outside)
        if plan in ("minute", "minute-outside"):
            _add(totals, await _stored(conn, kind, MINUTE, edge.minute, edge.minute + 1))
        if plan == "inside":
            _add(totals, await _raw(conn, kind, edge.low, edge.high, True))
        if plan == "minute-outside":
            _add(totals, await _raw(conn, kind, edge.minute, edge.low, True), sign=-1)
            _add(totals, await _raw(conn, kind, edge.high, edge.minute + MINUTE, True), sign=-1)
    _add(totals, await _raw(conn, kind, low, high, False))
    return [t.row(name) for name, t in sorted(totals.items()) if t.auctions > 0]


async def unfolded(conn: Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM unfolded"))


def _tally(tallies: dict[str, Tally], name: str) -> Tally:
    tally = tallies.get(name)
    if tally is None:
        tally = tallies[name] = Tally()
    return tally


def _add(totals: dict[str, Tally], tallies: dict[str, Tally], sign: int = 1) -> None:
    for name, tally in tallies.items():
        _tally(totals, name).add(tally, sign)


async def _stored(
    conn: Connection, kind: str, level: int, start: int, stop: int
) -> dict[str, Tally]:
    found: dict[str, Tally] = {}
    for name, data in await conn.fetch(
        "SELECT name, data FROM rollups WHERE level = $1 AND kind = $2 AND bucket >= $3 "
        "AND bucket < $4",
        level,
        kind,
        start,
        stop,
    ):
        _tally(found, name).add(Tally.from_json(data))
    return found


async def _count(conn: Connection, low: float, high: float) -> int:
    if high <= low:
        return 0
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM auctions a WHERE started_at >= $1 AND started_at < $2 "
            f"AND {FOLDED}",
            low,
            high,
        )
    )


async def _raw(
    conn: Connection, kind: str, low: float, high: float, folded: bool
) -> dict[str, Tally]:
    """Tallies of the finished auctions (folded or not) that started in [low, high), from
    their rows."""
    tallies: dict[str, Tally] = {}
    if high <= low:
        return tallies
    # not folded: by id, from the (small) unfolded table, whatever the planner's estimates
    ids = None if folded else [r[0] for r in await conn.fetch("SELECT auction FROM unfolded")]
    where = "a.started_at >= $1 AND a.started_at < $2 AND " + (
        FOLDED if folded else "a.id = ANY($3::bigint[])"
    )
    args = (low, high) if ids is None else (low, high, ids)
    if kind == SOURCE:
        for source, result, revenue in await conn.fetch(
            f"SELECT a.source, a.result, a.revenue FROM auctions a WHERE {where}", *args
        ):
            _tally(tallies, source or NO_SOURCE).add_auction(result, Decimal(revenue))
        return tallies
    for r in await conn.fetch(
        "SELECT l.account, l.status, l.bid, l.ping_ms, l.post_ms, l.error_kind, l.price "
        f"FROM auctions a JOIN lines l ON l.auction = a.id WHERE {where}",
        *args,
    ):
        _tally(tallies, r[0]).add_line(AccountLine(*r))
    return tallies
