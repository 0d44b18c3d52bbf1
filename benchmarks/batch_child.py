"""`run_batch` on a lead file with no output: pingpost's auction without the CLI's printing.

    PINGPOST_BENCH_URL=http://127.0.0.1:8799 python benchmarks/batch_child.py LEADS.jsonl

Used by run.py to split `pingpost deliver`'s cost into start-up, auctions and output.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from pingpost.auction import run_batch
from pingpost.config import load_config
from pingpost.transport import HttpTransport

CONFIGS = Path(__file__).resolve().parent / "configs"


async def main(path: str) -> int:
    config = load_config(CONFIGS)
    sold = 0
    async with HttpTransport.for_config(config) as transport:
        with open(path) as lines:
            batch = run_batch(lines, config, config.lead_type(), transport=transport)
            async for item in batch:
                sold += item.result is not None and item.result.result == "sold"
    return sold


if __name__ == "__main__":
    print(asyncio.run(main(sys.argv[1])))
