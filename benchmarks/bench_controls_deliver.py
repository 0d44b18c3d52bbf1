"""The buyer controls' cost in the deliver benchmark: CPU per lead of `pingpost deliver`
with caps, dedupe and round robin on for every account, against the same run with the
controls off, side by side in one run, both with the default SQLite store.

    .venv/bin/python benchmarks/bench_controls_deliver.py [--leads 2000] [--rounds 3]

The buyers are the benchmark's 10 sandbox buyers (benchmarks/sandbox.yaml) in their own
process, on their own core when there are two or more; each run is the whole command
as a user runs it (`deliver LEADS --json --concurrency 50`), with a fresh copy of the
configs and so a fresh store (.pingpost/store.db beside them). "on" adds to every
account an hour, a day and a month cap (leads and spend; set high, so that all leads
sell as in "off" and the work compared is the same) and `dedupe: {within: 90d}`, to
the lead type `dedupe: {fields: [Phone], within: 30d}`, and `strategy: round_robin`.
CPU is the child's user + system time (wait4). The rounds alternate off and on, so
both see the same machine load; the ratio is per round, the median reported, with
the target of the issue: at most 1.10.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

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

ACCOUNT_CONTROLS = """
timezone: America/New_York
caps:
  - {per: hour, leads: 1000000}
  - {per: day, leads: 1000000}
  - {per: month, leads: 1000000, spend: 100000000.00}
dedupe: {within: 90d}
"""


def controls_on(configs: Path) -> None:
    """Caps and dedupe on every account, dedupe on the lead type, round robin."""
    buyers = configs / "buyers.yaml"
    documents = buyers.read_text().split("\n---\n")
    buyers.write_text(
        "\n---\n".join(
            d.rstrip("\n") + ACCOUNT_CONTROLS if "kind: delivery_account" in d else d
            for d in documents
        )
    )
    lead_type = configs / "lead_type.yaml"
    lead_type.write_text(lead_type.read_text() + "\ndedupe: {fields: [Phone], within: 30d}\n")
    settings = configs / "settings.yaml"
    text = settings.read_text()
    assert "strategy: highest_bid" in text
    settings.write_text(text.replace("strategy: highest_bid", "strategy: round_robin"))


def one_run(leads: Path, url: str, cpus: set[int] | None, *, on: bool) -> dict[str, float]:
    with fresh_configs() as configs:
        if on:
            controls_on(configs)
        out = RESULTS / f"controls-{'on' if on else 'off'}.out"
        command = pingpost_command(
            "deliver", str(leads), "--config", str(configs), "--concurrency", "50", "--json"
        )
        timed = run_timed(command, {URL_VARIABLE: url}, out, cpus)
        if timed.returncode not in (0, 1):
            raise SystemExit(f"deliver ({'on' if on else 'off'}) exited {timed.returncode}")
        if not default_store(configs).exists():
            raise SystemExit("deliver wrote no store: the comparison needs the store on")
        sold = sum('"result":"sold"' in line for line in out.open())
    return {"cpu_s": timed.cpu_s, "wall_s": timed.wall_s, "sold": sold}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    leads = write_leads(RESULTS / f"controls-leads-{args.leads}.jsonl", args.leads)
    buyers_cpus, client_cpus = split_cpus()
    runs: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
    with sandbox_process(cpus=buyers_cpus) as sb:
        for _ in range(args.rounds):
            runs["off"].append(one_run(leads, sb.url, client_cpus, on=False))
            runs["on"].append(one_run(leads, sb.url, client_cpus, on=True))
    ratios = [on["cpu_s"] / off["cpu_s"] for off, on in zip(runs["off"], runs["on"], strict=True)]

    def per_lead_ms(mode: str) -> float:
        return statistics.median(r["cpu_s"] for r in runs[mode]) / args.leads * 1000

    print(f"{args.leads} leads x {args.rounds} rounds, SQLite store, 10 buyers, concurrency 50")
    print(f"{'controls':10} {'CPU ms/lead':>12} {'sold':>6} {'wall s':>8}")
    for mode in ("off", "on"):
        wall = statistics.median(r["wall_s"] for r in runs[mode])
        sold = int(statistics.median(r["sold"] for r in runs[mode]))
        print(f"{mode:10} {per_lead_ms(mode):12.3f} {sold:6} {wall:8.2f}")
    print(f"ratio on/off (median of rounds): {statistics.median(ratios):.3f}  rounds: "
          + ", ".join(f"{r:.3f}" for r in ratios))  # fmt: skip
    (RESULTS / "controls-deliver.json").write_text(json.dumps({"runs": runs, "ratios": ratios}))


if __name__ == "__main__":
    main()
