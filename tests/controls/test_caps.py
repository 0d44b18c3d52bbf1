"""Cap claims and verdicts: merged windows, reasons with their reset times, spend in decimals."""

from __future__ import annotations

from decimal import Decimal

from pingpost.config.control_models import Cap
from pingpost.controls.caps import CapLimits, cap_verdict, reached_reason
from pingpost.store.records import CapClaim, CapReached, Usage

from .helpers import NY, at

NOON = at("2026-12-03 14:20")
CAPS = [
    Cap(per="day", leads=100),
    Cap(per="hour", leads=20),
    Cap(per="month", spend=Decimal("5000.00")),
    Cap(per="total", leads=10000),
    Cap(per="month", leads=2000),
]


def test_one_claim_per_window_carrying_every_limit_of_it() -> None:
    claims = CapLimits.of(CAPS).claims(NOON, NY)
    assert claims == (
        CapClaim("hour:2026-12-03T14-05:00", leads=20),
        CapClaim("day:2026-12-03", leads=100),
        CapClaim("month:2026-12", leads=2000, spend=Decimal("5000.00")),
        CapClaim("total", leads=10000),
    )


def test_two_caps_on_the_same_thing_keep_the_lower() -> None:
    limits = CapLimits.of([Cap(per="day", leads=100), Cap(per="day", leads=50)])
    assert limits.claims(NOON, NY) == (CapClaim("day:2026-12-03", leads=50),)


def test_claims_stay_valid_until_the_first_window_ends() -> None:
    assert CapLimits.of(CAPS).valid_until(NOON, NY) == at("2026-12-03 15:00")
    assert CapLimits.of([Cap(per="total", leads=3)]).valid_until(NOON, NY) == float("inf")


def usage(claims: tuple[CapClaim, ...], **by_per: Usage) -> dict[str, Usage]:
    return {c.window: by_per.get(c.window.split(":")[0], Usage()) for c in claims}


def test_capped_with_the_cap_and_its_reset_in_the_reason() -> None:
    claims = CapLimits.of(CAPS).claims(NOON, NY)
    assert cap_verdict(claims, usage(claims, day=Usage(99)), NOON, NY) is None
    assert cap_verdict(claims, usage(claims, day=Usage(100)), NOON, NY) == (
        "capped: 100 leads per day reached (resets 00:00 America/New_York)"
    )
    assert cap_verdict(claims, usage(claims, hour=Usage(20)), NOON, NY) == (
        "capped: 20 leads per hour reached (resets 15:00 America/New_York)"
    )
    assert cap_verdict(claims, usage(claims, total=Usage(10000)), NOON, NY) == (
        "capped: 10000 leads in total reached (never resets)"
    )


def test_a_spend_cap_before_the_ping_is_reached_when_nothing_is_left() -> None:
    claims = CapLimits.of([Cap(per="month", spend=Decimal("5000.00"))]).claims(NOON, NY)
    almost = usage(claims, month=Usage(7, Decimal("4999.99")))
    assert cap_verdict(claims, almost, NOON, NY) is None
    spent = usage(claims, month=Usage(8, Decimal("5000.00")))
    assert cap_verdict(claims, spent, NOON, NY) == (
        "capped: spend 5000.00 per month reached (resets Jan 1 00:00 America/New_York)"
    )


def test_reasons_for_refused_reservations() -> None:
    claim = CapClaim("day:2026-12-03", leads=10)
    assert reached_reason(CapReached("a", claim, 10, Decimal(0)), Decimal("5"), NOON, NY) == (
        "capped: 10 leads per day reached (resets 00:00 America/New_York)"
    )
    spend = CapClaim("week:2026-W49", spend=Decimal("100.00"))
    reached = CapReached("a", spend, 4, Decimal("95.50"))
    assert reached_reason(reached, Decimal("12.25"), NOON, NY) == (
        "capped: spend 100.00 per week: a sale at 12.25 would pass it "
        "(4.50 left; resets Mon 00:00 America/New_York)"
    )
    one = CapClaim("total", leads=1)
    assert reached_reason(CapReached("a", one, 1, Decimal(0)), Decimal(1), NOON, NY) == (
        "capped: 1 lead in total reached (never resets)"
    )
