"""Times as operators write them for --since, --until and --before."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from pingpost.log.times import BadTime, iso_time, parse_instant, shown_time

NY = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
NOW = datetime(2026, 3, 8, 15, 30, tzinfo=NY).timestamp()  # the day clocks went forward


@pytest.mark.parametrize(
    ("text", "seconds_back"),
    [("2h", 7200), ("30m", 1800), ("90s", 90), ("7d", 7 * 86400), ("1w", 604800), ("now", 0)],
)
def test_durations_count_back_from_now(text: str, seconds_back: float) -> None:
    assert parse_instant(text, now=NOW, zone=NY) == NOW - seconds_back


def test_dates_are_midnight_in_the_logs_zone() -> None:
    assert (
        parse_instant("2026-03-08", now=NOW, zone=NY) == datetime(2026, 3, 8, tzinfo=NY).timestamp()
    )
    assert (
        parse_instant("2026-03-08", now=NOW, zone=UTC)
        == datetime(2026, 3, 8, tzinfo=UTC).timestamp()
    )
    today = parse_instant("today", now=NOW, zone=NY)
    assert today == datetime(2026, 3, 8, tzinfo=NY).timestamp()
    # yesterday was 24 hours long; today's midnight is 23 hours before tomorrow's
    assert today - parse_instant("yesterday", now=NOW, zone=NY) == 86400


def test_date_and_time_with_or_without_an_offset() -> None:
    local = datetime(2026, 3, 8, 14, 30, tzinfo=NY).timestamp()
    assert parse_instant("2026-03-08 14:30", now=NOW, zone=NY) == local
    assert parse_instant("2026-03-08T14:30:00", now=NOW, zone=NY) == local
    assert parse_instant("2026-03-08T18:30:00+00:00", now=NOW, zone=NY) == local
    assert parse_instant("2026-03-08T18:30:00Z", now=NOW, zone=NY) == local


@pytest.mark.parametrize("text", ["", "soon", "2h ago", "-3d", "2026-13-01", "0s"])
def test_anything_else_says_what_a_time_looks_like(text: str) -> None:
    with pytest.raises(BadTime, match="is not a time: write a duration back from now"):
        parse_instant(text, now=NOW, zone=NY)


def test_shown_and_iso_times() -> None:
    assert shown_time(NOW, NY) == "2026-03-08 15:30:00"
    assert shown_time(NOW, UTC, seconds=False) == "2026-03-08 19:30"
    assert iso_time(NOW, NY) == "2026-03-08T15:30:00.000-04:00"
    assert iso_time(None, NY) is None
