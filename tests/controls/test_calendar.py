"""Cap windows in the account's zone: keys, ends and their words, across DST and month ends."""

from __future__ import annotations

import pytest

from pingpost.config.models import DeliveryAccount, Settings
from pingpost.controls.calendar import describe_end, first_instant, window_end, window_key, zone_of

from .helpers import NY, UTC, at, shown

NOON = at("2026-12-03 14:20")  # a Thursday


@pytest.mark.parametrize(
    ("per", "key"),
    [
        ("hour", "hour:2026-12-03T14-05:00"),
        ("day", "day:2026-12-03"),
        ("week", "week:2026-W49"),
        ("month", "month:2026-12"),
        ("total", "total"),
    ],
)
def test_window_keys_at_an_instant(per: str, key: str) -> None:
    assert window_key(per, NOON, NY) == key  # type: ignore[arg-type]


def test_the_day_rolls_over_at_local_midnight_not_utc() -> None:
    # 23:59 in New York is already the next day in UTC
    late = at("2026-12-03 23:59")
    assert window_key("day", late, NY) == "day:2026-12-03"
    assert window_key("day", late, UTC) == "day:2026-12-04"
    assert window_key("day", late + 60, NY) == "day:2026-12-04"
    assert window_end("day", late, NY) == at("2026-12-04 00:00")
    assert describe_end("day", late, NY) == "resets 00:00 America/New_York"


def test_weeks_start_on_monday() -> None:
    sunday_night = at("2026-12-06 23:59")
    monday = at("2026-12-07 00:00")
    assert window_key("week", sunday_night, NY) == "week:2026-W49"
    assert window_key("week", monday, NY) == "week:2026-W50"
    assert window_end("week", NOON, NY) == monday
    assert describe_end("week", NOON, NY) == "resets Mon 00:00 America/New_York"
    # ISO weeks: 2027-01-01 is a Friday of the last week of 2026
    assert window_key("week", at("2027-01-01 12:00"), NY) == "week:2026-W53"


@pytest.mark.parametrize(
    ("moment", "key", "end"),
    [
        ("2026-12-31 23:59", "month:2026-12", "2027-01-01 00:00"),
        ("2027-01-31 12:00", "month:2027-01", "2027-02-01 00:00"),
        ("2028-02-29 23:00", "month:2028-02", "2028-03-01 00:00"),  # a leap year
        ("2026-11-30 10:00", "month:2026-11", "2026-12-01 00:00"),
    ],
)
def test_months_end_on_their_last_day(moment: str, key: str, end: str) -> None:
    assert window_key("month", at(moment), NY) == key
    assert window_end("month", at(moment), NY) == at(end)


def test_month_reset_words() -> None:
    assert (
        describe_end("month", at("2026-12-31 23:59"), NY) == "resets Jan 1 00:00 America/New_York"
    )


def test_spring_forward_day_is_23_hours_and_still_ends_at_midnight() -> None:
    # 2026-03-08: 02:00 EST jumps to 03:00 EDT
    start = at("2026-03-08 00:00")
    end = window_end("day", start, NY)
    assert end == at("2026-03-09 00:00")
    assert end is not None and end - start == 23 * 3600
    assert window_key("day", end - 1, NY) == "day:2026-03-08"
    assert window_key("day", end, NY) == "day:2026-03-09"


def test_fall_back_day_is_25_hours() -> None:
    # 2026-11-01: 02:00 EDT goes back to 01:00 EST
    start = at("2026-11-01 00:00")
    end = window_end("day", start, NY)
    assert end is not None and end - start == 25 * 3600
    assert shown(end) == "2026-11-02 00:00 -0500"


def test_hours_across_the_spring_gap() -> None:
    before = at("2026-03-08 01:30")
    assert window_key("hour", before, NY) == "hour:2026-03-08T01-05:00"
    end = window_end("hour", before, NY)
    assert end is not None and shown(end) == "2026-03-08 03:00 -0400"  # 02:00 never happens
    assert window_key("hour", end, NY) == "hour:2026-03-08T03-04:00"
    assert describe_end("hour", before, NY) == "resets 03:00 America/New_York"


def test_the_repeated_hour_of_fall_back_is_an_hour_of_its_own() -> None:
    first = at("2026-11-01 01:30", fold=0)  # EDT
    second = at("2026-11-01 01:30", fold=1)  # EST, an hour later
    assert second - first == 3600
    assert window_key("hour", first, NY) == "hour:2026-11-01T01-04:00"
    assert window_key("hour", second, NY) == "hour:2026-11-01T01-05:00"
    assert window_end("hour", first, NY) == at("2026-11-01 01:00", fold=1)
    # the day is one window all along
    assert window_key("day", first, NY) == window_key("day", second, NY) == "day:2026-11-01"


def test_total_never_ends() -> None:
    assert window_end("total", NOON, NY) is None
    assert describe_end("total", NOON, NY) == "never resets"


def test_a_time_that_never_happens_is_the_jump() -> None:
    from datetime import datetime

    assert shown(first_instant(datetime(2026, 3, 8, 2, 30), NY)) == "2026-03-08 03:00 -0400"
    # a repeated time is its first occurrence
    assert shown(first_instant(datetime(2026, 11, 1, 1, 30), NY)) == "2026-11-01 01:30 -0400"


def test_zone_of_an_account_then_settings_then_utc() -> None:
    def account(**kw: object) -> DeliveryAccount:
        return DeliveryAccount(kind="delivery_account", name="a", method="m", **kw)  # type: ignore[arg-type]

    assert zone_of(account(timezone="Europe/Paris"), Settings(timezone="Asia/Tokyo")).key == (
        "Europe/Paris"
    )
    assert zone_of(account(), Settings(timezone="Asia/Tokyo")).key == "Asia/Tokyo"
    assert zone_of(account(), Settings()).key == "UTC"
