from __future__ import annotations

from decimal import Decimal

import pytest

from pingpost.auction.verdicts import NO_PRICE, judge_ping, judge_post
from pingpost.config.models import Pricing
from pingpost.exchange import Failure, RawResponse
from pingpost.responses.outcome import Outcome

PRICING = Pricing(min_bid=Decimal("5"), max_bid=Decimal("50"), fixed_price=Decimal("9"))


def test_ping_accepted_with_a_bid_keeps_it() -> None:
    assert judge_ping(Outcome("accepted", bid=Decimal("12.5")), PRICING) == (
        "accepted",
        Decimal("12.5"),
        None,
    )


def test_ping_accepted_without_a_bid_is_worth_the_fixed_price() -> None:
    assert judge_ping(Outcome("accepted"), PRICING)[:2] == ("accepted", Decimal("9"))
    assert judge_ping(Outcome("accepted"), Pricing()) == ("error", None, NO_PRICE)


def test_ping_bids_out_of_bounds() -> None:
    assert judge_ping(Outcome("accepted", bid=Decimal("4")), PRICING)[:2] == (
        "below_floor",
        Decimal("4"),
    )
    assert judge_ping(Outcome("accepted", bid=Decimal("51")), PRICING)[:2] == (
        "above_max",
        Decimal("51"),
    )


def test_ping_rejections_and_errors_carry_the_reason_or_the_deciding_rule() -> None:
    assert judge_ping(Outcome("rejected", reason="No Matches"), PRICING) == (
        "rejected",
        None,
        "No Matches",
    )
    rejected = Outcome("rejected", decided_by="no accept rule matched")
    assert judge_ping(rejected, PRICING)[2] == "no accept rule matched"
    assert judge_ping(Outcome("error", reason="timeout"), PRICING) == ("error", None, "timeout")
    assert judge_ping(Outcome("in_doubt", reason="x"), PRICING)[0] == "error"


def failed(kind: str, arrived: bool) -> RawResponse:
    return RawResponse(None, failure=Failure(kind, kind, arrived))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("outcome", "response", "status"),
    [
        (Outcome("accepted"), RawResponse(200), "sold"),
        (Outcome("rejected"), RawResponse(404), "post_rejected"),
        (Outcome("in_doubt"), failed("timeout", True), "in_doubt"),
        # only a failure that proves the request never left is a post_error
        (Outcome("error"), failed("connect", False), "post_error"),
        (Outcome("error"), failed("reset", True), "in_doubt"),
        # an answer the config calls `error` (status map) arrived: in doubt, never failed
        (Outcome("error"), RawResponse(503), "in_doubt"),
        (Outcome("error"), None, "in_doubt"),
    ],
)
def test_post_verdicts(outcome: Outcome, response: RawResponse | None, status: str) -> None:
    assert judge_post(outcome, response) == status
