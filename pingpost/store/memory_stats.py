"""Exact `pingpost stats` figures from auction records: the memory store's reference.

The SQL backends answer from rollups (`tally.py`): the same counts, and
percentiles within 1% of these.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar

from pingpost.store.records import AccountLine, AuctionRecord, StatsRow
from pingpost.store.tally import ACCEPTED_PING, POSTED

N = TypeVar("N", float, Decimal)


def percentile(values: Sequence[N], p: float) -> N:
    """Nearest-rank percentile of sorted `values` (p in 0..100)."""
    rank = max(1, math.ceil(p / 100 * len(values)))
    return values[rank - 1]


def took_part(line: AccountLine) -> bool:
    return line.ping_ms is not None or line.post_ms is not None


def by_account(records: list[AuctionRecord]) -> list[StatsRow]:
    lines: dict[str, list[AccountLine]] = {}
    for r in records:
        for line in r.accounts:
            if took_part(line):
                lines.setdefault(line.account, []).append(line)
    return [_account_row(name, ls) for name, ls in sorted(lines.items())]


def _account_row(name: str, ls: list[AccountLine]) -> StatsRow:
    pinged = [x for x in ls if x.ping_ms is not None]
    bids = sorted(x.bid for x in ls if x.bid is not None)
    latency = sorted(x.ping_ms for x in pinged if x.ping_ms is not None)
    posts: dict[str, int] = {}
    errors: dict[str, int] = {}
    for x in ls:
        if x.status in POSTED:
            posts[x.status] = posts.get(x.status, 0) + 1
        if x.error_kind:
            errors[x.error_kind] = errors.get(x.error_kind, 0) + 1
    return StatsRow(
        name=name,
        auctions=len(ls),
        pings=len(pinged),
        accepted=sum(1 for x in pinged if x.status in ACCEPTED_PING),
        bids=tuple(percentile(bids, p) for p in (50, 95)) if bids else (),
        wins=sum(1 for x in ls if x.status == "sold"),
        posts=dict(sorted(posts.items())),
        revenue=sum((x.price for x in ls if x.price is not None), Decimal(0)),
        latency_ms=tuple(percentile(latency, p) for p in (50, 95, 99)) if latency else (),
        errors=dict(sorted(errors.items())),
    )


def by_source(records: list[AuctionRecord]) -> list[StatsRow]:
    groups: dict[str, list[AuctionRecord]] = {}
    for r in records:
        groups.setdefault(r.lead.source or "-", []).append(r)
    return [
        StatsRow(
            name=name,
            auctions=len(rs),
            wins=sum(1 for r in rs if r.result == "sold"),
            revenue=sum((r.revenue for r in rs), Decimal(0)),
        )
        for name, rs in sorted(groups.items())
    ]
