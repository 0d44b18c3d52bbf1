"""Bids and prices: from whatever a buyer sent to a finite, non-negative Decimal (P7)."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

from pingpost.responses.values import show

# "12.50", "$12.50", "1,250.00", "-1" (refused later as negative, with a better message).
# ASCII digits only: "١٢" is not a price a buyer means. No exponents: "1e309" is not money.
_AMOUNT = re.compile(
    r"(?P<sign>[-+])?\s*\$?\s*(?P<number>(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|\.[0-9]+)",
    re.ASCII,
)
_NOT_FINITE = frozenset({"nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity"})
_MAX_TEXT = 64  # longer text is not an amount; don't feed it to Decimal


class InvalidBid(ValueError):
    """A bid or price that is not a finite, non-negative amount. `str()` says what was found."""


def parse_bid(value: object) -> Decimal:
    """A bid (or post price) as a Decimal, or InvalidBid.

    Accepts numbers (`12.5`, `12`) and amount strings (`"12.50"`, `"$12.50"`,
    `"1,250.00"`). Refuses NaN, infinities (JSON `1e309` decodes to infinity),
    negatives, booleans, null, lists, objects, empty and non-numeric text.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise InvalidBid(f"{show(value, 40)} is not a number")
    if isinstance(value, str):
        amount = _parse_text(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidBid(f"{show(value, 40)} is not a finite number")
        amount = Decimal(repr(value))  # repr is the shortest exact spelling: 17.33, not 17.3299...
    else:
        amount = Decimal(value)
        if not amount.is_finite():
            raise InvalidBid(f"{show(value, 40)} is not a finite number")
    if amount < 0:
        raise InvalidBid(f"{show(value, 40)} is negative")
    return abs(amount) if amount == 0 else amount  # no "-0"


def _parse_text(value: str) -> Decimal:
    text = value.strip()
    if not text:
        raise InvalidBid("empty")
    if text.casefold() in _NOT_FINITE:
        raise InvalidBid(f"{show(value, 40)} is not a finite number")
    match = _AMOUNT.fullmatch(text) if len(text) <= _MAX_TEXT else None
    if match is None:
        raise InvalidBid(f"{show(value, 40)} is not a number")
    try:
        amount = Decimal(match["number"].replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the pattern only admits valid numbers
        raise InvalidBid(f"{show(value, 40)} is not a number") from exc
    return -amount if match["sign"] == "-" else amount
