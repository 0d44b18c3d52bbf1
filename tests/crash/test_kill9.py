"""`kill -9` at random moments (seeded): a real batch killed several times, then rerun to
its end. Nothing posted twice, nothing bought lost, and the batch ends."""

from __future__ import annotations

import random
import signal
import time

import pytest

from .market import Market, check_the_buyers_ledger, settle_and_finish, write_leads

LEADS = 40
KILLS = 4


@pytest.mark.slow
def test_a_batch_killed_at_random_moments_reruns_to_its_end(market: Market) -> None:
    chance = random.Random(20261203)
    leads = write_leads(market.configs.parent / "leads.jsonl", LEADS)
    deliver = ("deliver", str(leads), "--json", "--concurrency", "4")
    killed = 0
    for _ in range(KILLS):
        proc = market.start(*deliver)
        # the first posts leave ~0.3 s after start under no load; the batch takes ~1.5 s
        time.sleep(chance.uniform(0.3, 1.2))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.communicate(timeout=60)
        check_the_buyers_ledger(market)
    assert killed >= 2, "the batch finished before most kills: nothing was tested"
    for _ in range(3):  # rerun until every lead is finished or held for `recover`
        rerun = market.pingpost(*deliver)
        assert rerun.code in (0, 1), rerun.err
        results = {doc["lead_id"]: doc["result"] for doc in rerun.documents}
        assert len(rerun.documents) == LEADS
        if set(results.values()) <= {"skipped", "in_doubt"}:
            break
    else:
        raise AssertionError(f"the batch never ended: {results}")
    check_the_buyers_ledger(market)
    settle_and_finish(market, deliver, LEADS)
