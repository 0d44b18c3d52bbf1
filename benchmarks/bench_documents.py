"""The per-lead document work of `deliver --json` with the store, on recorded results.

    .venv/bin/python benchmarks/bench_documents.py [--results 200] [--callgrind]

Runs `run_batch` on the benchmark buyers (the sandbox, in its own process) to record
real results, then measures, per lead, what `deliver --json` does with each result
after its auction: the plain document (built once, shared), the store's record (its
masker, masked, exact figures, written) and the `--json` line (its masker, masked,
written). CPU time, best of 5 passes; `--callgrind` counts CPU instructions instead
(valgrind, the same results; slower, but no other load on the machine moves it). The
garbage collector runs as in a batch (gcpolicy.py).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import pickle
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import URL_VARIABLE, sandbox_process, write_leads

PARTS = ("plain", "store", "line")


def record(count: int, into: Path) -> None:
    """`count` results of the benchmark buyers, pickled to `into` with the buyers' URL."""
    import bench_engine

    from pingpost.auction import read_lines, run_batch
    from pingpost.transport import HttpTransport

    with sandbox_process() as sb:
        config = bench_engine.bench_config(sb.url)
        leads = write_leads(into.with_suffix(".jsonl"), count)
        results: list[Any] = []

        async def main() -> None:
            async with HttpTransport.for_config(config, concurrency=50) as transport:
                with leads.open("rb") as lines:
                    batch = run_batch(
                        read_lines(lines), config, config.lead_type(), transport=transport
                    )
                    async for item in batch:
                        results.append(item.result)

        asyncio.run(main())
        into.write_bytes(pickle.dumps((sb.url, results)))


def work(saved: Path, part: str, count: int) -> float:
    """Do `part` for the first `count` recorded results (each from scratch); CPU seconds."""
    import bench_engine

    from pingpost.masking import Masker
    from pingpost.trace import json as trace_json
    from pingpost.trace.stored import stored_document

    url, results = pickle.loads(saved.read_bytes())
    config = bench_engine.bench_config(url)
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000)  # as a batch runs
    started = time.process_time()
    for result in results[:count]:
        trace_json._PLAIN.pop(id(result), None)  # no document kept from a pass before
        trace_json._plain(result)
        if part in ("store", "line"):
            stored_document(result, config)
        if part == "line":
            trace_json.auction_json_line(result, Masker.for_result(config, result), 1)
    return time.process_time() - started


def instructions(saved: Path, part: str, count: int) -> int:
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "--measure", str(saved), part, str(count),
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    found = re.search(r"Collected : (\d+)", out)
    if found is None:
        raise RuntimeError(f"callgrind gave no count:\n{out[-2000:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=200)
    parser.add_argument("--callgrind", action="store_true", help="CPU instructions (valgrind)")
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)  # in the valgrind child
    args = parser.parse_args()
    if args.measure:
        saved, part, count = args.measure
        work(Path(saved), part, int(count))
        return 0
    with tempfile.TemporaryDirectory(prefix="pingpost-docs-") as tmp:
        saved = Path(tmp) / "results.pickle"
        record(args.results, saved)
        os.environ.pop(URL_VARIABLE, None)
        previous = 0.0
        for part in PARTS:
            if args.callgrind:
                base = instructions(saved, part, 0)
                total = (instructions(saved, part, args.results) - base) / args.results
                print(f"{part:>6}: {total - previous:12,.0f} instructions a lead")
            else:
                total = min(work(saved, part, args.results) for _ in range(5)) / args.results
                print(f"{part:>6}: {(total - previous) * 1e6:8.1f} µs of CPU a lead")
            previous = total
    return 0


if __name__ == "__main__":
    sys.exit(main())
