"""The auction benchmarks, one command:  .venv/bin/python benchmarks/run.py

The sandbox (benchmarks/sandbox.yaml: 10 json_status buyers at a fixed 20 ms) runs in
its own process, pinned to the last core; every measured client to the others
(--no-pin: no pinning). Each store is the default SQLite store, fresh for each run.

1. whole process  3,000 leads x 10 buyers, concurrency 50: `pingpost deliver LEADS
                  --config DIR --concurrency 50 --json > out` (a child, start-up
                  included) vs benchmarks/baseline_aiohttp.py (the same exchanges, one
                  bare aiohttp session); rounds alternate, the median of the per-round
                  ratios counts; target >= 0.8
2. run_batch      the same leads through `run_batch` in a child (benchmarks/batch_child.py),
                  its own time vs the baseline's own time; target >= 0.9
3. overhead       per lead: wall time - slowest ping - post (auctions one at a time,
                  the store on; also shown without it); target p50 <= 2 ms, p99 <= 10 ms;
                  with the store, how long its post intent and outcome writes waited, and
                  a bare SQLite commit (WAL, synchronous=FULL) on the same disk; where
                  the overhead falls in an auction (to its last ping sent, from its last
                  ping answer to its post, from the post's answer to the end); and the
                  same figure for the bare aiohttp client (its floor on this machine)
4. deadline       ping_deadline 0.5 s with one buyer that never answers, 100 auctions;
                  target: the worst round ends within 20 ms of it
5. memory         peak RSS of `pingpost deliver` on 1,000 vs 10,000 leads (--long:
                  100,000); target within 20%

Options: --quick (smaller runs), --rounds N, --leads N, --long, --profile (where the
in-process batch spends its CPU, by area), --only NAME[,NAME]. Prints a table; writes
benchmarks/results/bench-<time>.json and latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_engine
from harness import (
    HERE,
    RESULTS,
    URL_VARIABLE,
    SandboxProcess,
    baseline_command,
    default_store,
    deliver_json,
    fresh_configs,
    pingpost_command,
    run_timed,
    sandbox_process,
    split_cpus,
    write_leads,
)

ALL = ("throughput", "overhead", "deadline", "memory", "batch")
DEFAULT = ("throughput", "overhead", "deadline", "memory")


def _rate(timed_stdout: bytes) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(timed_stdout.decode().strip().splitlines()[-1])
    return data


def _store_auctions(store: Path) -> int | None:
    """Auctions written to an SQLite store file (None: no store was written)."""
    if not store.exists():
        return None
    with sqlite3.connect(store) as db:
        try:
            return int(db.execute("SELECT count(*) FROM auctions").fetchone()[0])
        except sqlite3.Error:
            return -1  # a store of another shape: written, not counted


def throughput(
    sb: SandboxProcess, leads: Path, count: int, rounds: int, cpus: set[int] | None
) -> dict[str, Any]:
    """Round after round: the bare-aiohttp baseline, `pingpost deliver` exactly as a user
    runs it, `run_batch` in a child (the auctions without the CLI), each with the default
    SQLite store fresh. Ratios are per round (the same machine load), median reported.

    - whole process: `deliver LEADS --config DIR --concurrency 50 --json > out`, wall
      time start-up included, against the baseline's wall time (its start-up included);
    - in-process: `run_batch`'s own time against the baseline's own time (each child
      times itself from its first connection to its last lead).
    """
    env = {URL_VARIABLE: sb.url}
    one = RESULTS / "one-lead.jsonl"
    one.write_text(leads.open().readline())
    runs: dict[str, list[dict[str, float]]] = {
        "baseline": [], "pingpost": [], "run_batch": [], "startup": []
    }  # fmt: skip
    stores: list[int | None] = []
    farm: dict[str, list[float]] = {"baseline": [], "pingpost": []}  # the buyers' core share
    for _ in range(rounds):
        before = sb.cpu_seconds()
        timed = run_timed(baseline_command(leads, sb.url), env, cpus=cpus)
        farm["baseline"].append((sb.cpu_seconds() - before) / timed.wall_s)
        _check("baseline", timed.returncode)
        own = _rate(timed.stdout)
        runs["baseline"].append(
            {"wall_s": timed.wall_s, "cpu_s": timed.cpu_s, "own_s": own["elapsed_s"]}
        )
        with fresh_configs() as configs:
            deliver = ["deliver", str(leads), "--config", str(configs), "--concurrency", "50"]
            before = sb.cpu_seconds()
            timed = run_timed(
                pingpost_command(*deliver, "--json"), env, RESULTS / "pingpost.out", cpus
            )
            farm["pingpost"].append((sb.cpu_seconds() - before) / timed.wall_s)
            _check("pingpost deliver", timed.returncode)
            stores.append(_store_auctions(default_store(configs)))
            runs["pingpost"].append({"wall_s": timed.wall_s, "cpu_s": timed.cpu_s})
        with fresh_configs() as configs:
            child = [sys.executable, str(HERE / "batch_child.py"), str(leads)]
            timed = run_timed([*child, "--config", str(configs)], env, cpus=cpus)
            _check("run_batch", timed.returncode)
            own = _rate(timed.stdout)
            runs["run_batch"].append(
                {"wall_s": timed.wall_s, "cpu_s": timed.cpu_s, "own_s": own["elapsed_s"]}
            )
        timed = deliver_json(one, env, cpus)
        _check("one-lead deliver", timed.returncode)
        runs["startup"].append({"wall_s": timed.wall_s, "cpu_s": timed.cpu_s})
    whole = [
        b["wall_s"] / p["wall_s"] for b, p in zip(runs["baseline"], runs["pingpost"], strict=True)
    ]
    batch = [
        b["own_s"] / r["own_s"] for b, r in zip(runs["baseline"], runs["run_batch"], strict=True)
    ]
    sold = sum('"result":"sold"' in line for line in (RESULTS / "pingpost.out").open())

    def cpu_ms(name: str) -> float:
        return statistics.median(r["cpu_s"] for r in runs[name]) / count * 1000

    startup_ms = statistics.median(r["cpu_s"] for r in runs["startup"]) * 1000
    return {
        "leads": count,
        "rounds": rounds,
        "whole_ratio": statistics.median(whole),
        "whole_ratios": whole,
        "run_batch_ratio": statistics.median(batch),
        "run_batch_ratios": batch,
        "pingpost_leads_per_s": count / statistics.median(r["wall_s"] for r in runs["pingpost"]),
        "baseline_leads_per_s": count / statistics.median(r["wall_s"] for r in runs["baseline"]),
        "run_batch_leads_per_s": count / statistics.median(r["own_s"] for r in runs["run_batch"]),
        "baseline_own_leads_per_s": count / statistics.median(r["own_s"] for r in runs["baseline"]),
        "pingpost_sold": sold,
        "store_auctions": stores,
        # CPU the buyers' process used per second of each run (1.0: its core was full,
        # and the buyers, not the client, set the pace)
        "buyers_core_share": farm,
        "cpu_ms_per_lead": {
            "baseline": cpu_ms("baseline"),
            "pingpost": cpu_ms("pingpost"),
            "run_batch": cpu_ms("run_batch"),
            "startup_ms_total": startup_ms,
            "output": cpu_ms("pingpost") - cpu_ms("run_batch"),
        },
        "runs": runs,
    }


def _check(name: str, code: int) -> None:
    if code not in (0, 1):
        raise RuntimeError(f"{name} failed with exit code {code}")


def memory(sb: SandboxProcess, small: Path, big: Path, cpus: set[int] | None) -> dict[str, Any]:
    env = {URL_VARIABLE: sb.url}
    rss = {}
    for name, leads in (("small", small), ("big", big)):
        with fresh_configs() as configs:
            command = pingpost_command(
                "deliver", str(leads), "--json", "--config", str(configs), "--concurrency", "50"
            )
            timed = run_timed(command, env, stdout_to=Path(os.devnull), cpus=cpus)
            _check("pingpost deliver", timed.returncode)
        rss[name] = {"leads": _count(leads), "max_rss_mb": timed.max_rss_mb, "wall_s": timed.wall_s}
    return {**rss, "ratio": rss["big"]["max_rss_mb"] / rss["small"]["max_rss_mb"]}


def _count(path: Path) -> int:
    with path.open() as f:
        return sum(1 for _ in f)


def _steps(steps: dict[str, float]) -> str:
    """An auction's overhead steps (bench_engine.STEPS), p50 each: `1.41/1.27/2.17 ms`."""
    return "/".join(f"{steps[k]:.2f}" for k in bench_engine.STEPS) + " ms"


