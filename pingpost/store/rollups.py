"""Rollups: one `Tally` per (level, bucket, kind, name), for `stats` over millions of lines.

    level   60 (minute) · 3600 (hour) · 86400 (day), UTC buckets of the auction's start
    kind    "a": an account's lines · "s": a source's auctions

Finished auctions are folded into the rollups in batches (every FOLD_EVERY
results a process writes, and when it closes the store), not one by one: a
batch of a thousand costs one read-modify-write per rollup row instead of a
thousand, which keeps the store's CPU per lead small. `stats` over [since,
until) then adds three parts, all exact in their counts:

- whole days, hours and minutes from the rollups (largest first, `cover`);
- the partial minutes at the range's ends (`Edge`), from the folded auctions' rows;
- the auctions not folded yet (at most a batch per process), from their rows.

Purge, resolve and a second result take a folded auction's contribution back
(sign -1) at once, so rollups always equal the tallies of the folded auctions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from pingpost.store.records import AccountLine
from pingpost.store.tally import Tally

LEVELS = (86_400, 3_600, 60)
FOLD_EVERY = 1000  # results a process writes between two folds
FOLD_BATCH = 2000  # auctions folded in one transaction
MINUTE = 60
ACCOUNT = "a"
SOURCE = "s"
NO_SOURCE = "-"

RollupKey = tuple[int, int, str, str]  # level, bucket start, kind, name
K = TypeVar("K")
Noted = tuple[float, str | None, str, Decimal, Sequence[AccountLine], int]  # an auction, signed


@dataclass(frozen=True, slots=True)
class Span:
    """Whole buckets of one level: [start, stop)."""

    level: int
    start: int
    stop: int


@dataclass(frozen=True, slots=True)
class Edge:
    """A partial minute of the range: [low, high) inside the minute [minute, minute + 60)."""

    minute: int
    low: float
    high: float


class Rollups:
    """Auctions to add to (or take back from) the stored rollups: one op's, or a group's.

    Ops only note their auctions; the tallies are made once per group (`by_key`),
    so that a group of 50 finishes costs 50 x 10 line additions and one merge per key.
    """

    def __init__(self) -> None:
        self._auctions: list[
            tuple[float, str | None, str, Decimal, Sequence[AccountLine], int]
        ] = []

    def add(
        self,
        started_at: float,
        source: str | None,
        result: str,
        revenue: Decimal,
        lines: Sequence[AccountLine],
        sign: int = 1,
    ) -> None:
        """Count (sign 1) or take back (sign -1) one finished auction."""
        self._auctions.append((started_at, source, result, revenue, lines, sign))

    def merge(self, other: Rollups) -> None:
        self._auctions.extend(other._auctions)

    def by_key(self) -> dict[RollupKey, Tally]:
        """Every level's tallies: minutes from the auctions, hours and days from minutes."""
        minutes: dict[tuple[int, str, str], Tally] = {}
        for started_at, source, result, revenue, lines, sign in self._auctions:
            minute = int(started_at // MINUTE) * MINUTE
            _tally(minutes, (minute, SOURCE, source or NO_SOURCE)).add_auction(
                result, revenue, sign
            )
            for line in lines:
                _tally(minutes, (minute, ACCOUNT, line.account)).add_line(line, sign)
        out: dict[RollupKey, Tally] = {}
        for (minute, kind, name), tally in minutes.items():
            for level in LEVELS:
                _tally(out, (level, minute // level * level, kind, name)).add(tally)
        return out

    def __bool__(self) -> bool:
        return bool(self._auctions)


def _tally(tallies: dict[K, Tally], key: K) -> Tally:
    tally = tallies.get(key)
    if tally is None:
        tally = tallies[key] = Tally()
    return tally


def cover(since: float, until: float) -> tuple[list[Span], list[Edge]]:
    """Whole buckets (largest first) and the partial minutes left over, for [since, until)."""
    spans: list[Span] = []
    edges: list[Edge] = []
    _cover(since, until, 0, spans, edges)
    return spans, edges


def _cover(low: float, high: float, depth: int, spans: list[Span], edges: list[Edge]) -> None:
    if high <= low:
        return
    if depth == len(LEVELS):  # less than a whole minute, maybe across one boundary
        minute = math.floor(low / MINUTE) * MINUTE
        edges.append(Edge(minute, low, min(high, minute + MINUTE)))
        if high > minute + MINUTE:
            edges.append(Edge(minute + MINUTE, minute + MINUTE, high))
        return
    level = LEVELS[depth]
    first = math.ceil(low / level) * level
    last = math.floor(high / level) * level
    if first >= last:
        _cover(low, high, depth + 1, spans, edges)
        return
    spans.append(Span(level, first, last))
    _cover(low, first, depth + 1, spans, edges)
    _cover(last, high, depth + 1, spans, edges)


def edge_plan(inside: int, outside: int) -> str:
    """How to read a partial minute with `inside` auctions in the range and `outside` not:
    `skip`, `minute` (its rollup is exact), `inside` (read those auctions), or
    `minute-outside` (the rollup less the fewer auctions outside)."""
    if inside == 0:
        return "skip"
    if outside == 0:
        return "minute"
    return "inside" if inside <= outside else "minute-outside"
