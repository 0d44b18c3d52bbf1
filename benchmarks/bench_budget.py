"""The CPU budget of the throughput targets, against what each lead's required steps cost.

    .venv/bin/python benchmarks/bench_budget.py [--leads 3000] [--results 300] [--rounds 3]

When the client is CPU-bound on its core (run.py's set-up: the buyers pinned to the
other core), a throughput ratio is a ratio of CPU per lead: `deliver` at 0.8x the bare
aiohttp client may spend at most 1/0.8 of the bare client's CPU a lead, `run_batch` at
0.9x at most 1/0.9. This measures, in one run on the benchmark buyers:

1. the bare client's CPU per lead (`baseline_aiohttp.py`, as run.py runs it), and so
   the CPU each target leaves pingpost beside the exchanges themselves (the budget);
2. `deliver --json` once with one lead: the start-up, shared by the batch's leads; and
   `deliver --json --no-store` on the batch, for the store's own target (at most 10%);
3. each step the spec asks of every lead, alone, on results recorded from real
   auctions (CPU time in this process, best of five passes): rendering its 11 requests,
   interpreting its 11 answers, its JSON result document (with its strings to mask
   found: both outputs share it, unlike `bench_documents.py`, which counts that walk in
   whichever output comes first), its `--json` line (masked), the store's record of it
   (secrets masked) and the store's own work (W3's lookup, the post intent and the
   result, each waited for, through a real SQLite store: its writer thread's CPU
   included);
4. the auction engine itself (ranking, deadlines, limits, tasks, the result): `run_batch`
   with no store, each request answered at once with a recorded answer (no HTTP), less
   the rendering and interpreting of (3).

The sum, with (2) for the whole process, is a floor for pingpost's CPU beside the
exchanges: it counts pingpost's transport as costing no more than bare aiohttp (it
costs 0.88-1.0x, bench_transport.py), and each step as it costs alone, not sharing
the core with the others. The ceiling printed is the best ratio that floor allows.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import pickle
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import bench_documents
from harness import (
    URL_VARIABLE,
    Timed,
    baseline_command,
    deliver_json,
    run_timed,
    sandbox_process,
    split_cpus,
    write_leads,
)

TARGETS = {"whole process (deliver --json)": 0.8, "run_batch": 0.9}

# the steps of one lead, as the report names them
RENDER = "render its 11 requests"
INTERPRET = "interpret its 11 answers"
ENGINE = "the auction engine beside those (answers replayed)"
PLAIN = "its JSON result document (shared by both outputs)"
LINE = "its --json line (secrets and pii masked)"
STORED = "the store's record of it (secrets masked)"
STORE = "the store: W3's lookup, intent, result (writer included)"


def median_cpu_ms(rounds: int, run: Callable[[], Timed], what: str, per: int = 1) -> float:
    """CPU ms of the child `run()` starts, over `per` leads, the median of `rounds`."""
    spent = []
    for _ in range(rounds):
        timed = run()
        if timed.returncode != 0:
            raise RuntimeError(f"{what} exited {timed.returncode}")
        spent.append(timed.cpu_s * 1000 / per)
    return statistics.median(spent)


def best_us(results: list[Any], step: Callable[[Any], Any], passes: int = 5) -> float:
    """CPU µs per result of `step(result)`, the best of `passes` (the garbage collector
    as a batch runs it)."""
    best = float("inf")
    for _ in range(passes):
        started = time.process_time()
        for result in results:
            step(result)
        best = min(best, time.process_time() - started)
    return best / len(results) * 1e6


def render_step(config: Any) -> Callable[[Any], None]:
    """Render each request the auction sent (its pings, its post with the ping's captures)."""
    from pingpost.render.request import render_request

    def step(result: Any) -> None:
        for account in result.accounts:
            method = config.methods[account.method]
            delivery = config.accounts[account.account]
            if account.ping is not None:
                render_request(
                    method, "ping", result.lead, account=delivery, lead_id=result.lead_id
                )
            if account.post is not None:
                captures = account.ping.outcome.captures if account.ping.outcome else {}
                render_request(
                    method, "post", result.lead, account=delivery, captures=captures,
                    lead_id=result.lead_id,
                )  # fmt: skip

    return step


def interpret_step(config: Any) -> Callable[[Any], None]:
    """Read each answer the auction got with its method's rules."""
    from pingpost.responses import interpret

    def step(result: Any) -> None:
        for account in result.accounts:
            method = config.methods[account.method]
            for phase in ("ping", "post"):
                exchange = getattr(account, phase)
                if exchange is not None and exchange.response is not None:
                    interpret(getattr(method, phase).response, exchange.response, phase=phase)

    return step


def document_steps(config: Any) -> dict[str, Callable[[Any], Any]]:
    """The JSON result (the plain document both outputs share), the `--json` line, the
    store's record: each from scratch, as a batch makes them once per lead."""
    from pingpost.masking import Masker
    from pingpost.trace import json as trace_json
    from pingpost.trace.stored import stored_document

    def plain(result: Any) -> None:
        trace_json._PLAIN.pop(id(result), None)
        trace_json._plain(result).sites  # noqa: B018  (built once, shared by both)

    def line(result: Any) -> None:
        trace_json.auction_json_line(result, Masker.for_result(config, result), 1)

    def stored(result: Any) -> None:
        stored_document(result, config)

    return {"plain": plain, "line": line, "stored": stored}


def engine_us(results: list[Any], config: Any, leads: Path, count: int = 3000) -> float:
    """CPU µs per lead of `run_batch` with no store and no HTTP: each request answered at
    once with a recorded answer to its URL (a dict lookup, one loop turn). The auction
    engine with its rendering and interpreting; the caller takes those two out."""
    from urllib.parse import urlsplit

    from pingpost.auction import run_batch
    from pingpost.runloop import run

    answers = {}
    for result in results:
        for account in result.accounts:
            for exchange in (account.ping, account.post):
                if exchange is not None and exchange.response is not None:
                    answers.setdefault(urlsplit(exchange.request.url).path, exchange.response)

    class Replay:
        async def send(self, request: Any, options: Any) -> Any:
            await asyncio.sleep(0)
            return answers[urlsplit(request.url).path]

    lines = leads.read_text().splitlines()[:count]

    async def batch() -> None:
        async for _ in run_batch(lines, config, config.lead_type(), transport=Replay()):
            pass

    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        run(batch())
        best = min(best, time.process_time() - started)
    return best / len(lines) * 1e6


def store_us(results: list[Any], config: Any, rounds: int = 3) -> float:
    """CPU µs per lead of the store's work for one auction through a real SQLite store
    (fresh each round): W3's lookup, the post intent, the result with its outcome, 50
    auctions at a time, then their fold into the stats rollups; records built beforehand.
    Process CPU: the writer thread's too."""
    from pingpost.auction.recording import auction_record, lead_record
    from pingpost.lead_keys import lead_key, received_json
    from pingpost.runloop import run
    from pingpost.store.backends import store_for_url
    from pingpost.store.records import PostIntent, PostOutcome

    best = float("inf")
    for n in range(rounds):
        work = []
        for result in results:
            auction_id = f"{result.lead_id}-{n}"
            lead = lead_record(result.lead, auction_id, started_at=result.started_at)
            key = lead_key(result.lead.lead_type, received_json(result.lead))
            sold = result.sold_to
            intent = PostIntent(auction_id, sold, 1, result.price or Decimal(0), time.time())
            outcome = PostOutcome(auction_id, sold, 1, "sold", time.time(), result.price)
            record = auction_record(result, config, lead=lead, outcomes=(outcome,))
            work.append((key, lead, intent, record))
        with tempfile.TemporaryDirectory(prefix="pingpost-budget-") as tmp:
            spent = run(_store_round(store_for_url(f"sqlite:///{tmp}/store.db"), work))
        best = min(best, spent)
    return best / len(results) * 1e6


async def _store_round(store: Any, work: list[Any]) -> float:
    await store.open()
    try:
        limit = asyncio.Semaphore(50)

        async def one(key: str, lead: Any, intent: Any, record: Any) -> None:
            async with limit:
                await store.prior(key)
                await store.post_intent(lead, intent)
                await store.finish(record)

        started = time.process_time()
        await asyncio.gather(*(one(*w) for w in work))
        await store.fold()  # into the stats rollups: a batch does it every 1,000 results
        return time.process_time() - started
    finally:
        await store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=3000, help="the bare client's batch")
    parser.add_argument("--results", type=int, default=300, help="auctions recorded")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    farm, client = split_cpus()
    if client:
        os.sched_setaffinity(0, client)  # the steps are measured on the clients' core
    with tempfile.TemporaryDirectory(prefix="pingpost-budget-") as tmp:
        saved = Path(tmp) / "results.pickle"
        bench_documents.record(args.results, saved)  # its own sandbox: real auctions
        leads = write_leads(Path(tmp) / "leads.jsonl", args.leads)
        one = Path(tmp) / "one-lead.jsonl"
        one.write_text(leads.open().readline())
        with sandbox_process(cpus=farm) as sb:
            env = {URL_VARIABLE: sb.url}
            bare = median_cpu_ms(
                args.rounds, lambda: run_timed(baseline_command(leads, sb.url), env, cpus=client),
                "the baseline", per=args.leads,
            )  # fmt: skip
            # start-up (and one auction), store on
            startup = median_cpu_ms(
                args.rounds, lambda: deliver_json(one, env, client), "the one-lead deliver"
            )
            no_store = median_cpu_ms(
                args.rounds,
                lambda: deliver_json(leads, env, client, "--no-store", "--concurrency", "50"),
                "deliver --no-store", per=args.leads,
            )  # fmt: skip
        steps = measure(saved, leads)
    report(bare, startup, args.leads, steps)
    report_store(no_store, steps)
    return 0


