"""Schedules: open or closed at an instant, and when they open next, in the account's zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from pingpost.config.control_models import ScheduleWindow
from pingpost.controls.schedule import Schedule

from .helpers import NY, at, shown


def window(days: list[str] | None, start: str, end: str) -> ScheduleWindow:
    data: dict[str, object] = {"from": start, "to": end}
    if days is not None:
        data["days"] = days
    return ScheduleWindow.model_validate(data)


OFFICE = Schedule(
    [
        window(["mon", "tue", "wed", "thu", "fri"], "09:00", "17:30"),
        window(["sat"], "10:00", "14:00"),
    ],
    NY,
)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        ("2026-12-03 08:59", False),  # Thursday
        ("2026-12-03 09:00", True),  # `from` is open
        ("2026-12-03 17:29", True),
        ("2026-12-03 17:30", False),  # `to` is closed
        ("2026-12-05 10:30", True),  # Saturday
        ("2026-12-05 14:00", False),
        ("2026-12-06 12:00", False),  # Sunday
    ],
)
def test_open_or_closed(moment: str, is_open: bool) -> None:
    assert OFFICE.is_open(at(moment)) is is_open


def test_the_zone_is_the_accounts() -> None:
    # 14:30 UTC is 09:30 in New York: open there, but not for the same hours in Tokyo
    instant = at("2026-12-03 14:30", ZoneInfo("UTC"))
    assert OFFICE.is_open(instant)
    tokyo = Schedule([window(["thu"], "09:00", "17:30")], ZoneInfo("Asia/Tokyo"))
    assert not tokyo.is_open(instant)  # 23:30 in Tokyo


def test_when_it_opens_next_for_the_reason() -> None:
    friday_evening = at("2026-12-04 18:00")
    opens = OFFICE.next_open(friday_evening)
    assert opens is not None and shown(opens) == "2026-12-05 10:00 -0500"
    assert OFFICE.opens_text(friday_evening) == "opens Sat 10:00 America/New_York"
    assert OFFICE.opens_text(at("2026-12-05 15:00")) == "opens Mon 09:00 America/New_York"
    assert OFFICE.opens_text(at("2026-12-03 07:00")) == "opens Thu 09:00 America/New_York"


def test_to_before_from_runs_past_midnight() -> None:
    night = Schedule([window(["fri"], "22:00", "02:00")], NY)
    assert not night.is_open(at("2026-12-04 21:59"))  # Friday
    assert night.is_open(at("2026-12-04 22:00"))
    assert night.is_open(at("2026-12-05 01:59"))  # Saturday morning: Friday's window
    assert not night.is_open(at("2026-12-05 02:00"))
    assert not night.is_open(at("2026-12-05 22:30"))  # Saturday night: no window
    assert not night.is_open(at("2026-12-04 01:00"))  # Friday morning: Thursday had none


def test_to_24_00_is_the_end_of_the_day_and_days_default_to_every_day() -> None:
    late = Schedule([window(None, "18:00", "24:00")], NY)
    assert late.is_open(at("2026-12-06 23:59"))
    assert not late.is_open(at("2026-12-07 00:00"))
    assert late.is_open(at("2026-12-07 18:00"))


def test_the_next_change_is_the_next_window_edge() -> None:
    change = OFFICE.next_change(at("2026-12-03 12:00"))
    assert change is not None and shown(change) == "2026-12-03 17:30 -0500"


def test_a_window_starting_in_the_spring_gap_opens_at_the_jump() -> None:
    # 2026-03-08 (a Sunday): 02:00 EST jumps to 03:00 EDT
    early = Schedule([window(["sun"], "02:30", "05:00")], NY)
    opens = early.next_open(at("2026-03-08 01:00"))
    assert opens is not None and shown(opens) == "2026-03-08 03:00 -0400"
    assert early.is_open(opens)
    assert not early.is_open(opens - 1)


def test_windows_follow_the_wall_clock_across_dst() -> None:
    # 09:00 local is 14:00 UTC in winter and 13:00 UTC in summer
    assert OFFICE.is_open(at("2026-03-09 13:30", ZoneInfo("UTC")))  # Monday, EDT: 09:30
    assert not OFFICE.is_open(at("2026-03-06 13:30", ZoneInfo("UTC")))  # Friday, EST: 08:30
