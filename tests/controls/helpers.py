"""Instants written as local wall-clock times, a clock the tests move by hand, and the
store writes the engine makes around a post (`reserve`, `settle`)."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pingpost.controls import Controls, Verdict
from pingpost.store.records import LeadRecord, PostIntent, PostOutcome, PostStatus

NY = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
_ids = itertools.count(1)


def at(text: str, zone: ZoneInfo = NY, *, fold: int = 0) -> float:
    """`"2026-12-03 14:20"` in `zone` as Unix seconds (fold=1: the second of a repeated time)."""
    return datetime.fromisoformat(text).replace(tzinfo=zone, fold=fold).timestamp()


def shown(instant: float, zone: ZoneInfo = NY) -> str:
    """Unix seconds as `2026-12-03 14:20 -05:00` in `zone`."""
    return datetime.fromtimestamp(instant, zone).strftime("%Y-%m-%d %H:%M %z")


@dataclass
class FakeClock:
    """An injected clock: `clock()` is now; tests set or advance it."""

    now: float

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def reserve(c: Controls, name: str, amount: str = "10") -> tuple[PostIntent, Verdict | None]:
    """What the engine does before a post: claims, the durable intent, the verdict."""
    auction_id = f"auction-{next(_ids)}"
    record = LeadRecord(auction_id, f"key-{auction_id}", "home", "{}", c.clock())
    intent = PostIntent(auction_id, name, 1, Decimal(amount), c.clock(), claims=c.claims(name))
    await asyncio.sleep(0)  # let the other auctions interleave, as real I/O would
    reached = await c.store.post_intent(record, intent)
    return intent, c.intent_written(intent, reached)


async def settle(
    c: Controls, intent: PostIntent, status: PostStatus, price: str | None = None, **kw: Any
) -> None:
    outcome = PostOutcome(
        intent.auction_id,
        intent.account,
        intent.attempt,
        status,
        c.clock(),
        price=Decimal(price) if price is not None else None,
        **kw,
    )
    await c.store.post_outcome(outcome)
    c.outcome_written(intent, outcome)
