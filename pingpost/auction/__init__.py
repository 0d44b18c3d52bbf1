"""The auction: `run_auction` for one lead, `run_batch` for a stream of them.

Submodules: `engine` (one auction), `eligibility` (filters), `selection` (pure
ranking), `verdicts` (pure status rules), `pinging`/`posting` (the two phases),
`batch`, `lines` and `stats` (many leads), `result` (the data every output is built from).

Names are imported lazily: `pingpost.auction.result` (used by the trace) must
not pull in the engine, the transport and aiohttp.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_API = {
    "run_auction": "pingpost.auction.engine",
    "AuctionInterrupted": "pingpost.auction.engine",
    "AuctionControl": "pingpost.auction.posting",
    "run_auction_sync": "pingpost.auction.engine",
    "run_batch": "pingpost.auction.batch",
    "read_lines": "pingpost.auction.lines",
    "BatchItem": "pingpost.auction.batch",
    "BatchStats": "pingpost.auction.stats",
    "AuctionResult": "pingpost.auction.result",
    "AccountResult": "pingpost.auction.result",
    "Exchange": "pingpost.auction.result",
}

__all__ = [
    "AccountResult",
    "AuctionControl",
    "AuctionInterrupted",
    "AuctionResult",
    "BatchItem",
    "BatchStats",
    "Exchange",
    "read_lines",
    "run_auction",
    "run_auction_sync",
    "run_batch",
]

if TYPE_CHECKING:  # pragma: no cover
    from pingpost.auction.batch import BatchItem, run_batch
    from pingpost.auction.engine import AuctionInterrupted, run_auction, run_auction_sync
    from pingpost.auction.lines import read_lines
    from pingpost.auction.posting import AuctionControl
    from pingpost.auction.result import AccountResult, AuctionResult, Exchange
    from pingpost.auction.stats import BatchStats


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'pingpost.auction' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
