"""`Outcome`: what one response means for the auction, and why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

OutcomeStatus = Literal["accepted", "rejected", "error", "in_doubt"]


@dataclass(frozen=True, slots=True)
class RuleVerdict:
    """One rule's result, for the trace.

    E.g. `accept: path status equals "accepted" -> no (got "rejected")`.
    """

    rule: str  # "status", "reject", "accept", "bid", "price", "reason", "capture.<name>"
    description: str  # the rule as the user wrote it, in words
    matched: bool
    detail: str = ""  # what was found, or why it failed


@dataclass(frozen=True, slots=True)
class Outcome:
    status: OutcomeStatus
    bid: Decimal | None = None
    price: Decimal | None = None  # a confirmed post price, overrides the bid
    reason: str | None = None
    captures: Mapping[str, str] = field(default_factory=dict)
    decided_by: str = ""  # which rule decided, in words
    verdicts: tuple[RuleVerdict, ...] = ()
    decoded_as: str = "text"  # json | xml | form | text
    decoded: Any = None  # the decoded body (dict/list/str), for the trace
    decode_error: str | None = None  # why the body did not decode as expected

    def __repr__(self) -> str:
        # The decision, never the buyer's text (reasons, captures, the body may echo a
        # secret or a lead's pii, P12).
        return (
            f"Outcome(status={self.status!r}, bid={self.bid!r}, price={self.price!r}, "
            f"captures=[{', '.join(self.captures)}], decoded_as={self.decoded_as!r})"
        )
