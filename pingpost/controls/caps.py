"""Caps: the claims a sale must fit in, and whether an account is at a cap.

    caps (config) ──► cap_claims(at) ──► PostIntent.claims (the store reserves them)
                  ──► cap_verdict(claims, usage) ──► `capped` before the ping
    CapReached (the store refused an intent) ──► reached_reason ──► `capped`, next bidder

Caps of the same `per` share one window, so they become one claim carrying
both limits: the store counts each claim of an intent once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from pingpost.config.control_models import PERIODS, Cap, Period
from pingpost.controls.calendar import describe_end, window_end, window_key
from pingpost.store.records import CapClaim, CapReached, Usage

N = TypeVar("N", int, Decimal)
_PERIODS: dict[str, Period] = {per: per for per in PERIODS}


@dataclass(frozen=True)
class CapLimits:
    """The caps of one account, merged by window: (per, leads, spend), in PERIODS order."""

    limits: tuple[tuple[Period, int | None, Decimal | None], ...]

    @classmethod
    def of(cls, caps: Sequence[Cap]) -> CapLimits:
        merged: dict[Period, tuple[int | None, Decimal | None]] = {}
        for cap in caps:
            leads, spend = merged.get(cap.per, (None, None))
            merged[cap.per] = (_lower(leads, cap.leads), _lower(spend, cap.spend))
        return cls(tuple((per, *merged[per]) for per in PERIODS if per in merged))

    def claims(self, at: float, zone: ZoneInfo) -> tuple[CapClaim, ...]:
        """The claims of a sale at `at`: one per window, with its limits."""
        return tuple(
            CapClaim(window_key(per, at, zone), leads=leads, spend=spend)
            for per, leads, spend in self.limits
        )

    def valid_until(self, at: float, zone: ZoneInfo) -> float:
        """When the claims of `at` stop being the current ones (the first window end)."""
        ends = [window_end(per, at, zone) for per, _, _ in self.limits]
        known = [end for end in ends if end is not None]
        return min(known) if known else float("inf")


def period_of(claim: CapClaim) -> Period:
    """`day:2026-12-03` -> `day`."""
    return _PERIODS[claim.window.split(":", 1)[0]]


def cap_verdict(
    claims: Sequence[CapClaim], usage: Mapping[str, Usage], at: float, zone: ZoneInfo
) -> str | None:
    """Why the account is at a cap (`capped: ...`), or None when every claim has room.

    `usage` maps a claim's window to its counter. Before the ping the price is not
    known yet, so a spend cap is reached when nothing is left of it; a sale that
    would pass it is refused later, when its post intent is reserved.
    """
    for claim in claims:
        used = usage.get(claim.window)
        if used is None or not is_full(claim, used):
            continue
        per = period_of(claim)
        if claim.leads is not None and used.leads >= claim.leads:
            return f"capped: {_leads(claim.leads, per)} reached ({describe_end(per, at, zone)})"
        assert claim.spend is not None
        return f"capped: {_spend(claim.spend, per)} reached ({describe_end(per, at, zone)})"
    return None


def is_full(claim: CapClaim, used: Usage) -> bool:
    """No room left in this claim's window, whatever the price of the next sale."""
    return (claim.leads is not None and used.leads >= claim.leads) or (
        claim.spend is not None and used.spend >= claim.spend
    )


def reached_reason(reached: CapReached, amount: Decimal, at: float, zone: ZoneInfo) -> str:
    """The `capped` reason of a post intent the store refused."""
    claim = reached.claim
    per = period_of(claim)
    resets = describe_end(per, at, zone)
    if claim.leads is not None and reached.used_leads + 1 > claim.leads:
        return f"capped: {_leads(claim.leads, per)} reached ({resets})"
    assert claim.spend is not None, reached
    left = max(claim.spend - reached.used_spend, Decimal(0))
    return (
        f"capped: {_spend(claim.spend, per)}: a sale at {amount} would pass it "
        f"({left} left; {resets})"
    )


def _leads(limit: int, per: Period) -> str:
    unit = "lead" if limit == 1 else "leads"
    return f"{limit} {unit} in total" if per == "total" else f"{limit} {unit} per {per}"


def _spend(limit: Decimal, per: Period) -> str:
    return f"spend {limit} in total" if per == "total" else f"spend {limit} per {per}"


def _lower(a: N | None, b: N | None) -> N | None:
    if a is None:
        return b
    return a if b is None else min(a, b)
