"""Pure verdicts: what an interpreted ping or post means for an account's status.

Kept apart from the engine (which sends) so that every rule of "Deciding the
outcome" that is the engine's, rather than the interpreter's, is a plain
function with plain tests.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pingpost.auction.result import AccountStatus
from pingpost.auction.selection import price_verdict
from pingpost.config.models import Pricing
from pingpost.exchange import RawResponse
from pingpost.responses.outcome import Outcome

PingStatus = Literal["accepted", "rejected", "error", "below_floor", "above_max"]
PostStatus = Literal["sold", "post_rejected", "post_error", "in_doubt"]

NO_PRICE = "accepted without a bid and no fixed_price"


def judge_ping(outcome: Outcome, pricing: Pricing) -> tuple[PingStatus, Decimal | None, str | None]:
    """(status, bid, reason) of an interpreted ping.

    A ping accepted without a bid (the method has no `bid` extractor) is worth
    the account's `fixed_price`; a bid out of the account's bounds loses.
    """
    reason = outcome.reason or outcome.decided_by or None
    if outcome.status == "rejected":
        return "rejected", None, reason
    if outcome.status != "accepted":  # error (in_doubt is a post-only verdict)
        return "error", None, reason
    bid = outcome.bid if outcome.bid is not None else pricing.fixed_price
    if bid is None:
        return "error", None, NO_PRICE
    out_of_bounds = price_verdict(bid, pricing)
    if out_of_bounds is not None:
        return out_of_bounds[0], bid, out_of_bounds[1]
    return "accepted", bid, None


def judge_post(outcome: Outcome, response: RawResponse | None) -> PostStatus:
    """The account's status after its post (P6).

    `in_doubt` whenever the post may have reached the buyer and been taken: the
    interpreter says so for timeouts and resets after sending, 5xx, statuses the
    config calls `error` and answers it cannot read. Its `error` is definitive
    in two cases only, and those are a `post_error`: a transport failure proving
    the request never left, and an `error` rule matching a (non-5xx) answer, in
    which the buyer said it did not take the lead.
    """
    if outcome.status == "accepted":
        return "sold"
    if outcome.status == "rejected":
        return "post_rejected"
    if outcome.status == "error" and response is not None:
        failure = response.failure
        if failure is not None:
            return "in_doubt" if failure.may_have_arrived else "post_error"
        if response.status is not None and response.status < 500:
            return "post_error"
    return "in_doubt"


def settled(status: AccountStatus) -> bool:
    """True once an account's post has been decided (it can no longer be offered the post)."""
    return status in ("sold", "post_rejected", "post_error", "in_doubt")
