"""round_robin and weighted rankings: fair rotation, weights honoured, reproducible draws."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from pingpost.auction.selection import Bid, rank


def names(bids: list[Bid]) -> list[str]:
    return [b.account for b in bids]


def test_round_robin_puts_the_longest_without_a_sale_first_never_sold_before_all() -> None:
    bids = [
        Bid("a", 0, Decimal("30"), last_sale_at=300.0),
        Bid("b", 0, Decimal("10"), last_sale_at=100.0),
        Bid("c", 0, Decimal("5"), last_sale_at=None),
        Bid("d", 0, Decimal("20"), last_sale_at=None),
    ]
    assert names(rank(bids, strategy="round_robin", tie_break="priority")) == ["d", "c", "b", "a"]


def test_round_robin_stays_within_tiers() -> None:
    bids = [
        Bid("a", 1, Decimal("30"), last_sale_at=None),
        Bid("b", 0, Decimal("10"), last_sale_at=500.0),
        Bid("c", 0, Decimal("10"), last_sale_at=100.0),
    ]
    assert names(rank(bids, strategy="round_robin", tie_break="priority")) == ["c", "b", "a"]


def test_round_robin_over_30_leads_rotates_fairly() -> None:
    last_sale: dict[str, float | None] = {"a": None, "b": None, "c": None}
    amounts = {"a": "12", "b": "10", "c": "11"}
    winners = []
    for lead in range(30):
        bids = [Bid(n, 0, Decimal(amounts[n]), last_sale_at=t) for n, t in last_sale.items()]
        winner = rank(bids, strategy="round_robin", tie_break="priority")[0].account
        winners.append(winner)
        last_sale[winner] = float(lead)
    assert Counter(winners) == {"a": 10, "b": 10, "c": 10}
    assert winners[:6] == ["a", "c", "b", "a", "c", "b"]  # never sold first, by bid; then turns


def test_weighted_first_places_follow_the_weights_within_2_percent() -> None:
    weights = {"a": 1.0, "b": 3.0, "c": 6.0}
    bids = [Bid(n, 0, Decimal("10"), weight=w) for n, w in weights.items()]
    draws = 10_000
    firsts = Counter(
        rank(bids, strategy="weighted", tie_break="priority", seed=f"auction-{i}")[0].account
        for i in range(draws)
    )
    for name, weight in weights.items():
        assert abs(firsts[name] / draws - weight / 10) < 0.02, firsts


def test_weighted_is_reproducible_by_auction_id_and_ignores_the_amounts() -> None:
    bids = [Bid(n, 0, Decimal(a), weight=1.0) for n, a in (("a", "1"), ("b", "50"), ("c", "9"))]
    orders = {
        tuple(names(rank(bids, strategy="weighted", tie_break="priority", seed=f"id-{i}")))
        for i in range(50)
    }
    assert len(orders) > 1  # the amounts do not decide
    one = rank(bids, strategy="weighted", tie_break="priority", seed="lead-42")
    again = rank(list(reversed(bids)), strategy="weighted", tie_break="priority", seed="lead-42")
    assert names(one) == names(again)


def test_weighted_stays_within_tiers() -> None:
    bids = [Bid("a", 1, Decimal("10"), weight=1000.0), Bid("b", 0, Decimal("10"), weight=0.001)]
    for i in range(20):
        assert names(rank(bids, strategy="weighted", tie_break="priority", seed=str(i))) == [
            "b",
            "a",
        ]
