"""CPU of a `pingpost` process before and around its work (start-up): this checkout
against a git ref, side by side.

    .venv/bin/python benchmarks/bench_startup.py [--base main] [--runs 11] [--importtime]

Each command below runs as a child process, this checkout's and the base's alternately
(the base exported with `git archive`, as ab_deliver.py does), against the sandbox's
default buyers (in this process, on a free port) and the sample configs; the table gives
the median CPU (user + system of the child, from wait4) of each, and the ratio:

    pingpost --help
    pingpost deliver examples/lead.json --dry-run --no-store
    pingpost deliver examples/lead.json --store memory:      (a real auction)
    pingpost deliver examples/lead.json --store sqlite:///…  (a new store each run)
    pingpost log --store sqlite:///…                         (the store above)

CPU is the figure least moved by a busy machine (issue 12: "imports on the deliver
path only for what that run uses"). Both trees' bytecode is written first, as an
installed package has it. `--importtime` also prints the modules this checkout's
`deliver` imports, slowest first (python -X importtime).
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# `python -m pingpost` from the tree in AB_TREE: the editable install's finder would
# otherwise load this checkout whatever PYTHONPATH says.
RUNNER = """\
import os, runpy, sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, os.environ["AB_TREE"])
sys.argv[0] = "pingpost"
runpy.run_module("pingpost", run_name="__main__", alter_sys=True)
"""


def cpu_of(args: list[str], env: dict[str, str]) -> float:
    """CPU seconds (user + system) of one `pingpost ARGS` child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *args], env=env, capture_output=True, text=True, cwd=ROOT
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"pingpost {' '.join(args)}: exit {done.returncode}\n{done.stderr}")
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def importtime(args: list[str], env: dict[str, str], top: int = 25) -> None:
    """The modules `pingpost ARGS` imports, by their own import time, slowest first."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", RUNNER, *args],
        env=env, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, total, name = line.removeprefix("import time:").split("|")
        rows.append((int(own), int(total), name.strip()))
    print(f"\n{len(rows)} modules imported; total {sum(r[0] for r in rows) / 1000:.0f} ms")
    for own, total, name in sorted(rows, reverse=True)[:top]:
        print(f"  {own / 1000:7.1f} ms own {total / 1000:7.1f} ms with imports  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="git ref measured against this checkout")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--importtime", action="store_true")
    args = parser.parse_args()
    from pingpost.sandbox import load_sandbox_spec, start_sandbox

    with (
        tempfile.TemporaryDirectory(prefix="pingpost-startup-") as tmp,
        start_sandbox(load_sandbox_spec(), port=0) as sb,
    ):
        base = Path(tmp) / "base"
        base.mkdir()
        archive = subprocess.run(
            ["git", "archive", args.base, "pingpost"], cwd=ROOT, capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        trees = {"this checkout": ROOT, args.base: base}
        for tree in trees.values():
            compileall.compile_dir(tree / "pingpost", quiet=1)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PINGPOST_")}
        env |= {"PINGPOST_SANDBOX_URL": sb.url, "NO_COLOR": "1"}
        lead, configs = "examples/lead.json", ["-c", "configs"]
        commands = {
            "--help": ["--help"],
            "deliver --dry-run": ["deliver", lead, *configs, "--dry-run", "--no-store"],
            "deliver, memory:": ["deliver", lead, *configs, "--store", "memory:"],
            "deliver, new store": ["deliver", lead, *configs, "--store", "NEW"],
            "log": ["log", *configs, "--store", f"sqlite:///{tmp}/store-0-0.db"],
        }
        print(f"{'median CPU, ' + str(args.runs) + ' runs':<24}", end="")
        print(f"{'this checkout':>15} {args.base:>15} {'ratio':>7}")
        for name, command in commands.items():
            cpu: dict[str, list[float]] = {label: [] for label in trees}
            for i in range(args.runs):
                order = list(enumerate(trees.items()))
                for j, (label, tree) in order if i % 2 == 0 else order[::-1]:
                    store = f"sqlite:///{tmp}/store-{j}-{i}.db"  # new each run: its migration
                    argv = [store if word == "NEW" else word for word in command]
                    cpu[label].append(cpu_of(argv, env | {"AB_TREE": str(tree)}))
            mine, theirs = (statistics.median(cpu[label]) for label in trees)
            print(f"{name:<24}{mine * 1000:>12.0f} ms {theirs * 1000:>12.0f} ms", end="")
            print(f" {mine / theirs:>7.2f}")
        if args.importtime:
            importtime(commands["deliver, memory:"], env | {"AB_TREE": str(ROOT)})


if __name__ == "__main__":
    main()
