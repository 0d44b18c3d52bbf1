"""Every account status of the JSON result, reached over real HTTP against the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from pingpost.auction import run_auction_sync
from pingpost.auction.result import AccountStatus
from pingpost.store.memory import MemoryStore
from tests.integration.auction_support import (
    buyer,
    closed_port,
    config,
    lead,
    method,
    run,
    sandbox,
    statuses,
)

ALL_STATUSES = set(AccountStatus.__args__)  # type: ignore[attr-defined]


def test_every_account_status_is_reached() -> None:
    seen: set[str] = set()
    with sandbox(
        buyer("top", 50, faults={"post_reject": 1.0}),
        buyer("second", 40),
        buyer("third", 30),
        buyer("cheap", 1),
        buyer("greedy", 500),
        buyer("picky", 20, accepts=[{"field": "state", "in": ["NY"]}]),
        buyer("broken", 45, faults={"http_500": 1.0}, fault_phase="ping"),
        buyer("doubt", 60, faults={"post_hang": 1.0}),
        buyer("tier0", 20),
        buyer("later", 99),
        buyer("winner", 30),
        buyer("loser", 20),
    ) as sb:
        # 1: rejected posts, a post that never left, floors and ceilings, max_posts
        refused = f"http://127.0.0.1:{closed_port()}/second/post"
        cfg = config(
            sb.url,
            [
                {"name": "top"},
                {"name": "second"},
                {"name": "third"},
                {"name": "cheap", "pricing": {"min_bid": 5}},
                {"name": "greedy", "pricing": {"max_bid": 100}},
                {"name": "picky"},
                {"name": "broken"},
                {"name": "fenced", "method": "top", "filters": [{"field": "Age", "gte": 65}]},
            ],
            methods=[method("second", sb.url, post_url=refused)],
            max_posts=2,
        )
        first = run(lead(), cfg)
        assert statuses(first) == {
            "top": "post_rejected",
            "second": "post_error",
            "third": "accepted",
            "cheap": "below_floor",
            "greedy": "above_max",
            "picky": "rejected",
            "broken": "error",
            "fenced": "filtered",
        }
        assert first.result == "unsold"
        seen |= set(statuses(first).values())

        # 2: priority tiers and a post in doubt (held)
        cfg = config(
            sb.url,
            [
                {"name": "doubt", "priority": 0},
                {"name": "tier0", "priority": 0},
                {"name": "later", "priority": 1},
            ],
            strategy="priority",
            post_timeout=0.3,
        )
        second = run(lead("L2"), cfg)
        assert statuses(second) == {"doubt": "in_doubt", "tier0": "accepted", "later": "not_pinged"}
        assert second.result == "in_doubt"
        seen |= set(statuses(second).values())

        # 3: a sale
        cfg = config(sb.url, [{"name": "winner"}, {"name": "loser"}])
        third = run_auction_sync(lead("L3"), cfg)
        assert statuses(third) == {"winner": "sold", "loser": "outbid"}
        assert (third.result, third.sold_to, third.price) == ("sold", "winner", Decimal("30.00"))
        seen |= set(statuses(third).values())

        # 4: the buyer controls, their state in a store
        seen |= _controls(sb.url)
    assert seen == ALL_STATUSES


def _controls(base: str) -> set[str]:
    store = MemoryStore()
    cfg = config(
        base,
        [
            {"name": "closed", "method": "winner",
             "schedule": [{"days": ["mon"], "from": "09:00", "to": "10:00"}]},
            {"name": "sick", "method": "broken", "health": {"pause_after": 1, "pause_for": "1h"}},
            {"name": "full", "method": "winner", "caps": [{"per": "total", "leads": 1}]},
            {"name": "bought", "method": "loser", "dedupe": {"within": "30d"}},
        ],
    )  # fmt: skip
    thursday = datetime(2026, 5, 28, 20, 26, tzinfo=UTC).timestamp()
    results = [run(lead("L4"), cfg, store=store, clock=lambda: thursday) for _ in range(3)]
    assert [statuses(r) for r in results] == [
        {"closed": "off_schedule", "sick": "error", "full": "sold", "bought": "outbid"},
        {"closed": "off_schedule", "sick": "paused", "full": "capped", "bought": "sold"},
        {"closed": "off_schedule", "sick": "paused", "full": "capped", "bought": "duplicate"},
    ]
    return {status for r in results for status in statuses(r).values()}
