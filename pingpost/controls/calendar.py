"""Calendar windows in an account's time zone: which window an instant falls in, and
when that window ends. Pure: every function takes the instant (Unix seconds).

    per     window key at 2026-12-03 14:20 in America/New_York    ends (local)
    hour    hour:2026-12-03T14-05:00                               15:00
    day     day:2026-12-03                                         00:00 the next day
    week    week:2026-W49 (ISO weeks: Monday to Sunday)            Mon 00:00
    month   month:2026-12                                          Jan 1 00:00
    total   total                                                  never

Days, weeks and months follow the local calendar, so a day is 23 or 25 hours
long across a DST change and still ends at local midnight. An hour key carries
its UTC offset: when clocks go back, 01:00-02:00 happens twice, and each of the
two is an hour of its own.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pingpost.config.control_models import Period
from pingpost.config.models import DeliveryAccount, Settings

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
UTC = ZoneInfo("UTC")


def zone_of(account: DeliveryAccount, settings: Settings) -> ZoneInfo:
    """The account's zone: its own `timezone`, else the settings', else UTC."""
    name = account.timezone or settings.timezone
    return ZoneInfo(name) if name else UTC


def local(at: float, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(at, zone)


def wall(at: float, zone: ZoneInfo) -> datetime:
    """The local wall-clock time at `at`, without its zone (for comparisons)."""
    return datetime.fromtimestamp(at, zone).replace(tzinfo=None)


def first_instant(when: datetime, zone: ZoneInfo) -> float:
    """The first instant whose local wall-clock time is `when` (naive) or later.

    A time that happens twice (clocks going back) is its first occurrence; a time
    that never happens (clocks going forward past it) is the instant of the jump.
    """
    early = min(when.replace(tzinfo=zone, fold=f).timestamp() for f in (0, 1))
    if wall(early, zone) >= when:
        return early
    late = max(when.replace(tzinfo=zone, fold=f).timestamp() for f in (0, 1))
    low, high = int(early), int(late) + 1  # transitions fall on whole seconds
    while high - low > 1:
        middle = (low + high) // 2
        if wall(middle, zone) >= when:
            high = middle
        else:
            low = middle
    return float(high)


def window_key(per: Period, at: float, zone: ZoneInfo) -> str:
    """The counter a cap `per` counts in at `at`: `day:2026-12-03`, `total`, ..."""
    if per == "total":
        return "total"
    moment = local(at, zone)
    if per == "hour":
        return f"hour:{moment:%Y-%m-%dT%H}{_offset(moment)}"
    if per == "day":
        return f"day:{moment:%Y-%m-%d}"
    if per == "week":
        year, week, _ = moment.isocalendar()
        return f"week:{year}-W{week:02d}"
    return f"month:{moment:%Y-%m}"


def window_end(per: Period, at: float, zone: ZoneInfo) -> float | None:
    """When the window of `at` ends and the next begins (None: `total` never ends)."""
    if per == "total":
        return None
    moment = local(at, zone)
    if per == "hour":
        into = moment.minute * 60 + moment.second + moment.microsecond / 1e6
        return at - into + 3600  # absolute: the repeated hour of a DST change is its own
    today = moment.date()
    if per == "day":
        return _midnight(today + timedelta(days=1), zone)
    if per == "week":
        return _midnight(today + timedelta(days=7 - today.weekday()), zone)
    first = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    return _midnight(first, zone)


def show_local(at: float, zone: ZoneInfo, *, day: bool = False, date_too: bool = False) -> str:
    """`14:32`, `Mon 09:00` (day) or `Jan 1 00:00` (date_too), in `zone`, no locale."""
    moment = local(at, zone)
    clock = f"{moment:%H:%M}"
    if date_too:
        return f"{MONTH_NAMES[moment.month - 1]} {moment.day} {clock}"
    if day:
        return f"{DAY_NAMES[moment.weekday()]} {clock}"
    return clock


def describe_end(per: Period, at: float, zone: ZoneInfo) -> str:
    """`resets 00:00 America/New_York`, `resets Mon 00:00 UTC`, or `never resets`."""
    end = window_end(per, at, zone)
    if end is None:
        return "never resets"
    shown = show_local(end, zone, day=per == "week", date_too=per == "month")
    return f"resets {shown} {zone.key}"


def _midnight(day: date, zone: ZoneInfo) -> float:
    return first_instant(datetime(day.year, day.month, day.day), zone)


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