def table(results: dict[str, Any]) -> str:
    rows: list[tuple[str, str, str, bool | str]] = [("benchmark", "figure", "target", "ok")]
    if t := results.get("throughput"):
        leads = f"{t['leads']:,} leads"
        rate = f"{t['pingpost_leads_per_s']:.0f} leads/s"
        rows.append((f"1 deliver --json, {leads}", rate, "", ""))
        rows.append(("1 bare aiohttp", f"{t['baseline_leads_per_s']:.0f} leads/s", "", ""))
        w = t["whole_ratio"]
        rows.append(("1 whole process ratio (median)", f"{w:.2f}", ">= 0.80", w >= 0.8))
        rows.append(("  per round", " ".join(f"{r:.2f}" for r in t["whole_ratios"]), "", ""))
        r = t["run_batch_ratio"]
        rows.append(("2 run_batch in-process ratio", f"{r:.2f}", ">= 0.90", r >= 0.9))
        rows.append(("  per round", " ".join(f"{x:.2f}" for x in t["run_batch_ratios"]), "", ""))
        c = t["cpu_ms_per_lead"]
        rows.append(
            (
                "  CPU/lead bare/run_batch/deliver",
                f"{c['baseline']:.2f}/{c['run_batch']:.2f}/{c['pingpost']:.2f} ms",
                "",
                "",
            )
        )
        rows.append(("  start-up CPU (once)", f"{c['startup_ms_total']:.0f} ms", "", ""))
        share = max(t["buyers_core_share"]["baseline"] + t["buyers_core_share"]["pingpost"])
        rows.append(("  buyers' core, busiest run", f"{share:.0%}", "< 90%", share < 0.9))
        stored = t["store_auctions"]
        rows.append(("  auctions in the store", " ".join(str(n) for n in stored), "", ""))
    if o := results.get("overhead"):
        rows.append(("3 overhead p50", f"{o['p50_ms']:.2f} ms", "<= 2 ms", o["p50_ms"] <= 2))
        rows.append(("3 overhead p99", f"{o['p99_ms']:.2f} ms", "<= 10 ms", o["p99_ms"] <= 10))
        for name, wait in o.get("waits", {}).items():  # the store's commits in the window
            if wait.get("count") == 0:  # e.g. no outcome written alone: none in the window
                rows.append((f"  {name} waits", "none", "", ""))
                continue
            figure = f"{wait['p50_ms']:.2f}/{wait['p99_ms']:.2f} ms"
            rows.append((f"  {name} wait p50/p99", figure, "", ""))
        if floor := o.get("commit_floor"):
            figure = f"{floor['p50_ms']:.2f}/{floor['p99_ms']:.2f} ms"
            rows.append(("  bare SQLite commit p50/p99", figure, "", ""))
        if steps := o.get("steps_p50_ms"):  # where the overhead falls in one auction
            rows.append(("  p50 to last ping/answer->post/post->end", _steps(steps), "", ""))
    if o := results.get("overhead_no_store"):
        rows.append(
            ("  the same, --no-store p50/p99", f"{o['p50_ms']:.2f}/{o['p99_ms']:.2f} ms", "", "")
        )
        if steps := o.get("steps_p50_ms"):
            rows.append(("  --no-store: the same three steps", _steps(steps), "", ""))
    if o := results.get("overhead_bare"):  # the floor: a plain client's own time per lead
        rows.append(
            ("  bare aiohttp, the same p50/p99", f"{o['p50_ms']:.2f}/{o['p99_ms']:.2f} ms", "", "")
        )
    if d := results.get("deadline"):
        late = d["late_max_ms"]
        rows.append(("4 deadline slack (worst)", f"{late:.1f} ms", "<= 20 ms", late <= 20))
    if m := results.get("memory"):
        small, big = m["small"], m["big"]
        rows.append((f"5 RSS {small['leads']:,} leads", f"{small['max_rss_mb']:.1f} MB", "", ""))
        rows.append((f"5 RSS {big['leads']:,} leads", f"{big['max_rss_mb']:.1f} MB", "", ""))
        rows.append(("5 ratio", f"{m['ratio']:.3f}", "<= 1.20", m["ratio"] <= 1.2))
    if b := results.get("batch"):
        rows.append(("run_batch profiled", f"{b['leads_per_s']:.0f} leads/s", "", ""))
        rows.append(
            (
                "  overhead under load p50/p99",
                f"{b['overhead_under_load_p50_ms']:.1f}/{b['overhead_under_load_p99_ms']:.1f} ms",
                "",
                "",
            )
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(4)]
    lines = []
    for row in rows:
        cells = [("PASS" if c else "FAIL") if isinstance(c, bool) else str(c) for c in row]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="pingpost auction benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller runs (a smoke test)")
    parser.add_argument("--profile", action="store_true", help="profile the in-process batch")
    parser.add_argument("--only", default=",".join(DEFAULT), help=f"comma list of {', '.join(ALL)}")
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds")
    parser.add_argument("--leads", type=int, default=3000, help="leads in the throughput runs")
    parser.add_argument(
        "--long", action="store_true", help="memory: 1,000 vs 100,000 leads (about 10 min)"
    )
    parser.add_argument(
        "--no-pin", action="store_true", help="let the buyers and the clients share every core"
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    RESULTS.mkdir(exist_ok=True)
    count = 300 if args.quick else args.leads
    big = 2_000 if args.quick else 100_000 if args.long else 10_000
    leads_file = write_leads(RESULTS / f"leads-{count}.jsonl", count)
    buyers_cpus, client_cpus = (None, None) if args.no_pin else split_cpus()
    results: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "pinned": {"buyers": sorted(buyers_cpus or ()), "clients": sorted(client_cpus or ())},
        "load_average_before": os.getloadavg(),
    }
    if client_cpus:  # the in-process measurements run here: on the clients' cores too
        os.sched_setaffinity(0, client_cpus)
    with sandbox_process(cpus=buyers_cpus) as sb:
        if "throughput" in only:
            results["throughput"] = throughput(sb, leads_file, count, args.rounds, client_cpus)
        if "overhead" in only:
            results["overhead"] = bench_engine.overhead(
                sb.url, leads_file, count=100 if args.quick else 300
            )
            results["overhead_no_store"] = bench_engine.overhead(
                sb.url, leads_file, count=100 if args.quick else 300, with_store=False
            )
            results["overhead_bare"] = bench_engine.overhead_bare(
                sb.url, leads_file, count=100 if args.quick else 300
            )
        if "deadline" in only:
            results["deadline"] = bench_engine.deadline(
                sb.url, leads_file, auctions=30 if args.quick else 100
            )
        if "memory" in only:
            small_file = write_leads(RESULTS / "leads-1000.jsonl", 1000)
            big_file = write_leads(RESULTS / f"leads-{big}.jsonl", big, seed=2)
            results["memory"] = memory(sb, small_file, big_file, client_cpus)
        if "batch" in only or args.profile:
            results["batch"] = bench_engine.batch(sb.url, leads_file, profile=args.profile)
    results["load_average_after"] = os.getloadavg()
    print(table(results))
    print(f"load average before/after: {results['load_average_before']} / "
          f"{results['load_average_after']}")  # fmt: skip
    if args.profile:
        profile = results["batch"]["profile"]
        print("\nown time by area (share of the profiled batch's CPU):")
        print(json.dumps(profile["by_area"], indent=1))
        print(f"CPU per lead in the profile: {profile['total_s'] / count * 1000:.2f} ms")
        print(profile["top"])
    text = json.dumps(results, indent=2, default=str)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"bench-{stamp}.json").write_text(text)
    (RESULTS / "latest.json").write_text(text)
    print(f"\nwritten: {RESULTS / 'latest.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
