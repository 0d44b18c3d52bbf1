"""Which accounts take part in an auction: `enabled` and every filter, with a reason when not.

Filters compare like the lead's coerced types: numbers as decimals, booleans as
booleans, dates as dates, strings trimmed and case-insensitive (the same rule
response conditions use, so `in: [ca, tx]` matches a State of `CA`). A filter
on a field the lead does not have fails, except `exists: false`: a buyer that
sets criteria on a field cannot check a lead that lacks it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from pingpost.config.models import DeliveryAccount, Filter, LeadField
from pingpost.leads import Lead

_MISSING: Any = object()
_SYMBOLS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def ineligibility(
    account: DeliveryAccount, lead: Lead, fields: Mapping[str, LeadField] | None = None
) -> str | None:
    """Why `account` must not be pinged for `lead`, or None when it is eligible."""
    if not account.enabled:
        return "disabled"
    for rule in account.filters:
        field_type = fields[rule.field].type if fields and rule.field in fields else None
        reason = filter_failure(rule, lead.values.get(rule.field, _MISSING), field_type)
        if reason is not None:
            return reason
    return None


def filter_failure(rule: Filter, value: Any, field_type: str | None = None) -> str | None:
    """Why `value` breaks `rule` (None when it holds). `value` is `_MISSING` when absent."""
    op = rule.operators()[0]
    name = rule.field
    if op == "exists":
        present = value is not _MISSING and value is not None and value != ""
        if present == bool(rule.exists):
            return None
        return f"{name} is missing" if rule.exists else f"{name} is present (must be absent)"
    if value is _MISSING or value is None:
        return f"{name} is missing"
    shown = f"{name}={_show(value)}"
    if op in ("equals", "not_equals"):
        operand = rule.equals if op == "equals" else rule.not_equals
        same = _same(value, operand, field_type)
        if same == (op == "equals"):
            return None
        verb = "does not equal" if op == "equals" else "must not equal"
        return f"{shown} {verb} {_show(operand)}"
    if op in ("in", "not_in"):
        options = (rule.in_ if op == "in" else rule.not_in) or ()
        found = any(_same(value, option, field_type) for option in options)
        if found == (op == "in"):
            return None
        listed = "[" + ", ".join(_show(o) for o in options) + "]"
        return f"{shown} not in {listed}" if op == "in" else f"{shown} in excluded {listed}"
    if op == "matches":
        return _match_failure(shown, value, str(rule.matches))
    return _order_failure(shown, value, op, getattr(rule, op))


def _match_failure(shown: str, value: Any, pattern: str) -> str | None:
    try:
        compiled = _regex(pattern)
    except re.error as exc:
        return f"{shown}: invalid regex {pattern!r} ({exc})"
    return None if compiled.search(_show(value)) else f"{shown} does not match {pattern}"


def _order_failure(shown: str, value: Any, op: str, limit: float) -> str | None:
    number = _number(value)
    if number is None:
        return f"{shown} is not a number (filter {op} {_show(limit)})"
    bound = Decimal(repr(limit))
    holds = {
        "gt": number > bound,
        "gte": number >= bound,
        "lt": number < bound,
        "lte": number <= bound,
    }[op]
    return None if holds else f"{shown} not {_SYMBOLS[op]} {_show(limit)}"


def _same(value: Any, operand: Any, field_type: str | None) -> bool:
    """Equality in the lead value's own type; an operand that does not convert is unequal."""
    if operand is None:
        return False
    if isinstance(value, bool):
        return _boolean(operand) is value
    if isinstance(value, int | Decimal):
        number = _number(operand)
        return number is not None and number == Decimal(value)
    if isinstance(value, date):
        return _show(operand) == value.isoformat()
    text = _show(operand)
    if field_type == "phone":
        text = re.sub(r"\D", "", text)
    return text.strip().casefold() == str(value).strip().casefold()


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float | str):
        try:
            number = Decimal(repr(value) if isinstance(value, float) else value.strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _boolean(operand: Any) -> bool | None:
    if isinstance(operand, bool):
        return operand
    if isinstance(operand, str) and operand.strip().lower() in ("true", "false"):
        return operand.strip().lower() == "true"
    return None


def _show(value: Any) -> str:
    """A value as the user wrote it: `true`, `25` (not `25.0`), `2024-01-31`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)