def measure(saved: Path, leads: Path) -> dict[str, float]:
    import bench_engine

    url, results = pickle.loads(saved.read_bytes())
    os.environ.pop(URL_VARIABLE, None)
    config = bench_engine.bench_config(url)
    results = [r for r in results if r.result == "sold"]
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000)  # as a batch runs (gcpolicy.py)
    documents = document_steps(config)
    render = best_us(results, render_step(config))
    interpret = best_us(results, interpret_step(config))
    return {
        RENDER: render,
        INTERPRET: interpret,
        ENGINE: engine_us(results, config, leads) - render - interpret,
        PLAIN: best_us(results, documents["plain"]),
        LINE: best_us(results, documents["line"]),
        STORED: best_us(results, documents["stored"]),
        STORE: store_us(results, config),
    }


def report(bare_ms: float, startup_ms: float, leads: int, steps: dict[str, float]) -> None:
    bare = bare_ms * 1000
    startup = startup_ms * 1000 / leads
    print(f"bare aiohttp client: {bare:,.0f} µs of CPU a lead ({leads:,} leads)")
    print()
    print("what each lead needs beside its exchanges, each step alone (µs of CPU):")
    width = max(len(name) for name in steps) + 2
    for name, cost in steps.items():
        print(f"  {name:<{width}} {cost:8,.0f}")
    batch = sum(steps.values())
    whole = batch + startup
    print(
        f"  {'start-up of deliver, over ' + format(leads, ',') + ' leads':<{width}} {startup:8,.0f}"
    )
    print()
    floors = {"whole process (deliver --json)": whole, "run_batch": batch - steps[LINE]}
    print(f"  {'target':<34} {'budget':>8} {'floor':>8} {'ceiling':>8}")
    for name, target in TARGETS.items():
        budget = bare / target - bare
        floor = floors[name]
        ceiling = bare / (bare + floor)
        verdict = "reachable" if ceiling >= target else "out of reach"
        print(
            f"  {name + f' >= {target}':<34} {budget:8,.0f} {floor:8,.0f} {ceiling:8.2f}  {verdict}"
        )
    print(
        "\nbudget: the CPU a lead may add to the bare client's at the target; floor: the"
        "\nsteps above (run_batch: no start-up, no --json line); ceiling: bare / (bare + floor)."
    )


def report_store(no_store_ms: float, steps: dict[str, float]) -> None:
    """The store's target (issue 9): at most 10% of `deliver --json` throughput."""
    no_store = no_store_ms * 1000
    store = steps[STORED] + steps[STORE]
    ceiling = no_store / (no_store + store)
    verdict = "reachable" if ceiling >= 0.9 else "out of reach"
    print(
        f"\nthe store: deliver --json --no-store spends {no_store:,.0f} µs a lead; the store's"
        f"\ntwo steps above add {store:,.0f}: ratio at best {ceiling:.2f} (target >= 0.90,"
        f" {verdict})"
    )


if __name__ == "__main__":
    sys.exit(main())
