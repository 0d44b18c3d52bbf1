"""No lead is posted twice: a 1,000-lead batch with faults on, checked from the sandbox ledger."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

from pingpost.auction import AuctionResult, BatchItem, BatchStats, run_batch
from pingpost.transport import HttpTransport
from tests.integration.auction_support import LEAD_TYPE, buyer, config, posts_by_ref, sandbox

LEADS = 1000
STATES = ["CA", "TX", "NY", "FL", "WA"]
FAULTY = {
    # every post fault a buyer can throw; ping faults too, so bids come and go
    "a": {"reset": 0.1, "http_500": 0.1, "post_reject": 0.2},
    "b": {"post_hang": 0.15, "post_reject": 0.25},
    "c": {"http_500": 0.2, "post_reject": 0.3},
    "d": {"reset": 0.15, "post_hang": 0.1},
    "e": {"post_reject": 0.5},
}


def lines() -> list[str]:
    return [
        json.dumps({"Ref": f"R{i}", "State": STATES[i % 5], "Age": 20 + i % 50}) + "\n"
        for i in range(LEADS)
    ]


def test_no_lead_is_posted_twice_in_a_faulty_batch() -> None:
    buyers = [
        buyer(name, bid, faults=faults, latency_ms=[0, 4])
        for (name, faults), bid in zip(FAULTY.items(), (30, 25, 20, 15, 10), strict=True)
    ]
    with sandbox(*buyers, seed=11, ledger_limit=100_000) as sb:
        cfg = config(
            sb.url,
            [{"name": name} for name in FAULTY],
            ping_deadline=0.5,
            post_timeout=0.2,
            max_posts=3,
        )

        async def main() -> list[BatchItem]:
            async with HttpTransport.for_config(cfg) as transport:
                batch = run_batch(lines(), cfg, LEAD_TYPE, transport=transport, concurrency=50)
                return [item async for item in batch]

        items = asyncio.run(main())
        ledger = sb.ledger()
    assert len(items) == LEADS and all(item.result is not None for item in items)
    results = {item.result.lead.values["Ref"]: item.result for item in items if item.result}
    posts = posts_by_ref(ledger)
    for ref, lead_posts in posts.items():
        buyers_posted = [p["buyer"] for p in lead_posts]
        # P5: never two posts to the same buyer for one lead
        assert len(set(buyers_posted)) == len(buyers_posted), (ref, buyers_posted)
        # P4/P6 (hold): every post but the last was definitively rejected, so at most one
        # post per lead could have sold it
        for earlier in lead_posts[:-1]:
            assert earlier["outcome"] == "rejected", (ref, lead_posts)
        assert sum(p["outcome"] == "accepted" for p in lead_posts) <= 1
        # the engine's account of the posts matches what the buyers received (a post_error
        # never left: e.g. its deadline passed waiting for one of the buyer's connections)
        assert _arrived(results[ref]) == buyers_posted, ref
        _agrees(results[ref], lead_posts[-1])
    outcomes = Counter(result.result for result in results.values())
    # the faults really fired: every kind of ending is in the batch
    assert outcomes["sold"] > 0 and outcomes["in_doubt"] > 0 and outcomes["unsold"] > 0
    faults = Counter(p.get("fault") for p in ledger if p["phase"] == "post")
    assert {"reset", "http_500", "post_hang", "post_reject"} <= set(faults)
    stats = BatchStats()
    for item in items:
        stats.add(item)
    assert stats.sold == outcomes["sold"]


def _arrived(result: AuctionResult) -> list[str]:
    accounts = {a.account: a for a in result.accounts}
    arrived = []
    for name in result.posted_to:
        post = accounts[name].post
        assert post is not None and post.response is not None
        if accounts[name].status == "post_error":
            assert post.response.failure is not None
            assert not post.response.failure.may_have_arrived
        else:
            arrived.append(name)
    return arrived


def _agrees(result: AuctionResult, last_post: dict[str, object]) -> None:
    """A buyer that accepted the post is the winner, or reported in doubt: never lost."""
    if last_post["outcome"] == "accepted":
        if result.result == "sold":
            assert result.sold_to == last_post["buyer"]
        else:
            assert result.result == "in_doubt"
    elif result.result == "sold":
        raise AssertionError(f"sold to {result.sold_to} but the buyer did not accept")
