"""The crash matrix (W1-W4): a real `pingpost deliver` batch killed at each stage of an
auction, then run again; checked against what the sandbox's buyers received.

At every stage, right after the crash and after each rerun: no lead was posted twice to a
buyer nor bought twice, and every lead a buyer bought is sold to it in the log or listed
by `pingpost recover`. Once the open auctions are settled as the buyers say, one more
rerun posts nothing and reports every lead.
"""

from __future__ import annotations

from typing import Any

import pytest

from .market import (
    Market,
    Run,
    base_ref,
    check_the_buyers_ledger,
    settle_and_finish,
    write_leads,
)

LEADS = 10
KILLED = (-9, 137)  # SIGKILL, os._exit(137)
STAGES = {
    # stage: the occurrence to crash at, and how (SIGKILL, or os._exit with ":exit")
    "before_pings": "before_pings:4",
    "during_pings": "during_pings:10:exit",
    "after_intent": "after_intent:4",
    "post_in_flight": "post_in_flight:4",
    "after_answer": "after_answer:4:exit",
    "after_result": "after_result:4",
}


def crash_and_rerun(
    market: Market, crash: str, concurrency: int = 2
) -> tuple[Run, dict[str, dict[str, Any]], Run]:
    """Run the batch until the crash point kills it, check the ledger, run it again, check
    again. The crashed run, what `recover` listed after the crash, and the rerun."""
    leads = write_leads(market.configs.parent / "leads.jsonl", LEADS)
    deliver = ("deliver", str(leads), "--json", "--concurrency", str(concurrency))
    crashed = market.pingpost(*deliver, crash=crash)
    assert crashed.code in KILLED, f"not killed: exit {crashed.code}\n{crashed.err}"
    assert "crash point" in crashed.err
    check_the_buyers_ledger(market)
    open_after_crash = market.open_auctions()
    rerun = market.pingpost(*deliver)
    assert rerun.code in (0, 1), rerun.err
    lines = sorted(doc["line"] for doc in rerun.documents)
    assert lines == list(range(1, LEADS + 1)), rerun.out  # every lead is reported
    check_the_buyers_ledger(market)
    printed = {doc["lead_id"]: doc for doc in crashed.documents}
    for doc in rerun.documents:
        assert doc["result"] in ("sold", "skipped", "in_doubt"), doc
        if doc["lead_id"] in printed:  # shown finished before the crash: never run again
            assert doc["result"] == "skipped", doc
        if doc["result"] == "in_doubt":  # held for `recover`, never auctioned again
            assert doc["lead_id"] in open_after_crash, doc
    settle_and_finish(market, deliver, LEADS)
    return crashed, open_after_crash, rerun


def open_posts(listed: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """(lead ref, buyer) of every post `recover` listed."""
    return [
        (base_ref(auction_id), post["account"].removesuffix("-main"))
        for auction_id, doc in listed.items()
        for post in doc["posts"]
    ]


@pytest.mark.slow
@pytest.mark.parametrize("stage", list(STAGES))
def test_a_crash_at_each_stage_loses_nothing_and_sells_nothing_twice(
    market: Market, stage: str
) -> None:
    one_at_a_time = stage in ("before_pings", "during_pings")  # lead 4 is the one pinging
    crashed, listed, rerun = crash_and_rerun(market, STAGES[stage], 1 if one_at_a_time else 2)
    posts = {(e["lead"], e["buyer"]): e.get("outcome") for e in market.sandbox.ledger(phase="post")}
    logged_before_rerun = {doc["lead_id"] for doc in rerun.documents if doc["result"] == "skipped"}
    printed = {doc["lead_id"] for doc in crashed.documents}
    if stage == "after_intent":  # the intent is listed, its post never left
        assert any(post not in posts for post in open_posts(listed)), listed
    if stage == "post_in_flight":  # the buyer has it, the log has its intent: in doubt
        assert any(post in posts for post in open_posts(listed)), listed
        assert "in_doubt" in {doc["result"] for doc in rerun.documents}
        assert "may have reached a buyer without a known answer: `pingpost recover`" in rerun.err
    if stage == "after_answer":  # answered, the answer lost: listed, never run again
        assert any(posts.get(post) is not None for post in open_posts(listed)), listed
    if stage == "after_result":  # durable though never printed: the rerun skips it
        assert logged_before_rerun - printed, (logged_before_rerun, printed)
    if one_at_a_time:  # nothing of lead 4 was stored: pings are harmless, it runs as new
        assert listed == {} and logged_before_rerun == {"R1", "R2", "R3"}
        four = next(doc for doc in rerun.documents if doc["line"] == 4)
        assert four["lead_id"] == "R4" and four["result"] == "sold", four


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["post_in_flight", "after_answer"])
def test_a_crash_on_postgresql_loses_nothing_and_sells_nothing_twice(
    pg_market: Market, stage: str
) -> None:
    _, listed, rerun = crash_and_rerun(pg_market, STAGES[stage])
    assert listed and "in_doubt" in {doc["result"] for doc in rerun.documents}
