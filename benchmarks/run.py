"""The auction benchmarks, one command:  .venv/bin/python benchmarks/run.py

The sandbox (benchmarks/sandbox.yaml: 10 json_status buyers at a fixed 20 ms)
runs in its own process. Measured:

1. overhead    per lead: wall time - slowest ping - post (auctions one at a time)
               target p50 <= 5 ms, p99 <= 25 ms
2. throughput  1,000 leads x 10 buyers, concurrency 50: `pingpost deliver leads.jsonl
               --json` (a child process, start-up included) vs benchmarks/baseline_aiohttp.py
               (the same exchanges with bare aiohttp); target >= 0.8 of the baseline
3. deadline    ping_deadline 0.5 s with one buyer that never answers, 100 auctions;
               target: the worst round ends by 0.55 s
4. memory      peak RSS of `pingpost deliver` on 1,000 vs 10,000 leads; target within 20%

Options: --quick (smaller runs), --profile (where the in-process batch spends its time),
--only NAME[,NAME]. Prints a table; writes benchmarks/results/bench-<time>.json and latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_engine
from harness import (
    CONFIGS,
    HERE,
    RESULTS,
    URL_VARIABLE,
    SandboxProcess,
    pingpost_command,
    run_timed,
    sandbox_process,
    write_leads,
)

ALL = ("overhead", "throughput", "deadline", "memory", "batch")


def throughput(sb: SandboxProcess, leads: Path, count: int, repeat: int) -> dict[str, Any]:
    """`pingpost deliver` vs the bare-aiohttp baseline, alternating, `repeat` runs each.

    Two more children split pingpost's CPU time: `batch_child.py` (the auctions with no
    output) and `deliver` of a single lead (start-up: imports and config loading).
    """
    env = {URL_VARIABLE: sb.url}
    deliver = ["deliver", str(leads), "--json", "-c", str(CONFIGS), "--concurrency", "50"]
    one = RESULTS / "one-lead.jsonl"
    one.write_text(leads.open().readline())
    commands = {
        "baseline": [
            sys.executable,
            str(HERE / "baseline_aiohttp.py"),
            str(leads),
            "--url",
            sb.url,
            "--concurrency",
            "50",
        ],
        "pingpost": pingpost_command(*deliver),
        "auctions_only": [sys.executable, str(HERE / "batch_child.py"), str(leads)],
        "startup": pingpost_command("deliver", str(one), "--json", "-c", str(CONFIGS)),
    }
    rates: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    sandbox_share: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            before = sb.cpu_seconds()
            timed = run_timed(command, env, stdout_to=RESULTS / f"{name}.out")
            if timed.returncode not in (0, 1):
                raise RuntimeError(f"{name} failed with exit code {timed.returncode}")
            rates[name].append(count / timed.wall_s)
            cpu[name].append(timed.cpu_s)
            sandbox_share[name].append((sb.cpu_seconds() - before) / timed.wall_s)
    best = {name: max(values) for name, values in rates.items()}
    cpu_ms = {name: min(values) / count * 1000 for name, values in cpu.items()}
    sold = sum('"result":"sold"' in line for line in (RESULTS / "pingpost.out").open())
    startup_ms = min(cpu["startup"]) * 1000
    return {
        "leads": count,
        "pingpost_leads_per_s": best["pingpost"],
        "baseline_leads_per_s": best["baseline"],
        "ratio": best["pingpost"] / best["baseline"],
        "auctions_only_leads_per_s": best["auctions_only"],
        "pingpost_runs": rates["pingpost"],
        "baseline_runs": rates["baseline"],
        "pingpost_sold": sold,
        "cpu_ms_per_lead": {
            "baseline": cpu_ms["baseline"],
            "pingpost": cpu_ms["pingpost"],
            "startup_ms_total": startup_ms,
            "auctions_over_baseline": cpu_ms["auctions_only"]
            - startup_ms / count
            - cpu_ms["baseline"],
            "output": cpu_ms["pingpost"] - cpu_ms["auctions_only"],
        },
        "sandbox_core_share": {k: statistics.median(v) for k, v in sandbox_share.items()},
    }


def memory(sb: SandboxProcess, small: Path, big: Path) -> dict[str, Any]:
    env = {URL_VARIABLE: sb.url}
    rss = {}
    for name, leads in (("small", small), ("big", big)):
        command = pingpost_command(
            "deliver", str(leads), "--json", "-c", str(CONFIGS), "--concurrency", "50"
        )
        timed = run_timed(command, env, stdout_to=Path(os.devnull))
        rss[name] = {"leads": _count(leads), "max_rss_mb": timed.max_rss_mb, "wall_s": timed.wall_s}
    return {**rss, "ratio": rss["big"]["max_rss_mb"] / rss["small"]["max_rss_mb"]}


def _count(path: Path) -> int:
    with path.open() as f:
        return sum(1 for _ in f)


def table(results: dict[str, Any]) -> str:
    rows = [("benchmark", "figure", "target", "ok")]
    if o := results.get("overhead"):
        rows.append(("1 overhead p50", f"{o['p50_ms']:.2f} ms", "<= 5 ms", o["p50_ms"] <= 5))
        rows.append(("1 overhead p99", f"{o['p99_ms']:.2f} ms", "<= 25 ms", o["p99_ms"] <= 25))
    if t := results.get("throughput"):
        rows.append(("2 pingpost deliver", f"{t['pingpost_leads_per_s']:.0f} leads/s", "", ""))
        rows.append(("2 bare aiohttp", f"{t['baseline_leads_per_s']:.0f} leads/s", "", ""))
        rows.append(("2 ratio", f"{t['ratio']:.2f}", ">= 0.80", t["ratio"] >= 0.8))
        c = t["cpu_ms_per_lead"]
        rows.append(
            ("2 CPU/lead base/pingpost", f"{c['baseline']:.2f}/{c['pingpost']:.2f} ms", "", "")
        )
        rows.append(("  start-up (once)", f"{c['startup_ms_total']:.0f} ms", "", ""))
        rows.append(
            ("  auctions over baseline", f"{c['auctions_over_baseline']:.2f} ms/lead", "", "")
        )
        rows.append(("  --json output", f"{c['output']:.2f} ms/lead", "", ""))
    if d := results.get("deadline"):
        rows.append(
            ("3 worst round", f"{d['round_max_ms']:.1f} ms", "<= 550 ms", d["round_max_ms"] <= 550)
        )
    if m := results.get("memory"):
        rows.append(("4 RSS 1k leads", f"{m['small']['max_rss_mb']:.1f} MB", "", ""))
        rows.append(("4 RSS 10k leads", f"{m['big']['max_rss_mb']:.1f} MB", "", ""))
        rows.append(("4 ratio", f"{m['ratio']:.3f}", "<= 1.20", m["ratio"] <= 1.2))
    if b := results.get("batch"):
        rows.append(("run_batch in-process", f"{b['leads_per_s']:.0f} leads/s", "", ""))
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
    parser.add_argument("--only", default=",".join(ALL), help=f"comma list of {', '.join(ALL)}")
    parser.add_argument("--repeat", type=int, default=3, help="throughput runs of each client")
    parser.add_argument("--leads", type=int, default=1000, help="leads in the throughput runs")
    args = parser.parse_args()
    only = set(args.only.split(","))
    RESULTS.mkdir(exist_ok=True)
    count, big = (200, 2000) if args.quick else (args.leads, 10_000)
    small_file = write_leads(RESULTS / f"leads-{count}.jsonl", count)
    results: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
    }
    with sandbox_process() as sb:
        if "overhead" in only:
            results["overhead"] = bench_engine.overhead(
                sb.url, small_file, count=100 if args.quick else 300
            )
        if "throughput" in only:
            results["throughput"] = throughput(sb, small_file, count, args.repeat)
        if "deadline" in only:
            results["deadline"] = bench_engine.deadline(
                sb.url, small_file, auctions=30 if args.quick else 100
            )
        if "memory" in only:
            big_file = write_leads(RESULTS / f"leads-{big}.jsonl", big, seed=2)
            results["memory"] = memory(sb, small_file, big_file)
        if "batch" in only or args.profile:
            results["batch"] = bench_engine.batch(sb.url, small_file, profile=args.profile)
    results["load_average_after"] = os.getloadavg()
    print(table(results))
    if args.profile:
        profile = results["batch"]["profile"]
        print("\nown time by area:", json.dumps(profile["by_area"]))
        print(profile["top"])
    text = json.dumps(results, indent=2, default=str)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"bench-{stamp}.json").write_text(text)
    (RESULTS / "latest.json").write_text(text)
    print(f"\nwritten: {RESULTS / 'latest.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
