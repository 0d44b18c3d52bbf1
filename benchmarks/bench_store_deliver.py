"""What the store costs a real batch:  .venv/bin/python benchmarks/bench_store_deliver.py

`pingpost deliver LEADS --config DIR --concurrency 50 --json > out` with the default
SQLite store (fresh each run, `.pingpost/store.db` beside the configs) against the same
command with `--no-store`, in alternating rounds on the same machine, the same leads and
the same buyers (benchmarks/sandbox.yaml: 10 json_status buyers at a fixed 20 ms, in a
process of their own on the last core; pingpost on the others).

Reported: leads/s of each (wall time, start-up included), the ratio store / no store per
round (median: the target is >= 0.90, the store costing at most 10% of throughput), the
CPU per lead the store adds (the process's user + system CPU, the writer thread
included, with the store minus without, divided by the leads), and the CPU ratio
(without / with: the throughput kept when pingpost saturates its core; on a loaded
machine the wall-time ratio is noise, the CPU figures are not).

Options: --leads N (default 3000), --rounds N (default 5), --no-pin.
Writes benchmarks/results/store-deliver-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    RESULTS,
    URL_VARIABLE,
    default_store,
    fresh_configs,
    pingpost_command,
    run_timed,
    sandbox_process,
    split_cpus,
    write_leads,
)


def one_run(leads: Path, count: int, env: dict[str, str], cpus: Any, store: bool) -> Any:
    with fresh_configs() as configs:
        command = ["deliver", str(leads), "--config", str(configs), "--concurrency", "50"]
        command += ["--json"] if store else ["--json", "--no-store"]
        out = RESULTS / "store-deliver.out"
        timed = run_timed(pingpost_command(*command), env, out, cpus)
        if timed.returncode not in (0, 1):
            raise SystemExit(
                f"deliver ({'store' if store else 'no store'}) exited {timed.returncode}"
            )
        lines = sum(1 for _ in out.open())
        if lines != count:
            raise SystemExit(f"deliver printed {lines} results for {count} leads")
        if default_store(configs).exists() != store:
            raise SystemExit("the default store was not used as expected")
        return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leads", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-pin", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    buyer_cpus, client_cpus = (None, None) if args.no_pin else split_cpus()
    leads = write_leads(RESULTS / "store-deliver-leads.jsonl", args.leads)
    rounds: list[dict[str, float]] = []
    with sandbox_process(cpus=buyer_cpus) as sb:
        env = {URL_VARIABLE: sb.url}
        one_run(leads, args.leads, env, client_cpus, store=True)  # warm-up (page cache)
        for n in range(args.rounds):
            order = (True, False) if n % 2 == 0 else (False, True)
            timed = {s: one_run(leads, args.leads, env, client_cpus, s) for s in order}
            rounds.append(
                {
                    "store_wall_s": timed[True].wall_s,
                    "no_store_wall_s": timed[False].wall_s,
                    "store_cpu_s": timed[True].cpu_s,
                    "no_store_cpu_s": timed[False].cpu_s,
                }
            )
            print(f"round {n + 1}: " + ", ".join(f"{k} {v:.2f}" for k, v in rounds[-1].items()))
    count = args.leads
    ratio = statistics.median(r["no_store_wall_s"] / r["store_wall_s"] for r in rounds)
    cpu_us = statistics.median(
        (r["store_cpu_s"] - r["no_store_cpu_s"]) / count * 1e6 for r in rounds
    )
    result = {
        "leads": count,
        "rounds": args.rounds,
        "store_leads_per_s": statistics.median(count / r["store_wall_s"] for r in rounds),
        "no_store_leads_per_s": statistics.median(count / r["no_store_wall_s"] for r in rounds),
        "ratio_store_vs_no_store": ratio,
        "store_cpu_us_per_lead": cpu_us,
        # what throughput keeps when pingpost is CPU-bound (its one core saturated)
        "cpu_ratio_store_vs_no_store": statistics.median(
            r["no_store_cpu_s"] / r["store_cpu_s"] for r in rounds
        ),
        "no_store_cpu_us_per_lead": statistics.median(
            r["no_store_cpu_s"] / count * 1e6 for r in rounds
        ),
        "target_ratio": 0.90,
        "pinned": client_cpus is not None,
        "rounds_detail": rounds,
    }
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"store-deliver-{stamp}.json").write_text(json.dumps(result, indent=2))
    print()
    print(f"deliver {count} leads, --concurrency 50, --json, median of {args.rounds} rounds")
    print(f"  default SQLite store   {result['store_leads_per_s']:8.0f} leads/s")
    print(f"  --no-store             {result['no_store_leads_per_s']:8.0f} leads/s")
    print(f"  ratio (wall time)      {ratio:8.3f}   (target >= 0.90)")
    cpu_ratio = result["cpu_ratio_store_vs_no_store"]
    print(f"  ratio (CPU per lead)   {cpu_ratio:8.3f}   (throughput kept when CPU-bound)")
    without = result["no_store_cpu_us_per_lead"]
    print(f"  store CPU per lead     {cpu_us:8.0f} µs  (+{cpu_us / without:.0%} of {without:.0f})")


if __name__ == "__main__":
    main()
