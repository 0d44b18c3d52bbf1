"""Shared or exclusive: decision tables, ties, few shared bidders, replacements within max_posts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pingpost.auction.selection import Bid, rank
from pingpost.controls.shared import SharedRun, plan_sale


def bids(**amounts: str) -> list[Bid]:
    ranked = [Bid(name, 0, Decimal(amount)) for name, amount in amounts.items()]
    return rank(ranked, strategy="highest_bid", tie_break="priority")


SHARED = {"s1", "s2", "s3", "s4"}


def decide(max_sells: int = 3, posts_left: int = 5, **amounts: str) -> tuple[str, list[str]]:
    plan = plan_sale(bids(**amounts), shared=SHARED, max_sells=max_sells, posts_left=posts_left)
    assert plan is not None
    return plan.mode, [b.account for b in plan.first]


@pytest.mark.parametrize(
    ("amounts", "mode", "first"),
    [
        # the best exclusive bid against the sum of the best max_sells shared bids
        ({"x": "30", "s1": "12", "s2": "10", "s3": "9"}, "shared", ["s1", "s2", "s3"]),
        ({"x": "32", "s1": "12", "s2": "10", "s3": "9"}, "exclusive", ["x"]),
        # a tie goes to the exclusive sale
        ({"x": "31", "s1": "12", "s2": "10", "s3": "9"}, "exclusive", ["x"]),
        # only the best max_sells shared bids count
        ({"x": "33", "s1": "12", "s2": "10", "s3": "9", "s4": "8"}, "exclusive", ["x"]),
        # fewer shared bidders than max_sells: the sum of those there are
        ({"x": "20", "s1": "12", "s2": "10"}, "shared", ["s1", "s2"]),
        ({"x": "25", "s1": "12", "s2": "10"}, "exclusive", ["x"]),
        # one side missing
        ({"s1": "2"}, "shared", ["s1"]),
        ({"x": "1", "y": "5"}, "exclusive", ["y"]),
        # the best exclusive is the first in rank, not any exclusive
        ({"y": "8", "x": "30", "s1": "12", "s2": "10", "s3": "9"}, "shared", ["s1", "s2", "s3"]),
    ],
)
def test_decision_table(amounts: dict[str, str], mode: str, first: list[str]) -> None:
    assert decide(**amounts) == (mode, first)


def test_reasons_say_what_won_and_why() -> None:
    def reason(**amounts: str) -> str:
        plan = plan_sale(bids(**amounts), shared=SHARED, max_sells=3, posts_left=5)
        assert plan is not None
        return plan.reason

    assert reason(x="30", s1="12", s2="10", s3="9") == (
        "shared sale to s1, s2, s3 (31 in all) beats exclusive x (30)"
    )
    assert reason(x="31", s1="12", s2="10", s3="9") == (
        "exclusive sale to x (31), equal to 3 shared bids (31): a tie goes to the exclusive sale"
    )
    assert reason(x="40", s1="12") == "exclusive sale to x (40) beats 1 shared bid (12)"
    assert reason(s1="5", s2="4") == "shared sale to s1, s2 (9 in all): no exclusive bid"
    assert reason(x="5") == "exclusive sale to x (5): no shared bid"


def test_max_sells_one_is_one_sale_to_the_best_whoever_it_is() -> None:
    assert decide(max_sells=1, x="5", s1="12", s2="10") == ("exclusive", ["s1"])


def test_posts_left_limit_the_shared_winners() -> None:
    assert decide(posts_left=2, x="15", s1="12", s2="10", s3="9") == ("shared", ["s1", "s2"])
    assert plan_sale(bids(x="1"), shared=SHARED, max_sells=3, posts_left=0) is None
    assert plan_sale([], shared=SHARED, max_sells=3, posts_left=3) is None


def run(posts_left: int, hold: bool = True, **amounts: str) -> SharedRun:
    plan = plan_sale(bids(**amounts), shared=SHARED, max_sells=2, posts_left=posts_left)
    assert plan is not None and plan.mode == "shared"
    return SharedRun(plan, posts_left=posts_left, hold_in_doubt=hold)


def by(run_: SharedRun, name: str) -> Bid:
    return next(b for b in (*run_.plan.first, *run_.plan.replacements) if b.account == name)


def test_a_rejected_shared_post_is_replaced_by_the_next_shared_bidder() -> None:
    shared = run(4, s1="12", s2="10", s3="9", s4="8", x="5")
    assert [b.account for b in shared.first()] == ["s1", "s2"]
    assert shared.settle(by(shared, "s1"), "sold", Decimal("12")) is None
    replacement = shared.settle(by(shared, "s2"), "post_rejected")
    assert replacement is not None and replacement.account == "s3"
    assert not shared.done
    assert shared.settle(replacement, "sold") is None
    assert shared.done
    assert [(b.account, p) for b, p in shared.sold] == [("s1", Decimal(12)), ("s3", Decimal(9))]
    assert shared.revenue == Decimal(21)
    assert [b.account for b in shared.unused()] == ["s4"]


def test_replacements_stop_at_max_posts() -> None:
    shared = run(3, s1="12", s2="10", s3="9", s4="8")
    shared.first()
    s3 = shared.settle(by(shared, "s1"), "post_rejected")
    assert s3 is not None and s3.account == "s3"
    assert shared.settle(by(shared, "s2"), "post_error") is None  # three posts sent: no more
    assert shared.settle(s3, "sold") is None
    assert shared.done and [b.account for b, _ in shared.sold] == ["s3"]


def test_a_refused_reservation_sends_no_post_and_costs_none() -> None:
    shared = run(2, s1="12", s2="10", s3="9")
    shared.first()
    s3 = shared.settle(by(shared, "s1"), "capped")
    assert s3 is not None and s3.account == "s3"
    assert shared.posts_left == 0


def test_a_post_in_doubt_keeps_its_seat_unless_fallback() -> None:
    held = run(5, s1="12", s2="10", s3="9")
    held.first()
    assert held.settle(by(held, "s1"), "in_doubt") is None
    assert [b.account for b in held.in_doubt] == ["s1"]
    fallback = run(5, hold=False, s1="12", s2="10", s3="9")
    fallback.first()
    replacement = fallback.settle(by(fallback, "s1"), "in_doubt")
    assert replacement is not None and replacement.account == "s3"


def test_an_exclusive_plan_is_planned_again_after_a_rejection() -> None:
    ranked = bids(x="40", y="30", s1="12", s2="10")
    plan = plan_sale(ranked, shared=SHARED, max_sells=2, posts_left=3)
    assert plan is not None and plan.mode == "exclusive" and plan.replacements == ()
    left = [b for b in ranked if b.account != "x"]
    again = plan_sale(left, shared=SHARED, max_sells=2, posts_left=2)
    assert again is not None and (again.mode, [b.account for b in again.first]) == (
        "exclusive",
        ["y"],
    )
    after = plan_sale(left[1:], shared=SHARED, max_sells=2, posts_left=1)
    assert after is not None and [b.account for b in after.first] == ["s1"]
