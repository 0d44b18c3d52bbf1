"""CPU per lead of `pingpost deliver --json` (default SQLite store), two versions side by side.

    .venv/bin/python benchmarks/ab_deliver.py --base main [--leads 1000] [--rounds 5]

`--base` is any git ref (exported with `git archive` into a temporary directory); it is
measured against this checkout, round after round, alternating, on the same buyers (the
sandbox of run.py, pinned to its own core), each run with a fresh copy of the benchmark
configs and so an empty store. CPU per lead is the run's CPU time (user + system, from
wait4) less a one-lead run's (start-up), over the leads. The ratio is this checkout's
median over the base's: below 1 is cheaper. A CPU figure, not a throughput one: on a
machine busy with other work it moves less than wall time does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import (
    ROOT,
    URL_VARIABLE,
    fresh_configs,
    run_timed,
    sandbox_process,
    split_cpus,
    write_leads,
)

# `python -m pingpost` from the tree in AB_TREE: the editable install's finder would
# otherwise load this checkout whatever PYTHONPATH says.
RUNNER = """\
import os, runpy, sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, os.environ["AB_TREE"])
sys.argv[0] = "pingpost"
runpy.run_module("pingpost", run_name="__main__", alter_sys=True)
"""


def _export(ref: str, into: Path) -> None:
    archive = subprocess.run(
        ["git", "archive", ref, "pingpost"], cwd=ROOT, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="git ref measured against this checkout")
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    farm, client = split_cpus()
    with tempfile.TemporaryDirectory(prefix="pingpost-ab-") as tmp:
        base = Path(tmp) / "base"
        base.mkdir()
        _export(args.base, base)
        runner = Path(tmp) / "runner.py"
        runner.write_text(RUNNER)
        leads = write_leads(Path(tmp) / "leads.jsonl", args.leads)
        one = write_leads(Path(tmp) / "one.jsonl", 1)
        trees = {args.base: base, "this checkout": ROOT}
        runs: dict[str, list[float]] = {name: [] for name in trees}
        starts: dict[str, list[float]] = {name: [] for name in trees}
        with sandbox_process(cpus=farm) as sb:
            for _ in range(args.rounds):
                for name, tree in trees.items():
                    env = {URL_VARIABLE: sb.url, "AB_TREE": str(tree)}
                    for file, into in ((leads, runs), (one, starts)):
                        with fresh_configs() as configs:
                            command = [sys.executable, str(runner), "deliver", str(file)]
                            command += ["--config", str(configs), "--concurrency", "50", "--json"]
                            timed = run_timed(command, env, Path(os.devnull), client)
                            if timed.returncode not in (0, 1):  # 1: a lead unsold
                                print(f"{name}: deliver exited {timed.returncode}")
                                return 1
                            into[name].append(timed.cpu_s)
    per_lead = {
        name: (statistics.median(runs[name]) - statistics.median(starts[name]))
        / (args.leads - 1)
        * 1000
        for name in trees
    }
    for name in trees:
        rounds = " ".join(f"{cpu / args.leads * 1000:.2f}" for cpu in runs[name])
        print(f"{name:>14}: {per_lead[name]:.3f} ms CPU per lead (rounds, start-up in: {rounds})")
    ratio = per_lead["this checkout"] / per_lead[args.base]
    print(f"ratio this checkout / {args.base}: {ratio:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
