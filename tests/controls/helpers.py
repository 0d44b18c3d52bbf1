"""Instants written as local wall-clock times, and a clock the tests move by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

NY = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")


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
