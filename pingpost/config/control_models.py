"""Models of the buyer controls (spec/operations.md): time zones, schedules, caps,
duplicate checks, health, and the value types they share (durations, times of day).

Kept beside `models.py`, which imports them into the account, lead type and
settings documents. Every key is optional with the spec's defaults, so configs
written before the controls existed load unchanged. Checks that need more than
one node (dedupe fields that must exist in the lead type, two caps counting the
same thing) are in `control_checks.py`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from pingpost.durations import BadDuration, format_duration, parse_duration


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --------------------------------------------------------------------------- value types


def _duration(value: Any) -> float:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise BadDuration(f"expected a duration like 30d, 10m or 90s, got {value!r}")
    return parse_duration(value)


# Seconds, written as people write them: `30d`, `10m`, `90s` (a bare number is seconds).
Duration = Annotated[
    float,
    BeforeValidator(_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*[smhdw]?\s*$"},
                {"type": "number", "exclusiveMinimum": 0},
            ],
            "description": "A duration: a number and a unit (s, m, h, d, w), e.g. 30d, 10m, 90s.",
        }
    ),
]

# Zone files that are not IANA zone names, though ZoneInfo may open them.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _time_zone(name: str) -> str:
    try:
        if name in _NOT_ZONES or name != name.strip():
            raise ZoneInfoNotFoundError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        import difflib

        close = difflib.get_close_matches(name, sorted(_zone_names()), n=1, cutoff=0.7)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        raise ValueError(
            f"`{name}` is not an IANA time zone name (like America/New_York, Europe/Paris "
            f"or UTC){hint}"
        ) from None
    return name


TimeZoneName = Annotated[
    str,
    AfterValidator(_time_zone),
    WithJsonSchema({"type": "string", "minLength": 1}),
]

_TIME = re.compile(r"(\d{1,2}):(\d{2})")


def minutes_of(text: str, *, end: bool = False) -> int:
    """`"09:30"` -> 570. `"24:00"` (1440) is allowed as an end only."""
    match = _TIME.fullmatch(text)
    hours, minutes = (int(match[1]), int(match[2])) if match else (99, 99)
    if end and (hours, minutes) == (24, 0):
        return 1440
    if hours > 23 or minutes > 59:
        last = '23:59, or "24:00" for the end of the day' if end else "23:59"
        raise ValueError(f"`{text}` is not a time of day: write HH:MM, from 00:00 to {last}")
    return hours * 60 + minutes


def _time_text(value: Any) -> Any:
    """A time of day must be text: `9` or `9.30` (numbers) are refused with a hint."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f'write a time of day as quoted text, like "09:00", got {value}')
    return value


TimeOfDay = Annotated[
    str,
    BeforeValidator(_time_text),
    WithJsonSchema({"type": "string", "pattern": r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"}),
]
EndOfDay = Annotated[
    str,
    BeforeValidator(_time_text),
    WithJsonSchema({"type": "string", "pattern": r"^(([01]?[0-9]|2[0-3]):[0-5][0-9]|24:00)$"}),
]

PositiveDecimal = Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]


def _not_empty(items: tuple[Any, ...]) -> tuple[Any, ...]:
    # an AfterValidator, not `min_length`: pydantic would also call a list whose items
    # failed "too short", on top of the items' own errors
    if not items:
        raise ValueError("the list is empty: give at least one item, or leave the key out")
    return items


NonEmpty = Annotated[
    tuple[str, ...], AfterValidator(_not_empty), Field(json_schema_extra={"minItems": 1})
]

# --------------------------------------------------------------------------- schedules

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScheduleWindow(_Model):
    """Open from `from` to `to` on each of `days`, in the account's time zone.

    `to` earlier than `from` runs past midnight: `{days: [fri], from: "22:00",
    to: "02:00"}` is open from Friday 22:00 to Saturday 02:00.
    """

    days: Annotated[tuple[Day, ...], AfterValidator(_not_empty)] = Field(
        default=DAYS, json_schema_extra={"minItems": 1}
    )
    from_: TimeOfDay = Field(alias="from")
    to: EndOfDay

    @field_validator("from_")
    @classmethod
    def _start(cls, value: str) -> str:
        minutes_of(value)
        return value

    @field_validator("to")
    @classmethod
    def _end(cls, value: str) -> str:
        minutes_of(value, end=True)
        return value

    @model_validator(mode="after")
    def _some_time(self) -> ScheduleWindow:
        if minutes_of(self.from_) == minutes_of(self.to, end=True):
            raise ValueError(
                f"`from` and `to` are both {self.from_}: the window is empty; for the whole "
                'day write from: "00:00", to: "24:00"'
            )
        return self

    @property
    def start_minute(self) -> int:
        return minutes_of(self.from_)

    @property
    def end_minute(self) -> int:
        """Minutes after the start day's midnight: past 1440 when it ends the next day."""
        end = minutes_of(self.to, end=True)
        return end if end > self.start_minute else end + 1440


# --------------------------------------------------------------------------- caps

Period = Literal["hour", "day", "week", "month", "total"]
PERIODS: tuple[Period, ...] = ("hour", "day", "week", "month", "total")


class Cap(_Model):
    """Sold leads, or the sum of sale prices, per calendar window of the account's zone."""

    per: Period
    leads: int | None = Field(default=None, ge=1)
    spend: PositiveDecimal | None = None

    @model_validator(mode="after")
    def _a_limit(self) -> Cap:
        if self.leads is None and self.spend is None:
            raise ValueError(
                f"a cap needs `leads: N` or `spend: AMOUNT` (e.g. {{per: {self.per}, leads: 100}})"
            )
        return self


# --------------------------------------------------------------------------- dedupe, health


class AccountDedupe(_Model):
    """Never ping a lead this account bought within `within`."""

    within: Duration


class LeadDedupe(_Model):
    """Refuse a lead whose `fields` (normalised) match a lead received within `within`."""

    fields: NonEmpty | None = None  # None: the whole lead
    within: Duration


class Health(_Model):
    """Pause an account after `pause_after` consecutive errors or timeouts, for `pause_for`."""

    pause_after: int = Field(default=20, ge=1, le=100_000)
    pause_for: Duration = 600.0

    @property
    def pause_for_text(self) -> str:
        return format_duration(self.pause_for)


Schedule = Annotated[
    tuple[ScheduleWindow, ...],
    AfterValidator(_not_empty),
    Field(json_schema_extra={"minItems": 1}),
]
