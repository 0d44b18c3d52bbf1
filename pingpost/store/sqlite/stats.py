"""`pingpost stats` on SQLite: rollups written with each group, read by whole buckets.

See rollups.py for the plan: whole days, hours and minutes from `rollups`, the
partial minutes at the range's ends from the auctions themselves.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal

from pingpost.store.codec import money
from pingpost.store.records import AccountLine, StatsRow
from pingpost.store.rollups import ACCOUNT, MINUTE, NO_SOURCE, SOURCE, Rollups, cover, edge_plan
from pingpost.store.tally import Tally

FAR_FUTURE = 2.0**33  # year 2242: `until` past it is the same as no limit


def flush(conn: sqlite3.Connection, rollups: Rollups) -> None:
    """Add a group's tallies to the stored rollups (in the group's transaction)."""
    for (level, bucket, kind, name), tally in sorted(rollups.by_key().items()):
        key = (level, kind, bucket, name)
        row = conn.execute(
            "SELECT data FROM rollups WHERE level = ? AND kind = ? AND bucket = ? AND name = ?",
            key,
        ).fetchone()
        if row is not None:
            stored = Tally.from_json(row[0])
            stored.add(tally)
            tally = stored
        if tally.empty:
            conn.execute(
                "DELETE FROM rollups WHERE level = ? AND kind = ? AND bucket = ? AND name = ?",
                key,
            )
        else:
            conn.execute(
                "INSERT OR REPLACE INTO rollups VALUES (?, ?, ?, ?, ?)", (*key, tally.to_json())
            )


def stats(conn: sqlite3.Connection, since: float, until: float, by: str) -> list[StatsRow]:
    kind = SOURCE if by == "source" else ACCOUNT
    spans, edges = cover(max(since, 0.0), min(until, FAR_FUTURE))
    totals: dict[str, Tally] = {}
    for span in spans:
        _add(totals, _stored(conn, kind, span.level, span.start, span.stop))
    for edge in edges:
        inside = _count(conn, edge.low, edge.high)
        outside = _count(conn, edge.minute, edge.low) + _count(
            conn, edge.high, edge.minute + MINUTE
        )
        plan = edge_plan(inside, outside)
        if plan in ("minute", "minute-outside"):
            _add(totals, _stored(conn, kind, MINUTE, edge.minute, edge.minute + 1))
        if plan == "inside":
            _add(totals, _raw(conn, kind, edge.low, edge.high))
        if plan == "minute-outside":
            _add(totals, _raw(conn, kind, edge.minute, edge.low), sign=-1)
            _add(totals, _raw(conn, kind, edge.high, edge.minute + MINUTE), sign=-1)
    return [t.row(name) for name, t in sorted(totals.items()) if t.auctions > 0]


def _add(totals: dict[str, Tally], tallies: Iterator[tuple[str, Tally]], sign: int = 1) -> None:
    for name, tally in tallies:
        _tally(totals, name).add(tally, sign)


def _stored(
    conn: sqlite3.Connection, kind: str, level: int, start: int, stop: int
) -> Iterator[tuple[str, Tally]]:
    for name, data in conn.execute(
        "SELECT name, data FROM rollups WHERE level = ? AND kind = ? AND bucket >= ? "
        "AND bucket < ?",
        (level, kind, start, stop),
    ):
        yield name, Tally.from_json(data)


def _count(conn: sqlite3.Connection, low: float, high: float) -> int:
    if high <= low:
        return 0
    row = conn.execute(
        "SELECT count(*) FROM auctions WHERE started_at >= ? AND started_at < ? "
        "AND result IS NOT NULL",
        (low, high),
    ).fetchone()
    return int(row[0])


def _raw(
    conn: sqlite3.Connection, kind: str, low: float, high: float
) -> Iterator[tuple[str, Tally]]:
    """Tallies of the finished auctions that started in [low, high), from their rows."""
    tallies: dict[str, Tally] = {}
    if high <= low:
        return iter(())
    if kind == SOURCE:
        for source, result, revenue in conn.execute(
            "SELECT source, result, revenue FROM auctions WHERE started_at >= ? "
            "AND started_at < ? AND result IS NOT NULL",
            (low, high),
        ):
            _tally(tallies, source or NO_SOURCE).add_auction(result, Decimal(revenue))
        return iter(tallies.items())
    for account, status, bid, ping, post, error, price in conn.execute(
        "SELECT l.account, l.status, l.bid, l.ping_ms, l.post_ms, l.error_kind, l.price "
        "FROM auctions a JOIN lines l ON l.auction = a.id WHERE a.started_at >= ? "
        "AND a.started_at < ? AND a.result IS NOT NULL",
        (low, high),
    ):
        line = AccountLine(account, status, money(bid), ping, post, error, money(price))
        _tally(tallies, account).add_line(line)
    return iter(tallies.items())


def _tally(tallies: dict[str, Tally], name: str) -> Tally:
    tally = tallies.get(name)
    if tally is None:
        tally = tallies[name] = Tally()
    return tally
