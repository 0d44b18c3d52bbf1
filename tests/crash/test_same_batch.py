"""One batch delivered by two `pingpost deliver` processes at once, into one store (SQLite,
PostgreSQL): no lead is posted twice, every lead is sold once, by one of them.

Both processes find nothing in the log for a lead before its auction (W3), so each
pings it; the store gives the lead to the first of them to write (its first post
intent), and the other ends it `skipped` without posting. The lines are fed to both
processes' stdin at one instant, once both have started, so that their auctions
really overlap; the buyers answer slowly (150-250 ms) so that both ping each lead
before either posts. With the lead type's `id_field` both runs choose the same
auction id (`R7`); without it each a new uuid, and only the lead key is shared.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from pingpost.sandbox import Sandbox

from .market import Market, Run, check_the_buyers_ledger, sandbox_spec, write_configs, write_leads

LEADS = 16
STARTUP = 2.5  # seconds for both processes to import pingpost, load configs, open the store
ELSEWHERE = "is delivering this very lead at the same time"


@pytest.fixture(params=["sqlite", "postgresql"])
def slow_market(
    request: pytest.FixtureRequest,
    make_sandbox: Callable[[dict[str, object]], Sandbox],
    tmp_path: Path,
) -> Market:
    sandbox = make_sandbox(sandbox_spec(latency_ms=(150, 250)))
    if request.param == "sqlite":
        store = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        store = request.getfixturevalue("postgres_url")
    return Market(sandbox, write_configs(tmp_path), store)


def deliver_twice_at_once(market: Market, lines: str) -> list[Run]:
    """Start two `deliver -` processes; once both are up, give both the same lines at
    once. Both are killed if anything goes wrong (no process outlives the test)."""
    command = market.command("deliver", "-", "--json", "--concurrency", "4")
    procs = [
        subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=market.env(),
        )
        for _ in range(2)
    ]
    try:
        time.sleep(STARTUP)
        for proc in procs:
            assert proc.poll() is None, proc.communicate()[1]
            assert proc.stdin is not None
            proc.stdin.write(lines)
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.stdin = None  # closed here: communicate() must not flush it again
        with ThreadPoolExecutor(2) as pool:
            outputs = list(pool.map(lambda p: p.communicate(timeout=120), procs))
        return [Run(p.returncode, out, err) for p, (out, err) in zip(procs, outputs, strict=True)]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def check_each_lead_sold_once(runs: list[Run]) -> dict[int, dict[str, Any]]:
    """Every line is in both outputs: sold by one process; the other skipped it, or held it
    `in_doubt` (W3 looked while the seller's post was in flight) without posting. Returns
    the sales by line."""
    sales: dict[int, dict[str, Any]] = {}
    for run in runs:
        assert run.code in (0, 1), run.err
        assert "Traceback" not in run.err and "internal error" not in run.err, run.err
        docs = run.documents
        assert sorted(d["line"] for d in docs) == list(range(1, LEADS + 1)), run.out
        for doc in docs:
            assert doc["result"] in ("sold", "skipped", "in_doubt"), doc
            if doc["result"] != "sold":
                assert doc["posted_to"] == [] and doc["earlier"] is not None, doc
            if doc["result"] == "sold":
                assert doc["line"] not in sales, f"line {doc['line']} sold by both processes"
                sales[doc["line"]] = doc
    assert sorted(sales) == list(range(1, LEADS + 1))  # and each by one of them
    return sales


def check_the_ledger(market: Market) -> None:
    """Each lead bought once, and never posted twice to one buyer (a buyer rejects 30% of
    posts: the next bidder is posted to then, within the same auction)."""
    for ref, buyers in market.sandbox.post_counts().items():
        assert all(n == 1 for n in buyers.values()), f"{ref} posted twice: {buyers}"
    bought = Counter(
        e["lead"] for e in market.sandbox.ledger(phase="post") if e["outcome"] == "accepted"
    )
    assert bought == {f"R{i}": 1 for i in range(1, LEADS + 1)}


@pytest.mark.slow
@pytest.mark.parametrize("own_ids", [True, False], ids=["id_field", "uuid"])
def test_one_batch_delivered_by_two_processes_at_once_sells_each_lead_once(
    slow_market: Market, own_ids: bool
) -> None:
    market = slow_market
    if not own_ids:
        lead_type = market.configs / "lead_types" / "crashy.yaml"
        lead_type.write_text(lead_type.read_text().replace("id_field: Ref\n", ""))
    leads = write_leads(market.configs.parent / "leads.jsonl", LEADS)
    runs = deliver_twice_at_once(market, leads.read_text())

    sales = check_each_lead_sold_once(runs)
    check_the_ledger(market)
    skipped = [d for run in runs for d in run.documents if d["result"] == "skipped"]
    held = [d for run in runs for d in run.documents if d["result"] == "in_doubt"]
    elsewhere = [d for d in skipped if ELSEWHERE in d["reason"]]
    assert elsewhere, "the two processes never raced for a lead: the test tested nothing"
    for doc in skipped + held:  # each names the auction that sold the lead
        assert doc["earlier"]["auction_id"] == sales[doc["line"]]["lead_id"], doc
        assert doc["accounts"] == []
    if own_ids:
        assert {d["lead_id"] for d in sales.values()} == {f"R{i}" for i in range(1, LEADS + 1)}
        check_the_buyers_ledger(market)
    assert market.open_auctions() == {}  # nothing left half done
    assert len(market.logged()) == LEADS  # one auction per lead: the loser wrote nothing

    rerun = market.pingpost("deliver", str(leads), "--json")  # the batch is done
    assert rerun.code == 0, rerun.err
    assert {d["result"] for d in rerun.documents} == {"skipped"}
    assert all("(sold to " in d["reason"] for d in rerun.documents)
    posts = json.dumps(market.sandbox.post_counts(), sort_keys=True)
    check_the_ledger(market)
    assert json.dumps(market.sandbox.post_counts(), sort_keys=True) == posts
