"""`run_batch` on a lead file with no output: pingpost's auctions without the CLI.

    PINGPOST_BENCH_URL=http://127.0.0.1:8799 python benchmarks/batch_child.py LEADS.jsonl \
        [--config DIR] [--store URL | --no-store] [--concurrency 50]

The store is on by default, as `deliver` has it: `sqlite:///...` at the default place
beside the config directory. Prints one JSON line: leads, sold, and the batch's own
time (from the transport's opening to the last auction; imports and config loading are
not in it), the figure run.py compares with the baseline's own time; with the SQLite
store, also what its writer thread did (commits, writes, its CPU per lead) and the bytes
the process wrote per lead (Linux).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from pingpost.auction import run_batch
from pingpost.auction.setup import delivery_for
from pingpost.config import load_config
from pingpost.store.backends import store_for_url
from pingpost.transport import HttpTransport

try:  # the commands' event loop (uvloop where installed); older checkouts: asyncio's
    from pingpost.runloop import run
except ImportError:  # pragma: no cover
    run = asyncio.run

CONFIGS = Path(__file__).resolve().parent / "configs"


async def main(path: str, configs: Path, store_url: str | None, concurrency: int) -> dict[str, Any]:
    config = load_config(configs)
    store = store_for_url(store_url) if store_url else None
    if store is not None:
        await store.open()
    sold = leads = 0
    started = time.monotonic()
    try:
        delivery = delivery_for(config, store)
        async with _transport(config, concurrency) as transport:
            with open(path) as lines:
                batch = run_batch(
                    lines, config, config.lead_type(), transport=transport,
                    concurrency=concurrency, delivery=delivery,
                )  # fmt: skip
                async for item in batch:
                    leads += 1
                    sold += item.result is not None and item.result.result == "sold"
        elapsed = time.monotonic() - started
    finally:
        if store is not None:
            await store.close()
    figures = {"leads": leads, "sold": sold, "elapsed_s": elapsed, "leads_per_s": leads / elapsed}
    writer = getattr(store, "writer_figures", None)
    if writer:  # SQLite: what its writer thread did, and the bytes the process wrote
        figures["writer"] = {**writer, "cpu_us_per_lead": writer["cpu_s"] / leads * 1e6}
        figures["written_kb_per_lead"] = _written_bytes() / leads / 1024
    return figures


def _written_bytes() -> int:
    """Bytes this process has written (Linux: /proc/self/io's wchar), else 0."""
    try:
        with open("/proc/self/io") as io:
            return next(int(line.split()[1]) for line in io if line.startswith("wchar:"))
    except (OSError, StopIteration, ValueError):
        return 0


def _transport(config: Any, concurrency: int) -> HttpTransport:
    try:
        return HttpTransport.for_config(config, concurrency=concurrency)
    except TypeError:  # an older checkout: limits from the config alone
        return HttpTransport.for_config(config)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("leads")
    parser.add_argument("--config", type=Path, default=CONFIGS)
    parser.add_argument("--store", default=None, help="store URL (default: the default place)")
    parser.add_argument("--no-store", action="store_true")
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    default = args.config.resolve().parent / ".pingpost" / "store.db"
    if not args.no_store and args.store is None:
        default.parent.mkdir(exist_ok=True)
    url = None if args.no_store else (args.store or f"sqlite:///{default}")
    print(json.dumps(run(main(args.leads, args.config, url, args.concurrency))))
    sys.exit(0)
