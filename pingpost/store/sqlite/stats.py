"""`pingpost stats` on SQLite: rollups written with each group, read by whole buckets.

See rollups.py for the plan: whole days, hours and minutes from `rollups`, the
partial minutes at the range's ends and the auctions not folded yet from their rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal

from pingpost.store.records import StatsRow
from pingpost.store.rollups import ACCOUNT, MINUTE, NO_SOURCE, SOURCE, Rollups, cover, edge_plan
from pingpost.store.sql import FOLDED, UNFOLDED_FROM_SQLITE
from pingpost.store.sqlite.writes import line_of
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
    low, high = max(since, 0.0), min(until, FAR_FUTURE)
    spans, edges = cover(low, high)
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
            _add(totals, _raw(conn, kind, edge.low, edge.high, folded=True))
        if plan == "minute-outside":
            _add(totals, _raw(conn, kind, edge.minute, edge.low, folded=True), sign=-1)
            _add(totals, _raw(conn, kind, edge.high, edge.minute + MINUTE, folded=True), sign=-1)
    _add(totals, _raw(conn, kind, low, high, folded=False))
    return [t.row(name) for name, t in sorted(totals.items()) if t.auctions > 0]


def unfolded(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM unfolded").fetchone()[0])


def _tally(tallies: dict[str, Tally], name: str) -> Tally:
    tally = tallies.get(name)
    if tally is None:
        tally = tallies[name] = Tally()
    return tally


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
    """Folded auctions that started in [low, high)."""
    if high <= low:
        return 0
    row = conn.execute(
        f"SELECT count(*) FROM auctions a WHERE started_at >= ? AND started_at < ? AND {FOLDED}",
        (low, high),
    ).fetchone()
    return int(row[0])


def _raw(
    conn: sqlite3.Connection, kind: str, low: float, high: float, *, folded: bool
) -> Iterator[tuple[str, Tally]]:
    """Tallies of the finished auctions (folded or not) that started in [low, high), from
    their rows."""
    tallies: dict[str, Tally] = {}
    if high <= low:
        return iter(())
    tables = "auctions a" if folded else UNFOLDED_FROM_SQLITE
    where = "a.started_at >= ? AND a.started_at < ?" + (f" AND {FOLDED}" if folded else "")
    args = (low, high)
    if kind == SOURCE:
        for source, result, revenue in conn.execute(
            f"SELECT a.source, a.result, a.revenue FROM {tables} WHERE {where}", args
        ):
            _tally(tallies, source or NO_SOURCE).add_auction(result, Decimal(revenue))
        return iter(tallies.items())
    for account, *values in conn.execute(
        "SELECT l.account, l.account, l.status, l.bid, l.ping_ms, l.post_ms, l.error_kind, "
        f"l.price FROM {tables} CROSS JOIN lines l ON l.auction = a.id WHERE {where}",
        args,
    ):
        _tally(tallies, account).add_line(line_of(values))
    return iter(tallies.items())
