"""Instants as operators write them: `2h` (ago), `2026-12-01`, `2026-12-01 14:30`, `today`.

The log reads and shows times in one zone: settings `timezone`, else UTC (the
zone the buyer controls default to, so `stats --since today` and a daily cap
mean the same day).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pingpost.config.models import Settings
from pingpost.durations import BadDuration, parse_duration

UTC = ZoneInfo("UTC")


class BadTime(ValueError):
    """Not an instant; the message says what one looks like."""


def log_zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.timezone) if settings.timezone else UTC


def parse_instant(text: str, *, now: float, zone: ZoneInfo) -> float:
    """Unix seconds for `text`: a duration back from `now` (`2h`, `30m`, `7d`), a date
    (its midnight in `zone`), a date and time (in `zone` unless it gives an offset),
    `now`, `today` or `yesterday` (midnight). Raises BadTime."""
    word = text.strip().lower()
    if word == "now":
        return now
    if word in ("today", "yesterday"):
        day = datetime.fromtimestamp(now, zone).date()
        return _midnight(day - timedelta(days=word == "yesterday"), zone)
    if word[:1].isdigit() and not _looks_like_date(word):
        try:
            return now - parse_duration(word)
        except BadDuration:
            pass
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadTime(
            f"`{text}` is not a time: write a duration back from now (2h, 30m, 7d), a date "
            "(2026-12-01), a date and time (2026-12-01 14:30, 2026-12-01T14:30:00+02:00), "
            "today or yesterday"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.timestamp()


def _looks_like_date(word: str) -> bool:
    return len(word) >= 8 and word[4:5] == "-"


def _midnight(day: date, zone: ZoneInfo) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()


def shown_time(at: float, zone: ZoneInfo, *, seconds: bool = True) -> str:
    """`2026-12-03 14:05:09` in `zone`."""
    return datetime.fromtimestamp(at, zone).strftime(
        "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    )


def iso_time(at: float | None, zone: ZoneInfo) -> str | None:
    """ISO 8601 with the zone's offset, for JSON (`2026-12-03T14:05:09.120+00:00`)."""
    if at is None:
        return None
    return datetime.fromtimestamp(at, zone).isoformat(timespec="milliseconds")
