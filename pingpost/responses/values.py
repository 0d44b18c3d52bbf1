"""How values found in a response compare, print and count as true.

Buyers are loose with types: XML and form bodies carry only strings, JSON
bodies mix `true`, `"true"` and `"True"`, `8.5` and `"8.50"`. These helpers
give the rules one consistent reading (spec/config.md "Response").
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

# A plain number as text: no currency, no thousands separators (those are for bids only).
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)

# Strings that mean "no" when a path is tested for truth. XML and form bodies have no
# booleans, so `<Success>false</Success>` must not count as a match.
FALSY_TEXT = frozenset({"", "false", "0", "no", "null", "none", "nil"})


def is_number(value: object) -> bool:
    """An actual number (bools are not numbers, though Python says they are)."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def as_number(value: object) -> Decimal | None:
    """`value` as a finite Decimal when it is a number or a plain numeric string, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= 100 and _NUMBER.fullmatch(text):
            try:
                return Decimal(text)
            except InvalidOperation:  # pragma: no cover - the pattern only admits valid numbers
                return None
    return None


def format_number(value: int | float | Decimal) -> str:
    """A number as text without float noise: `8.5` -> "8.5", `1e20` -> "100000000000000000000"."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        value = Decimal(repr(value))
    if not value.is_finite():
        return str(value)
    return format(value, "f")


def as_text(value: Any) -> str:
    """The text a value stands for: strings as they are, JSON spelling for everything else."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return format_number(value)
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (ValueError, TypeError, RecursionError):
        return str(value)


def same(found: Any, expected: Any) -> bool:
    """`equals`: numbers as numbers, everything else as trimmed, case-insensitive text."""
    if type(found) is str and type(expected) is str:  # the common case, first
        return found.strip().casefold() == expected.strip().casefold()
    if is_number(found) or is_number(expected):
        a, b = as_number(found), as_number(expected)
        if a is not None and b is not None:
            return a == b
    if isinstance(found, list | dict) or isinstance(expected, list | dict):
        return bool(found == expected)
    return as_text(found).strip().casefold() == as_text(expected).strip().casefold()


def truthy(value: Any) -> bool:
    """A path with no operator matches when its value is true in this sense.

    JMESPath's truth (not null, false, "" or empty), plus: zero is false, and so
    are the strings in FALSY_TEXT, because XML and form bodies spell booleans as text.
    """
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return value.strip().casefold() not in FALSY_TEXT
    if is_number(value):
        number = as_number(value)
        return number is None or number != 0  # NaN and infinities are "something"
    if isinstance(value, list | dict):
        return len(value) > 0
    return True


def shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show(value: Any, limit: int = 60) -> str:
    """A found value for a verdict or a message: `"rejected"`, `true`, `8.5`, `null`, `[12]`."""
    if isinstance(value, str):
        value = shorten(value, limit)
        if value.isprintable() and '"' not in value and "\\" not in value:
            return f'"{value}"'  # the common case, without json.dumps' cost
        return json.dumps(value, ensure_ascii=False)
    return shorten(as_text(value), limit)
