"""P1 over real sockets: hanging and dripping buyers do not hold the ping round."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

from pingpost.auction import run_auction
from pingpost.transport import HttpTransport
from tests.integration.auction_support import buyer, config, lead, run, sandbox, statuses

DEADLINE = 0.3
# P1: the round ends by ping_deadline + 50 ms. A loaded machine only adds delay, so each
# test takes the best of a few runs (the `best_of` fixture): a late deadline fails them all.
SLACK_MS = 50


def test_hanging_and_dripping_buyers_do_not_hold_the_round(best_of: Callable[..., float]) -> None:
    with sandbox(
        buyer("good", 12),
        buyer("hang", 90, faults={"hang": 1.0}, fault_phase="ping"),
        buyer("drip", 80, faults={"drip": 1.0}, fault_phase="ping"),
    ) as sb:
        cfg = config(
            sb.url, [{"name": "good"}, {"name": "hang"}, {"name": "drip"}], ping_deadline=DEADLINE
        )

        def late_ms() -> float:
            result = run(lead(), cfg)
            if statuses(result)["good"] != "sold":  # the machine was too busy for the good
                return math.inf  # buyer to answer in 0.3 s: not a measure of the deadline
            assert statuses(result) == {"good": "sold", "hang": "error", "drip": "error"}
            transport_ms = 0.0
            for account in result.accounts:
                if account.account != "good":
                    ping = account.ping
                    assert ping is not None and ping.response is not None
                    failure = ping.response.failure
                    assert failure is not None and failure.kind == "timeout"
                    # the transport itself keeps the deadline (not only the round's guard)
                    transport_ms = max(transport_ms, ping.response.elapsed_ms)
            assert result.ping_round_ms >= DEADLINE * 1000
            return max(result.ping_round_ms, transport_ms) - DEADLINE * 1000

        assert best_of(late_ms, runs=3, enough=SLACK_MS) <= SLACK_MS


def test_concurrent_auctions_all_keep_the_deadline(best_of: Callable[..., float]) -> None:
    with sandbox(
        buyer("good", 12), buyer("hang", 90, faults={"hang": 1.0}, fault_phase="ping"), ledger=False
    ) as sb:
        cfg = config(
            sb.url,
            [{"name": "good"}, {"name": "hang", "max_connections": 4}],
            ping_deadline=DEADLINE,
        )

        async def main() -> float:
            async with HttpTransport.for_config(cfg) as transport:
                results = await asyncio.gather(
                    *(run_auction(lead(f"L{i}"), cfg, transport=transport) for i in range(20))
                )
            if not all(r.result == "sold" for r in results):
                return math.inf  # too busy for the good buyer to answer: measure again
            return max(r.ping_round_ms for r in results) - DEADLINE * 1000

        # 20 auctions share 4 slots to the hanging buyer: those waiting for a slot end on time
        worst = best_of(lambda: asyncio.run(main()), 3, SLACK_MS)
    assert worst <= SLACK_MS, "no run where every auction sold within the slack"
