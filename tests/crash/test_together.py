"""Two `pingpost deliver` processes at once, two batches, one store (SQLite, PostgreSQL):
nothing lost, nothing mixed up. Each auction in the log is whole and is its own lead's,
and `log show` prints what `deliver` printed."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from .market import Market, check_the_buyers_ledger, write_leads

LEADS = 10


def deliver_two_batches_at_once(market: Market) -> dict[str, dict[str, Any]]:
    """Start both, wait for both; every lead's JSON result, by auction id."""
    root = market.configs.parent
    files = [write_leads(root / f"{p}.jsonl", LEADS, prefix=p) for p in ("A", "B")]
    procs = [market.start("deliver", str(f), "--json", "--concurrency", "8") for f in files]
    printed: dict[str, dict[str, Any]] = {}
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err  # every lead sold
        docs = [json.loads(line) for line in out.splitlines()]
        assert len(docs) == LEADS and {d["result"] for d in docs} == {"sold"}
        printed |= {d["lead_id"]: d for d in docs}
    return printed


def check_the_log(market: Market, printed: dict[str, dict[str, Any]]) -> None:
    assert sorted(printed) == sorted(f"{p}{i}" for p in "AB" for i in range(1, LEADS + 1))
    check_the_buyers_ledger(market)
    logged = market.logged()
    assert logged.keys() == printed.keys()  # nothing lost, nothing more
    assert market.open_auctions() == {}
    for auction_id, doc in printed.items():
        shown = market.cli("log", "show", auction_id, "--json")
        assert shown.code == 0, shown.out
        again = json.loads(shown.out)
        assert again == {k: v for k, v in doc.items() if k != "line"}, auction_id  # its own posts
        assert logged[auction_id]["sold_to"] == doc["sold_to"]
    stats = market.cli("stats", "--json", "--since", "1h")
    assert stats.code == 0, stats.out
    figures = json.loads(stats.out)
    assert figures["totals"]["auctions"] == figures["totals"]["sold"] == 2 * LEADS
    assert sum(row["wins"] for row in figures["rows"]) == 2 * LEADS
    revenue = Decimal(figures["totals"]["revenue"])
    assert revenue == sum(Decimal(row["revenue"]) for row in figures["rows"])
    sold = [e for e in market.sandbox.ledger(phase="post") if e["outcome"] == "accepted"]
    assert len(sold) == 2 * LEADS
    assert revenue == sum(Decimal(e["price"]) for e in sold)


@pytest.mark.slow
def test_two_processes_deliver_into_one_sqlite_store(market: Market) -> None:
    check_the_log(market, deliver_two_batches_at_once(market))


@pytest.mark.slow
def test_two_processes_deliver_into_one_postgresql_store(pg_market: Market) -> None:
    check_the_log(pg_market, deliver_two_batches_at_once(pg_market))
