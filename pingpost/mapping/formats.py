"""Value formats of mappings (`format:`): digits, upper, ..., decimal:N, date:<strftime>.

Text formats give text; `int`, `decimal:N`, `true_false` and `one_zero` give a
number or a boolean, so a json body carries `36`, `12.50`, `true`, `1`, and a
form or xml body their text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pingpost.values import text_value

Formatter = Callable[[Any], Any]

FORMATS = (
    "digits", "upper", "lower", "title", "trim", "int", "decimal:N", "date:<strftime>",
    "yes_no", "true_false", "one_zero",
)  # fmt: skip
_TRUE = frozenset({"true", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "no", "n", "0", "off"})
_NON_DIGITS = re.compile(r"[^0-9]")


def parse_format(spec: str) -> Formatter:
    """The function for a `format:` value; ValueError names the valid formats."""
    name, _, arg = spec.partition(":")
    if name in _SIMPLE and not arg:
        return _SIMPLE[name]
    if name == "decimal" and arg.isdigit() and int(arg) <= 12:
        return _decimal_formatter(int(arg))
    if name == "date" and arg:
        return _date_formatter(arg)
    raise ValueError(f"unknown format `{spec}`; formats: {', '.join(FORMATS)}")


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("is a boolean, not a number")
    try:
        number = Decimal(text_value(value).strip())
    except (InvalidOperation, TypeError):
        raise ValueError("is not a number") from None
    if not number.is_finite():
        raise ValueError("is not a finite number")
    return number


def _int(value: Any) -> int:
    return int(_decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _decimal_formatter(places: int) -> Formatter:
    quantum = Decimal(1).scaleb(-places)
    return lambda value: _decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def _date_formatter(pattern: str) -> Formatter:
    def apply(value: Any) -> str:
        day = value
        if not isinstance(day, date):
            try:
                day = date.fromisoformat(text_value(value).strip())
            except ValueError:
                raise ValueError("is not a date (YYYY-MM-DD)") from None
        return day.strftime(pattern)

    return apply


def _truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = text_value(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError("is not a yes/no value")


_SIMPLE: dict[str, Formatter] = {
    "digits": lambda v: _NON_DIGITS.sub("", text_value(v)),
    "upper": lambda v: text_value(v).upper(),
    "lower": lambda v: text_value(v).lower(),
    "title": lambda v: text_value(v).title(),
    "trim": lambda v: text_value(v).strip(),
    "int": _int,
    "yes_no": lambda v: "Yes" if _truth(v) else "No",
    "true_false": _truth,  # a boolean: `true` in JSON, "true" in form/xml/query
    "one_zero": lambda v: 1 if _truth(v) else 0,
}
