"""What the controls decide, as data: a status with a reason a person understands.

    off_schedule  `off_schedule: opens Mon 09:00 America/New_York`
    paused        `paused: until 14:32 America/New_York (20 consecutive errors)`
    capped        `capped: 100 leads per day reached (resets 00:00 America/New_York)`
    duplicate     `duplicate: bought this lead within the last 90d`   (an account)
                  `duplicate: same Phone as auction 7f3c... within 30d`  (the whole lead)

A reason starts with its status, as the engine's other reasons do (`outbid:
...`); the trace shows it without the prefix under the status column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from pingpost.config.models import LeadType
from pingpost.controls.calendar import local, show_local
from pingpost.durations import format_duration

ControlStatus = Literal["off_schedule", "paused", "capped", "duplicate"]
CONTROL_STATUSES: tuple[ControlStatus, ...] = ("off_schedule", "paused", "capped", "duplicate")


@dataclass(frozen=True)
class Verdict:
    """Why one account is not pinged or not posted to (or, with no account, why the lead
    is refused)."""

    status: ControlStatus
    reason: str
    account: str | None = None


@dataclass(frozen=True)
class LeadCheck:
    """The lead-level check, before any ping.

    `key` is the lead's dedupe key (a salted hash): pass it to the accounts' checks
    and record it with a sale (`PostOutcome.dedupe_key`). None when nothing dedupes
    this lead type, or the lead has none of the dedupe fields.
    """

    key: str | None = None
    duplicate: Verdict | None = None
    earlier: str | None = None  # the auction id of the lead it duplicates


def paused_reason(until: float, why: str | None, zone: ZoneInfo, at: float) -> str:
    """`paused: until 14:32 America/New_York (20 consecutive errors)`; the day is named
    when the pause ends on another day."""
    other_day = local(until, zone).date() != local(at, zone).date()
    shown = show_local(until, zone, day=other_day)
    return f"paused: until {shown} {zone.key}" + (f" ({why})" if why else "")


def account_duplicate_reason(within: float) -> str:
    return f"duplicate: bought this lead within the last {format_duration(within)}"


def lead_duplicate_reason(lead_type: LeadType, earlier: str) -> str:
    rule = lead_type.dedupe
    assert rule is not None
    fields = rule.fields
    what = "same " + ", ".join(fields) if fields else "the same lead"
    return f"duplicate: {what} as auction {earlier} within {format_duration(rule.within)}"
