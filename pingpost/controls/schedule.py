"""An account's schedule: open or closed at an instant, and when that changes.

Windows are wall-clock times in the account's zone. A window whose `to` is
earlier than its `from` runs past midnight into the next day (the day listed
is the day it opens). No schedule means always open. Pure: the instant is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pingpost.config.control_models import DAYS, ScheduleWindow
from pingpost.controls.calendar import first_instant, show_local, wall


@dataclass(frozen=True)
class _Span:
    days: frozenset[int]  # 0 = Monday
    start: int  # minutes after the opening day's midnight
    end: int  # past 1440 when the window ends the next day


class Schedule:
    """The windows of one account, compiled for quick questions."""

    def __init__(self, windows: Sequence[ScheduleWindow], zone: ZoneInfo) -> None:
        self.zone = zone
        self._spans = tuple(
            _Span(frozenset(DAYS.index(d) for d in w.days), w.start_minute, w.end_minute)
            for w in windows
        )

    def is_open(self, at: float) -> bool:
        moment = wall(at, self.zone)
        minute = moment.hour * 60 + moment.minute + moment.second / 60
        today, yesterday = moment.weekday(), (moment.weekday() - 1) % 7
        for span in self._spans:
            if today in span.days and span.start <= minute < span.end:
                return True
            if yesterday in span.days and minute < span.end - 1440:  # the night before's window
                return True
        return False

    def next_change(self, at: float) -> float | None:
        """The first window start or end after `at` (None: the windows never change)."""
        later = [t for t in self._edges(at) if t > at]
        return min(later) if later else None

    def next_open(self, at: float) -> float | None:
        """When a closed schedule opens next (None: it never opens)."""
        for edge in sorted(t for t in self._edges(at) if t > at):
            if self.is_open(edge):
                return edge
        return None

    def opens_text(self, at: float) -> str:
        """`opens Mon 09:00 America/New_York`, for the `off_schedule` reason."""
        opens = self.next_open(at)
        if opens is None:
            return "never opens"
        return f"opens {show_local(opens, self.zone, day=True)} {self.zone.key}"

    def next_close(self, at: float) -> float | None:
        """When an open schedule closes next (None: it never closes)."""
        for edge in sorted(t for t in self._edges(at) if t > at):
            if not self.is_open(edge):
                return edge
        return None

    def closes_text(self, at: float) -> str:
        """`closes Fri 17:30 America/New_York`."""
        closes = self.next_close(at)
        if closes is None:
            return "never closes"
        return f"closes {show_local(closes, self.zone, day=True)} {self.zone.key}"

    def _edges(self, at: float) -> list[float]:
        """Every window start and end from the day before `at` to eight days after."""
        midnight = wall(at, self.zone).replace(hour=0, minute=0, second=0, microsecond=0)
        edges = []
        for offset in range(-1, 9):
            day = midnight + timedelta(days=offset)
            for span in self._spans:
                if day.weekday() in span.days:
                    edges.append(self._instant(day, span.start))
                    edges.append(self._instant(day, span.end))
        return edges

    def _instant(self, midnight: datetime, minutes: int) -> float:
        return first_instant(midnight + timedelta(minutes=minutes), self.zone)
