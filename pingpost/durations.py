"""Durations as people write them in configs: `90s`, `10m`, `2h`, `30d`, `1w`.

A bare number is seconds. Used by retention (`log: {retention: 90d}`), dedupe
windows (`within: 30d`) and health (`pause_for: 10m`).
"""

from __future__ import annotations

import re

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*")
MAX_SECONDS = 100 * 365 * 86_400  # a century: anything longer is a typo


class BadDuration(ValueError):
    """Not a duration; the message says what one looks like."""


def parse_duration(text: str | int | float) -> float:
    """Seconds in `text` (`"30d"` -> 2592000.0). Raises BadDuration."""
    if isinstance(text, bool):
        raise BadDuration(f"expected a duration like 30d, 10m or 90s, got {text!r}")
    if isinstance(text, int | float):
        seconds = float(text)
    else:
        match = _DURATION.fullmatch(text)
        if match is None:
            raise BadDuration(
                f"`{text}` is not a duration: write a number and a unit "
                "(s, m, h, d or w), like 30d, 10m or 90s"
            )
        seconds = float(match[1]) * UNITS[match[2] or "s"]
    if not 0 < seconds <= MAX_SECONDS:
        raise BadDuration(f"a duration must be more than 0 and at most 100 years, got {text!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """The shortest exact form: 2592000 -> `30d`, 90 -> `90s`, 600 -> `10m`."""
    for unit, size in sorted(UNITS.items(), key=lambda kv: -kv[1]):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
