from __future__ import annotations

import itertools
import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pingpost.auction.selection import Bid, price_verdict, rank, tiers
from pingpost.config.models import Pricing


def bid(name: str, amount: str, priority: int = 0, latency: float = 10.0) -> Bid:
    return Bid(name, priority, Decimal(amount), latency)


def names(bids: list[Bid]) -> list[str]:
    return [b.account for b in bids]


def test_highest_bid_ranks_by_amount_whatever_the_tier() -> None:
    bids = [bid("a", "5"), bid("b", "12.50", priority=2), bid("c", "8")]
    assert names(rank(bids, strategy="highest_bid", tie_break="priority")) == ["b", "c", "a"]


def test_priority_ranks_by_tier_then_amount() -> None:
    bids = [bid("a", "5", 1), bid("b", "30", 2), bid("c", "8", 1), bid("d", "1", 0)]
    assert names(rank(bids, strategy="priority", tie_break="priority")) == ["d", "c", "a", "b"]


def test_tie_break_priority_prefers_the_lower_tier_then_the_name() -> None:
    bids = [bid("z", "10", 0), bid("b", "10", 1), bid("a", "10", 1)]
    assert names(rank(bids, strategy="highest_bid", tie_break="priority")) == ["z", "a", "b"]


def test_tie_break_latency_prefers_the_faster_ping() -> None:
    bids = [bid("a", "10", 0, latency=50), bid("b", "10", 1, latency=20), bid("c", "9", latency=1)]
    assert names(rank(bids, strategy="highest_bid", tie_break="latency")) == ["b", "a", "c"]


def test_price_verdicts() -> None:
    pricing = Pricing(min_bid=Decimal("5"), max_bid=Decimal("100"))
    assert price_verdict(Decimal("5"), pricing) is None
    assert price_verdict(Decimal("100"), pricing) is None
    assert price_verdict(Decimal("4.99"), pricing) == (
        "below_floor",
        "bid 4.99 below min_bid 5",
    )
    assert price_verdict(Decimal("100.01"), pricing) == (
        "above_max",
        "bid 100.01 above max_bid 100",
    )
    assert price_verdict(Decimal("0"), Pricing()) is None


def test_tiers_group_by_ascending_priority_and_keep_order() -> None:
    items = [("b", 1), ("a", 0), ("c", 1), ("d", 5)]
    assert tiers(items, lambda i: i[1]) == [[("a", 0)], [("b", 1), ("c", 1)], [("d", 5)]]
    assert tiers([], lambda i: 0) == []


bids_strategy = st.lists(
    st.builds(
        Bid,
        account=st.text("abcdef", min_size=1, max_size=4),
        priority=st.integers(0, 3),
        amount=st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False),
        latency_ms=st.floats(0, 1000),
    ),
    max_size=12,
    unique_by=lambda b: b.account,
)


@settings(max_examples=150, deadline=None)
@given(
    bids=bids_strategy,
    strategy=st.sampled_from(["highest_bid", "priority"]),
    tie_break=st.sampled_from(["priority", "latency"]),
    seed=st.integers(0, 2**16),
)
def test_rank_properties(bids: list[Bid], strategy: str, tie_break: str, seed: int) -> None:
    ranked = rank(bids, strategy=strategy, tie_break=tie_break)  # type: ignore[arg-type]
    # a permutation: every bid offered once, none invented
    assert sorted(names(ranked)) == sorted(names(bids))
    # deterministic: the arrival order of the bids does not matter
    shuffled = bids[:]
    random.Random(seed).shuffle(shuffled)
    assert rank(shuffled, strategy=strategy, tie_break=tie_break) == ranked  # type: ignore[arg-type]
    for better, worse in itertools.pairwise(ranked):
        if strategy == "priority":
            assert better.priority <= worse.priority
            if better.priority == worse.priority:
                assert better.amount >= worse.amount
        else:
            assert better.amount >= worse.amount
    if ranked and strategy == "highest_bid":
        assert ranked[0].amount == max(b.amount for b in bids)
    if ranked and strategy == "priority":
        first_tier = min(b.priority for b in bids)
        best = max(b.amount for b in bids if b.priority == first_tier)
        assert (ranked[0].priority, ranked[0].amount) == (first_tier, best)
